import X402Core
import X402EVMMechanisms
import X402EVM

/// On-chain channel snapshot carried in verify/settle `extra.channelState` and corrective 402s
/// (protocol.md B.12/B.13). `refundNonce` is a decimal string and `withdrawRequestedAt` a number on
/// the wire; both forms of each are accepted on decode, and absent ones default to 0 as in the SDK.
public struct ChannelStateSnapshot: Codable, Hashable, Sendable {
    // Stored in wire order, as `CodingKeys` lists them: the synthesized `encode(to:)` writes that order.
    /// The channel.
    public var channelId: Bytes32
    /// The channel's escrowed balance.
    public var balance: TokenAmount128
    /// The cumulative amount the receiver has claimed.
    public var totalClaimed: TokenAmount128
    /// Unix seconds of a pending withdrawal's start, 0 when none (`uint40` on chain).
    public var withdrawRequestedAt: UInt64
    /// The channel's next refund nonce.
    public var refundNonce: TokenAmount
    /// Added by the resource server: its charged cumulative total.
    public var chargedCumulativeAmount: TokenAmount128?

    /// A snapshot from its fields.
    public init(channelId: Bytes32, balance: TokenAmount128, totalClaimed: TokenAmount128, withdrawRequestedAt: UInt64 = 0,
                refundNonce: TokenAmount = .zero, chargedCumulativeAmount: TokenAmount128? = nil) {
        self.channelId = channelId
        self.balance = balance
        self.totalClaimed = totalClaimed
        self.withdrawRequestedAt = withdrawRequestedAt
        self.refundNonce = refundNonce
        self.chargedCumulativeAmount = chargedCumulativeAmount
    }

    enum CodingKeys: String, CodingKey {
        case channelId, balance, totalClaimed, withdrawRequestedAt, refundNonce, chargedCumulativeAmount
    }

    /// The snapshot as JSON, exactly as `encode(to:)` writes it, built directly (no `Encoder`): the seller
    /// answers every paid request with one.
    public var jsonObject: JSONObject {
        var object = JSONObject(minimumCapacity: 6)
        object["channelId"] = .string(channelId.hex)
        object["balance"] = .string(balance.description)
        object["totalClaimed"] = .string(totalClaimed.description)
        object["withdrawRequestedAt"] = .number(JSONNumber(withdrawRequestedAt))
        object["refundNonce"] = .string(refundNonce.description)
        if let chargedCumulativeAmount { object["chargedCumulativeAmount"] = .string(chargedCumulativeAmount.description) }
        return object
    }

    // Hand-written decode (encode is synthesized): absent `withdrawRequestedAt`/`refundNonce` default to 0,
    // and `withdrawRequestedAt` may also arrive as a decimal string.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        channelId = try c.decodeCanonicalBytes32(forKey: .channelId)
        balance = try c.decode(TokenAmount128.self, forKey: .balance)
        totalClaimed = try c.decode(TokenAmount128.self, forKey: .totalClaimed)
        withdrawRequestedAt = c.contains(.withdrawRequestedAt) ? try c.decodeLenientUInt64(forKey: .withdrawRequestedAt) : 0
        refundNonce = c.contains(.refundNonce) ? try c.decode(TokenAmount.self, forKey: .refundNonce) : .zero
        chargedCumulativeAmount = try c.decodeIfPresent(TokenAmount128.self, forKey: .chargedCumulativeAmount)
    }
}

/// The server's latest accepted voucher, sent in corrective 402s (`extra.voucherState`).
public struct VoucherStateSnapshot: Codable, Hashable, Sendable {
    /// `maxClaimableAmount` of the latest stored voucher.
    public var signedMaxClaimable: TokenAmount128?
    /// That voucher's signature.
    public var signature: HexBytes?

    /// A snapshot from its fields.
    public init(signedMaxClaimable: TokenAmount128? = nil, signature: HexBytes? = nil) {
        self.signedMaxClaimable = signedMaxClaimable
        self.signature = signature
    }
}

/// Typed view of `PaymentRequirements.extra` for batch-settlement (protocol.md B.9.1).
public struct BatchSettlementRequirementsExtra: Codable, Hashable, Sendable {
    /// Becomes `ChannelConfig.receiverAuthorizer`; must be non-zero.
    public var receiverAuthorizer: Address
    /// Seconds (JSON number).
    public var withdrawDelay: UInt64
    /// Token EIP-712 domain name (required for eip3009).
    public var name: String?
    /// Token EIP-712 domain version (required for eip3009).
    public var version: String?
    /// Absent means eip3009.
    public var assetTransferMethod: AssetTransferMethod?
    /// Deposit-size hint, atomic decimal text (SDK extension; treat as optional).
    public var minDeposit: String?
    /// The server's channel snapshot; only in corrective 402s.
    public var channelState: ChannelStateSnapshot?
    /// The server's latest accepted voucher; only in corrective 402s.
    public var voucherState: VoucherStateSnapshot?

