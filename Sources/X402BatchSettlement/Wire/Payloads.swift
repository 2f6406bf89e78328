import X402Core
import X402EVMMechanisms
import X402EVM

/// A payer's cumulative voucher as carried in client payloads: `{channelId, maxClaimableAmount, signature}`.
public struct SignedVoucher: Codable, JSONValueDecodable, Hashable, Sendable {
    /// The channel the voucher is for (canonical `0x` + 64 hex digits on the wire).
    public var channelId: Bytes32
    /// The signed cumulative ceiling the receiver may claim.
    public var maxClaimableAmount: TokenAmount128
    /// EIP-712 `Voucher` signature: 65-byte ECDSA, or an ERC-1271 blob for contract payers.
    public var signature: HexBytes

    /// A voucher from its fields.
    public init(channelId: Bytes32, maxClaimableAmount: TokenAmount128, signature: HexBytes) {
        self.channelId = channelId
        self.maxClaimableAmount = maxClaimableAmount
        self.signature = signature
    }

    // Read straight from the parsed JSON (every voucher request); encoding stays synthesized.
    public init(from decoder: any Decoder) throws { self = try Self.decodeValue(from: decoder) }

    /// Reads `{channelId, maxClaimableAmount, signature}`.
    public init(jsonValue: JSONValue) throws(JSONValueError) {
        let f = try JSONFields(jsonValue, "a voucher")
        channelId = try f.required("channelId")
        maxClaimableAmount = try f.required("maxClaimableAmount")
        signature = try f.required("signature")
    }
}

/// ERC-3009 `ReceiveWithAuthorization` fields of a deposit (protocol.md B.5); the rest is implied by the channel.
public struct ERC3009Authorization: Codable, Hashable, Sendable {
    /// Unix seconds after which the authorization is valid (usually 0).
    public var validAfter: TokenAmount
    /// Unix seconds before which the authorization must be used.
    public var validBefore: TokenAmount
    /// 32 random bytes; ABI-encoded as `uint256`, and `nonce = keccak256(channelId ‖ salt)`.
    public var salt: Bytes32
    /// The payer's `ReceiveWithAuthorization` signature.
    public var signature: HexBytes

    /// An authorization from its fields.
    public init(validAfter: TokenAmount = .zero, validBefore: TokenAmount, salt: Bytes32, signature: HexBytes) {
        self.validAfter = validAfter
        self.validBefore = validBefore
        self.salt = salt
        self.signature = signature
    }
}

/// Permit2 `PermitWitnessTransferFrom` of a deposit (protocol.md B.6).
public struct Permit2Authorization: Codable, Hashable, Sendable {
    /// Permit2 `TokenPermissions`: the token and the amount the signature lets the collector pull.
    public struct TokenPermissions: Codable, Hashable, Sendable {
        /// The ERC-20 token.
        public var token: Address
        /// The permitted amount (atomic units).
        public var amount: TokenAmount

        /// Permissions from their fields.
        public init(token: Address, amount: TokenAmount) {
            self.token = token
            self.amount = amount
        }
    }

    /// The `DepositWitness` binding the permit to one channel.
    public struct Witness: Codable, Hashable, Sendable {
        /// The channel the deposit is for.
        public var channelId: Bytes32
        /// A witness for `channelId`.
        public init(channelId: Bytes32) { self.channelId = channelId }
    }

    // Stored in wire order (synthesized Codable encodes in this order).
    /// The payer (token owner).
    public var from: Address
    /// Token and amount.
    public var permitted: TokenPermissions
    /// Must be the Permit2 deposit collector.
    public var spender: Address
    /// Permit2's unordered nonce; decimal on the wire (not hex).
    public var nonce: TokenAmount
    /// Unix seconds after which the permit expires.
    public var deadline: TokenAmount
    /// The channel binding.
    public var witness: Witness
    /// The payer's `PermitWitnessTransferFrom` signature.
    public var signature: HexBytes

    /// A Permit2 authorization from its fields.
    public init(from: Address, permitted: TokenPermissions, spender: Address, nonce: TokenAmount, deadline: TokenAmount,
                witness: Witness, signature: HexBytes) {
        self.from = from
        self.permitted = permitted
        self.spender = spender
        self.nonce = nonce
        self.deadline = deadline
        self.witness = witness
        self.signature = signature
    }
}

/// `deposit.authorization`: exactly one of `erc3009Authorization` / `permit2Authorization`.
public enum DepositAuthorization: Codable, Hashable, Sendable {
    /// An ERC-3009 `ReceiveWithAuthorization` deposit.
    case erc3009(ERC3009Authorization)
    /// A Permit2 `PermitWitnessTransferFrom` deposit.
    case permit2(Permit2Authorization)

    enum CodingKeys: String, CodingKey { case erc3009Authorization, permit2Authorization }

    // Hand-written: a one-key object whose key picks the case, and exactly one of the two must be present.
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
    /// The amount to add to the channel balance.
    public var amount: TokenAmount128
    /// How the token transfer is authorized.
    public var authorization: DepositAuthorization

    /// Deposit fields from their parts.
    public init(amount: TokenAmount128, authorization: DepositAuthorization) {
        self.amount = amount
        self.authorization = authorization
    }
}

