import X402Core
import X402EVMMechanisms
import X402EVM

/// A payer's cumulative voucher as carried in client payloads: `{channelId, maxClaimableAmount, signature}`.
public struct SignedVoucher: Codable, Hashable, Sendable {
    public var channelId: Bytes32
    public var maxClaimableAmount: UInt128
    /// EIP-712 `Voucher` signature: 65-byte ECDSA, or an ERC-1271 blob for contract payers.
    public var signature: HexBytes

    public init(channelId: Bytes32, maxClaimableAmount: UInt128, signature: HexBytes) {
        self.channelId = channelId
        self.maxClaimableAmount = maxClaimableAmount
        self.signature = signature
    }

    enum CodingKeys: String, CodingKey { case channelId, maxClaimableAmount, signature }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        channelId = try c.decodeCanonicalBytes32(forKey: .channelId)
        maxClaimableAmount = try c.decodeAmount128(forKey: .maxClaimableAmount)
        signature = try c.decode(HexBytes.self, forKey: .signature)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(channelId, forKey: .channelId)
        try c.encodeAmount(maxClaimableAmount, forKey: .maxClaimableAmount)
        try c.encode(signature, forKey: .signature)
    }
}

/// ERC-3009 `ReceiveWithAuthorization` fields of a deposit (protocol.md B.5); the rest is implied by the channel.
public struct ERC3009Authorization: Codable, Hashable, Sendable {
    public var validAfter: UInt256
    public var validBefore: UInt256
    /// 32 random bytes; ABI-encoded as `uint256`, and `nonce = keccak256(channelId ‖ salt)`.
    public var salt: Bytes32
    public var signature: HexBytes

    public init(validAfter: UInt256 = .zero, validBefore: UInt256, salt: Bytes32, signature: HexBytes) {
        self.validAfter = validAfter
        self.validBefore = validBefore
        self.salt = salt
        self.signature = signature
    }

    enum CodingKeys: String, CodingKey { case validAfter, validBefore, salt, signature }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        validAfter = try c.decodeAmount256(forKey: .validAfter)
        validBefore = try c.decodeAmount256(forKey: .validBefore)
        salt = try c.decodeCanonicalBytes32(forKey: .salt)
        signature = try c.decode(HexBytes.self, forKey: .signature)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeAmount(validAfter, forKey: .validAfter)
        try c.encodeAmount(validBefore, forKey: .validBefore)
        try c.encode(salt, forKey: .salt)
        try c.encode(signature, forKey: .signature)
    }
}

/// Permit2 `PermitWitnessTransferFrom` of a deposit (protocol.md B.6).
public struct Permit2Authorization: Codable, Hashable, Sendable {
    public struct TokenPermissions: Codable, Hashable, Sendable {
        public var token: Address
        public var amount: UInt256

        public init(token: Address, amount: UInt256) {
            self.token = token
            self.amount = amount
        }

        enum CodingKeys: String, CodingKey { case token, amount }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            token = try c.decode(Address.self, forKey: .token)
            amount = try c.decodeAmount256(forKey: .amount)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(token, forKey: .token)
            try c.encodeAmount(amount, forKey: .amount)
        }
    }

    public struct Witness: Codable, Hashable, Sendable {
        public var channelId: Bytes32
        public init(channelId: Bytes32) { self.channelId = channelId }
    }

    public var from: Address
    public var permitted: TokenPermissions
    /// Must be the Permit2 deposit collector.
    public var spender: Address
    /// Decimal on the wire (not hex).
    public var nonce: UInt256
    public var deadline: UInt256
    public var witness: Witness
    public var signature: HexBytes

    public init(from: Address, permitted: TokenPermissions, spender: Address, nonce: UInt256, deadline: UInt256,
                witness: Witness, signature: HexBytes) {
        self.from = from
        self.permitted = permitted
        self.spender = spender
        self.nonce = nonce
        self.deadline = deadline
        self.witness = witness
        self.signature = signature
    }

    enum CodingKeys: String, CodingKey { case from, permitted, spender, nonce, deadline, witness, signature }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        from = try c.decode(Address.self, forKey: .from)
        permitted = try c.decode(TokenPermissions.self, forKey: .permitted)
        spender = try c.decode(Address.self, forKey: .spender)
        nonce = try c.decodeAmount256(forKey: .nonce)
        deadline = try c.decodeAmount256(forKey: .deadline)
        witness = try c.decode(Witness.self, forKey: .witness)
        signature = try c.decode(HexBytes.self, forKey: .signature)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(from, forKey: .from)
        try c.encode(permitted, forKey: .permitted)
        try c.encode(spender, forKey: .spender)
        try c.encodeAmount(nonce, forKey: .nonce)
        try c.encodeAmount(deadline, forKey: .deadline)
        try c.encode(witness, forKey: .witness)
        try c.encode(signature, forKey: .signature)
    }
}