    /// A requirements extra from its fields (`withdrawDelay` defaults to the SDK's 900 s).
    public init(receiverAuthorizer: Address, withdrawDelay: UInt64 = 900, name: String? = nil, version: String? = nil,
                assetTransferMethod: AssetTransferMethod? = nil, minDeposit: String? = nil,
                channelState: ChannelStateSnapshot? = nil, voucherState: VoucherStateSnapshot? = nil) {
        self.receiverAuthorizer = receiverAuthorizer
        self.withdrawDelay = withdrawDelay
        self.name = name
        self.version = version
        self.assetTransferMethod = assetTransferMethod
        self.minDeposit = minDeposit
        self.channelState = channelState
        self.voucherState = voucherState
    }

    // Encode order follows the Python server's output: name, version, receiverAuthorizer, withdrawDelay, …
    enum CodingKeys: String, CodingKey {
        case name, version, receiverAuthorizer, withdrawDelay, assetTransferMethod, minDeposit, channelState, voucherState
    }

    // Hand-written decode (encode is synthesized): the SDK client's rules below; `minDeposit` is kept as text.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        receiverAuthorizer = try c.decode(Address.self, forKey: .receiverAuthorizer)
        // The channel's authorizer signs claims and refunds: a zero address could never sign (SDK client rule).
        guard receiverAuthorizer != .zero else {
            throw DecodingError.dataCorruptedError(forKey: .receiverAuthorizer, in: c, debugDescription: "receiverAuthorizer must be non-zero")
        }
        // The SDK client falls back to 900 s when `withdrawDelay` is absent or not an integer; an integer must
        // fit the contract's uint40.
        if case .number(let n)? = try c.decodeIfPresent(JSONValue.self, forKey: .withdrawDelay), n.isInteger {
            guard let delay = n.uint64, delay <= Self.maxWithdrawDelayField else {
                throw DecodingError.dataCorruptedError(forKey: .withdrawDelay, in: c, debugDescription: "withdrawDelay \(n.text) does not fit uint40")
            }
            withdrawDelay = delay
        } else {
            withdrawDelay = Self.defaultWithdrawDelay
        }
        name = try c.decodeIfPresent(String.self, forKey: .name)
        version = try c.decodeIfPresent(String.self, forKey: .version)
        assetTransferMethod = try c.decodeIfPresent(AssetTransferMethod.self, forKey: .assetTransferMethod)
        minDeposit = c.contains(.minDeposit) ? try c.decodeDecimalText(forKey: .minDeposit) : nil
        channelState = try c.decodeIfPresent(ChannelStateSnapshot.self, forKey: .channelState)
        voucherState = try c.decodeIfPresent(VoucherStateSnapshot.self, forKey: .voucherState)
    }

    /// The withdraw delay a client assumes when `extra.withdrawDelay` is absent or not an integer (SDK rule).
    public static let defaultWithdrawDelay: UInt64 = 900
    /// The largest value the contract's `uint40 withdrawDelay` field holds.
    public static let maxWithdrawDelayField: UInt64 = (1 << 40) - 1

    /// The effective transfer method (`eip3009` when absent).
    public var transferMethod: AssetTransferMethod { assetTransferMethod ?? .eip3009 }

    /// `minDeposit` as an amount when it is a plain decimal that fits uint128.
    public var minDepositAmount: TokenAmount128? { minDeposit.flatMap { TokenAmount128(decimal: $0) } }

    /// Decodes the typed view from a requirement's `extra`.
    public init(extra: JSONObject) throws(X402JSONError) {
        self = try X402JSON.decode(Self.self, from: .object(extra))
    }

    /// The `extra` object (known keys only; merge into an existing object to keep others).
    public func jsonObject() throws(EncodingError) -> JSONObject {
        try X402JSON.encodeValue(self).objectValue ?? JSONObject()
    }
}

/// Typed view of `SettleResponse.extra` / `VerifyResponse.extra` for batch-settlement (B.13).
public struct BatchSettlementResponseExtra: Codable, Hashable, Sendable {
    // Stored in wire order (Python's server writes channelState before chargedAmount); Codable is synthesized.
    /// The channel snapshot after this request.
    public var channelState: ChannelStateSnapshot?
    /// The actual charge of this request (after Settlement-Overrides); absent for refunds.
    public var chargedAmount: TokenAmount128?
    /// The server's latest accepted voucher, when it sends one.
    public var voucherState: VoucherStateSnapshot?

    /// A response extra from its fields.
    public init(chargedAmount: TokenAmount128? = nil, channelState: ChannelStateSnapshot? = nil, voucherState: VoucherStateSnapshot? = nil) {
        self.chargedAmount = chargedAmount
        self.channelState = channelState
        self.voucherState = voucherState
    }

    /// Decodes the typed view from a response's `extra`.
    public init(extra: JSONObject) throws(X402JSONError) {
        self = try X402JSON.decode(Self.self, from: .object(extra))
    }

    /// The `extra` object.
    public func jsonObject() throws(EncodingError) -> JSONObject {
        try X402JSON.encodeValue(self).objectValue ?? JSONObject()
    }
}
