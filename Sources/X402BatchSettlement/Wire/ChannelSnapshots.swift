import X402Core
import X402EVMMechanisms
import X402EVM

/// On-chain channel snapshot carried in verify/settle `extra.channelState` and corrective 402s
/// (protocol.md B.12/B.13). `refundNonce` is a decimal string and `withdrawRequestedAt` a number on
/// the wire; both forms of each are accepted on decode, and absent ones default to 0 as in the SDK.
public struct ChannelStateSnapshot: Codable, Hashable, Sendable {
    public var channelId: Bytes32
    public var balance: UInt128
    public var totalClaimed: UInt128
    /// Unix seconds of a pending withdrawal's start, 0 when none (`uint40` on chain).
    public var withdrawRequestedAt: UInt64
    public var refundNonce: UInt256
    /// Added by the resource server: its charged cumulative total.
    public var chargedCumulativeAmount: UInt128?

    public init(channelId: Bytes32, balance: UInt128, totalClaimed: UInt128, withdrawRequestedAt: UInt64 = 0,
                refundNonce: UInt256 = .zero, chargedCumulativeAmount: UInt128? = nil) {
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

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        channelId = try c.decodeCanonicalBytes32(forKey: .channelId)
        balance = try c.decodeAmount128(forKey: .balance)
        totalClaimed = try c.decodeAmount128(forKey: .totalClaimed)
        withdrawRequestedAt = c.contains(.withdrawRequestedAt) ? try c.decodeLenientUInt64(forKey: .withdrawRequestedAt) : 0
        refundNonce = c.contains(.refundNonce) ? try c.decodeAmount256(forKey: .refundNonce) : .zero
        chargedCumulativeAmount = c.contains(.chargedCumulativeAmount) ? try c.decodeAmount128(forKey: .chargedCumulativeAmount) : nil
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(channelId, forKey: .channelId)
        try c.encodeAmount(balance, forKey: .balance)
        try c.encodeAmount(totalClaimed, forKey: .totalClaimed)
        try c.encode(withdrawRequestedAt, forKey: .withdrawRequestedAt)
        try c.encodeAmount(refundNonce, forKey: .refundNonce)
        if let chargedCumulativeAmount { try c.encodeAmount(chargedCumulativeAmount, forKey: .chargedCumulativeAmount) }
    }
}

/// The server's latest accepted voucher, sent in corrective 402s (`extra.voucherState`).
public struct VoucherStateSnapshot: Codable, Hashable, Sendable {
    public var signedMaxClaimable: UInt128?
    public var signature: HexBytes?

    public init(signedMaxClaimable: UInt128? = nil, signature: HexBytes? = nil) {
        self.signedMaxClaimable = signedMaxClaimable
        self.signature = signature
    }

    enum CodingKeys: String, CodingKey { case signedMaxClaimable, signature }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        signedMaxClaimable = c.contains(.signedMaxClaimable) ? try c.decodeAmount128(forKey: .signedMaxClaimable) : nil
        signature = try c.decodeIfPresent(HexBytes.self, forKey: .signature)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if let signedMaxClaimable { try c.encodeAmount(signedMaxClaimable, forKey: .signedMaxClaimable) }
        try c.encodeIfPresent(signature, forKey: .signature)
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
    /// Only in corrective 402s.
    public var channelState: ChannelStateSnapshot?
    public var voucherState: VoucherStateSnapshot?

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
    public var minDepositAmount: UInt128? { minDeposit.flatMap { try? UInt128(decimalAmount: $0) } }

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
    /// The actual charge of this request (after Settlement-Overrides); absent for refunds.
    public var chargedAmount: UInt128?
    public var channelState: ChannelStateSnapshot?
    public var voucherState: VoucherStateSnapshot?

    public init(chargedAmount: UInt128? = nil, channelState: ChannelStateSnapshot? = nil, voucherState: VoucherStateSnapshot? = nil) {
        self.chargedAmount = chargedAmount
        self.channelState = channelState
        self.voucherState = voucherState
    }

    // Python's server writes channelState before chargedAmount.
    enum CodingKeys: String, CodingKey { case channelState, chargedAmount, voucherState }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        chargedAmount = c.contains(.chargedAmount) ? try c.decodeAmount128(forKey: .chargedAmount) : nil
        channelState = try c.decodeIfPresent(ChannelStateSnapshot.self, forKey: .channelState)
        voucherState = try c.decodeIfPresent(VoucherStateSnapshot.self, forKey: .voucherState)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(channelState, forKey: .channelState)
        if let chargedAmount { try c.encodeAmount(chargedAmount, forKey: .chargedAmount) }
        try c.encodeIfPresent(voucherState, forKey: .voucherState)
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