/// `deposit.authorization`: exactly one of `erc3009Authorization` / `permit2Authorization`.
public enum DepositAuthorization: Codable, Hashable, Sendable {
    case erc3009(ERC3009Authorization)
    case permit2(Permit2Authorization)

    enum CodingKeys: String, CodingKey { case erc3009Authorization, permit2Authorization }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let e = try c.decodeIfPresent(ERC3009Authorization.self, forKey: .erc3009Authorization)
        let p = try c.decodeIfPresent(Permit2Authorization.self, forKey: .permit2Authorization)
        switch (e, p) {
        case (let e?, nil): self = .erc3009(e)
        case (nil, let p?): self = .permit2(p)
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath,
                debugDescription: "exactly one of erc3009Authorization / permit2Authorization is required"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .erc3009(let e): try c.encode(e, forKey: .erc3009Authorization)
        case .permit2(let p): try c.encode(p, forKey: .permit2Authorization)
        }
    }
}

/// `payload.deposit`: the amount to escrow and its authorization.
public struct DepositFields: Codable, Hashable, Sendable {
    public var amount: UInt128
    public var authorization: DepositAuthorization

    public init(amount: UInt128, authorization: DepositAuthorization) {
        self.amount = amount
        self.authorization = authorization
    }

    enum CodingKeys: String, CodingKey { case amount, authorization }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        amount = try c.decodeAmount128(forKey: .amount)
        authorization = try c.decode(DepositAuthorization.self, forKey: .authorization)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeAmount(amount, forKey: .amount)
        try c.encode(authorization, forKey: .authorization)
    }
}

/// One claim row `{voucher:{channel, maxClaimableAmount}, signature, totalClaimed}` (wire form of the
/// contract's `VoucherClaim`).
public struct ClaimRowPayload: Codable, Hashable, Sendable {
    public var channel: ChannelConfig
    public var maxClaimableAmount: UInt128
    /// The payer's voucher signature.
    public var signature: HexBytes
    public var totalClaimed: UInt128

    public init(channel: ChannelConfig, maxClaimableAmount: UInt128, signature: HexBytes, totalClaimed: UInt128) {
        self.channel = channel
        self.maxClaimableAmount = maxClaimableAmount
        self.signature = signature
        self.totalClaimed = totalClaimed
    }

    enum CodingKeys: String, CodingKey { case voucher, signature, totalClaimed }
    enum VoucherKeys: String, CodingKey { case channel, maxClaimableAmount }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let v = try c.nestedContainer(keyedBy: VoucherKeys.self, forKey: .voucher)
        channel = try v.decode(ChannelConfig.self, forKey: .channel)
        maxClaimableAmount = try v.decodeAmount128(forKey: .maxClaimableAmount)
        signature = try c.decode(HexBytes.self, forKey: .signature)
        totalClaimed = try c.decodeAmount128(forKey: .totalClaimed)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        var v = c.nestedContainer(keyedBy: VoucherKeys.self, forKey: .voucher)
        try v.encode(channel, forKey: .channel)
        try v.encodeAmount(maxClaimableAmount, forKey: .maxClaimableAmount)
        try c.encode(signature, forKey: .signature)
        try c.encodeAmount(totalClaimed, forKey: .totalClaimed)
    }
}