/// One claim row `{voucher:{channel, maxClaimableAmount}, signature, totalClaimed}` (wire form of the
/// contract's `VoucherClaim`).
public struct ClaimRowPayload: Codable, Hashable, Sendable {
    /// The row's `voucher` object: the channel and the voucher's signed ceiling.
    public struct VoucherFields: Codable, Hashable, Sendable {
        /// The full channel config.
        public var channel: ChannelConfig
        /// The voucher's signed cumulative ceiling.
        public var maxClaimableAmount: TokenAmount128

        /// Voucher fields from their parts.
        public init(channel: ChannelConfig, maxClaimableAmount: TokenAmount128) {
            self.channel = channel
            self.maxClaimableAmount = maxClaimableAmount
        }
    }

    // Stored in wire order (synthesized Codable encodes in this order).
    /// The claimed voucher.
    public var voucher: VoucherFields
    /// The payer's voucher signature.
    public var signature: HexBytes
    /// The cumulative amount claimed after this row (≤ `maxClaimableAmount`).
    public var totalClaimed: TokenAmount128

    /// A row from its fields.
    public init(channel: ChannelConfig, maxClaimableAmount: TokenAmount128, signature: HexBytes, totalClaimed: TokenAmount128) {
        self.voucher = VoucherFields(channel: channel, maxClaimableAmount: maxClaimableAmount)
        self.signature = signature
        self.totalClaimed = totalClaimed
    }

    /// `voucher.channel`.
    public var channel: ChannelConfig {
        get { voucher.channel }
        set { voucher.channel = newValue }
    }

    /// `voucher.maxClaimableAmount`.
    public var maxClaimableAmount: TokenAmount128 {
        get { voucher.maxClaimableAmount }
        set { voucher.maxClaimableAmount = newValue }
    }
}

/// `type:"deposit"`: open or top up a channel; the voucher already covers this request.
public struct DepositPayload: Hashable, Sendable {
    /// The channel being opened or topped up.
    public var channelConfig: ChannelConfig
    /// The voucher for this request.
    public var voucher: SignedVoucher
    /// The amount and its authorization.
    public var deposit: DepositFields

    /// A deposit payload from its parts.
    public init(channelConfig: ChannelConfig, voucher: SignedVoucher, deposit: DepositFields) {
        self.channelConfig = channelConfig
        self.voucher = voucher
        self.deposit = deposit
    }
}

/// `type:"voucher"`: a later request on an open channel.
public struct VoucherPayload: Hashable, Sendable {
    /// The open channel.
    public var channelConfig: ChannelConfig
    /// The voucher for this request.
    public var voucher: SignedVoucher

    /// A voucher payload from its parts.
    public init(channelConfig: ChannelConfig, voucher: SignedVoucher) {
        self.channelConfig = channelConfig
        self.voucher = voucher
    }
}

/// `type:"refund"` from the client: a zero-charge voucher and an optional partial amount.
public struct RefundPayload: Hashable, Sendable {
    /// The channel to refund from.
    public var channelConfig: ChannelConfig
    /// A voucher at the current charged total (no request amount added).
    public var voucher: SignedVoucher
    /// Requested refund as sent (decimal text; absent = full refund). Kept raw so the server can answer
    /// a malformed value with `refund_amount_invalid`; see ``amountValue``.
    public var amount: String?

    /// A refund request from its parts.
    public init(channelConfig: ChannelConfig, voucher: SignedVoucher, amount: String? = nil) {
        self.channelConfig = channelConfig
        self.voucher = voucher
        self.amount = amount
    }

    /// `amount` when it is a plain decimal (`^[0-9]+$`) that fits uint128.
    public var amountValue: TokenAmount128? { amount.flatMap { TokenAmount128(decimal: $0) } }
}

/// `type:"refund"` after server enrichment (protocol.md B.9.3), sent to facilitator `/settle`.
public struct EnrichedRefundPayload: Hashable, Sendable {
    /// The channel to refund from.
    public var channelConfig: ChannelConfig
    /// The client's zero-charge voucher.
    public var voucher: SignedVoucher
    /// The amount to refund (the client's, or the remaining balance when it omitted one).
    public var amount: TokenAmount128
    /// The channel's on-chain refund nonce the `Refund` signature covers.
    public var refundNonce: TokenAmount
    /// Claims settled together with the refund.
    public var claims: [ClaimRowPayload]
    /// Present only when the server holds the receiver-authorizer key.
    public var refundAuthorizerSignature: HexBytes?
    /// `ClaimBatch` signature over `claims`; present only when the server holds the receiver-authorizer key.
    public var claimAuthorizerSignature: HexBytes?

    /// An enriched refund from its parts.
    public init(channelConfig: ChannelConfig, voucher: SignedVoucher, amount: TokenAmount128, refundNonce: TokenAmount,
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
    /// The rows to claim.
    public var claims: [ClaimRowPayload]
    /// `ClaimBatch` signature; omitted when the facilitator holds the receiver-authorizer key.
    public var claimAuthorizerSignature: HexBytes?

    /// A claim payload from its parts.
    public init(claims: [ClaimRowPayload], claimAuthorizerSignature: HexBytes? = nil) {
        self.claims = claims
        self.claimAuthorizerSignature = claimAuthorizerSignature
    }
}

/// `type:"settle"`: sweep claimed funds of (receiver, token) to the receiver.
public struct SettlePayload: Hashable, Sendable {
    /// The receiver whose claimed funds are swept.
    public var receiver: Address
    /// The token to sweep.
    public var token: Address

    /// A settle payload from its parts.
    public init(receiver: Address, token: Address) {
        self.receiver = receiver
        self.token = token
    }
}
