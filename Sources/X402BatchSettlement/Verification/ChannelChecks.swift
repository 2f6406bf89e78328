import X402Core
import X402EVM

/// The requirement fields a verifier checks, read leniently: server-authored claim/settle jobs send
/// `extra: {}`, and the SDK accepts `withdrawDelay` as a number or a digit string. A malformed field reads as
/// nil (or a value that fails its check), never as an error of its own.
public struct RequirementFields: Sendable, Equatable {
    /// `payTo` as an address.
    public var payTo: Address?
    /// `asset` as an address.
    public var asset: Address?
    /// `amount` (0 when not a uint128 decimal string).
    public var amount: UInt128
    /// `extra.receiverAuthorizer`.
    public var receiverAuthorizer: Address?
    /// `extra.withdrawDelay` (nil when absent; `UInt64.max` when present but unreadable, so it mismatches).
    public var withdrawDelay: UInt64?
    /// `extra.name` (the token's EIP-712 domain name).
    public var name: String?
    /// `extra.version`.
    public var version: String?
    /// `extra.assetTransferMethod`.
    public var assetTransferMethod: String?

    /// Reads the fields of `requirements`.
    public init(_ requirements: PaymentRequirements) {
        payTo = try? Address(hex: requirements.payTo)
        asset = try? Address(hex: requirements.asset)
        amount = TokenAmount128(decimal: requirements.amount)?.value ?? 0
        let extra = requirements.extra
        if case .string(let text)? = extra["receiverAuthorizer"] { receiverAuthorizer = try? Address(hex: text) }
        switch extra["withdrawDelay"] {
        case .number(let n)?: withdrawDelay = UInt64(n.text) ?? UInt64.max
        case .string(let s)?: withdrawDelay = UInt64(s) ?? UInt64.max
        case nil, .null?: withdrawDelay = nil
        default: withdrawDelay = UInt64.max
        }
        if case .string(let s)? = extra["name"] { name = s }
        if case .string(let s)? = extra["version"] { version = s }
        if case .string(let s)? = extra["assetTransferMethod"] { assetTransferMethod = s }
    }
}

/// protocol.md B.17.1: the channel config against the voucher's channel id and the requirement, in order
/// (the facilitator and the seller's local verification both run it).
public func checkChannelConfig(_ config: ChannelConfig, channelId: Bytes32, fields: RequirementFields,
                        domain: BatchSettlementDomain) -> BatchSettlementErrorCode? {
    if config.channelId(in: domain) != channelId { return .channelIdMismatch }
    return checkChannelTerms(config, fields: fields)
}

/// ``checkChannelConfig(_:channelId:fields:domain:)`` without the channel id binding, for a caller that has already
/// checked it (the id costs two Keccak hashes).
func checkChannelTerms(_ config: ChannelConfig, fields: RequirementFields) -> BatchSettlementErrorCode? {
    if fields.payTo != config.receiver { return .receiverMismatch }
    guard let authorizer = fields.receiverAuthorizer, authorizer != .zero, authorizer == config.receiverAuthorizer else {
        return .receiverAuthorizerMismatch
    }
    if fields.asset != config.token { return .tokenMismatch }
    if let delay = fields.withdrawDelay, delay != config.withdrawDelay { return .withdrawDelayMismatch }
    if config.withdrawDelay < BatchSettlement.minWithdrawDelay || config.withdrawDelay > BatchSettlement.maxWithdrawDelay {
        return .withdrawDelayOutOfRange
    }
    return nil
}