/// `type:"deposit"`: open or top up a channel; the voucher already covers this request.
public struct DepositPayload: Hashable, Sendable {
    public var channelConfig: ChannelConfig
    public var voucher: SignedVoucher
    public var deposit: DepositFields

    public init(channelConfig: ChannelConfig, voucher: SignedVoucher, deposit: DepositFields) {
        self.channelConfig = channelConfig
        self.voucher = voucher
        self.deposit = deposit
    }
}

/// `type:"voucher"`: a later request on an open channel.
public struct VoucherPayload: Hashable, Sendable {
    public var channelConfig: ChannelConfig
    public var voucher: SignedVoucher

    public init(channelConfig: ChannelConfig, voucher: SignedVoucher) {
        self.channelConfig = channelConfig
        self.voucher = voucher
    }
}

/// `type:"refund"` from the client: a zero-charge voucher and an optional partial amount.
public struct RefundPayload: Hashable, Sendable {
    public var channelConfig: ChannelConfig
    public var voucher: SignedVoucher
    /// Requested refund as sent (decimal text; absent = full refund). Kept raw so the server can answer
    /// a malformed value with `refund_amount_invalid`; see ``amountValue``.
    public var amount: String?

    public init(channelConfig: ChannelConfig, voucher: SignedVoucher, amount: String? = nil) {
        self.channelConfig = channelConfig
        self.voucher = voucher
        self.amount = amount
    }

    /// `amount` when it is a plain decimal (`^[0-9]+$`) that fits uint128.
    public var amountValue: UInt128? { amount.flatMap { try? UInt128(decimalAmount: $0) } }
}

/// `type:"refund"` after server enrichment (protocol.md B.9.3), sent to facilitator `/settle`.
public struct EnrichedRefundPayload: Hashable, Sendable {
    public var channelConfig: ChannelConfig
    public var voucher: SignedVoucher
    public var amount: UInt128
    public var refundNonce: UInt256
    public var claims: [ClaimRowPayload]
    /// Present only when the server holds the receiver-authorizer key.
    public var refundAuthorizerSignature: HexBytes?
    public var claimAuthorizerSignature: HexBytes?

    public init(channelConfig: ChannelConfig, voucher: SignedVoucher, amount: UInt128, refundNonce: UInt256,
                claims: [ClaimRowPayload], refundAuthorizerSignature: HexBytes? = nil, claimAuthorizerSignature: HexBytes? = nil) {
        self.channelConfig = channelConfig
        self.voucher = voucher
        self.amount = amount
        self.refundNonce = refundNonce
        self.claims = claims
        self.refundAuthorizerSignature = refundAuthorizerSignature
        self.claimAuthorizerSignature = claimAuthorizerSignature
    }
}

/// `type:"claim"`: a batch of voucher claims (server → facilitator).
public struct ClaimPayload: Hashable, Sendable {
    public var claims: [ClaimRowPayload]
    /// `ClaimBatch` signature; omitted when the facilitator holds the receiver-authorizer key.
    public var claimAuthorizerSignature: HexBytes?

    public init(claims: [ClaimRowPayload], claimAuthorizerSignature: HexBytes? = nil) {
        self.claims = claims
        self.claimAuthorizerSignature = claimAuthorizerSignature
    }
}

/// `type:"settle"`: sweep claimed funds of (receiver, token) to the receiver.
public struct SettlePayload: Hashable, Sendable {
    public var receiver: Address
    public var token: Address

    public init(receiver: Address, token: Address) {
        self.receiver = receiver
        self.token = token
    }
}
