import X402BatchSettlement
import X402EVM

/// How the seller's batch-settlement scheme prices, verifies and guards its channels.
public struct BatchSettlementServerConfiguration: Sendable {
    /// The `withdrawDelay` (seconds) every 402 asks for; 900 (the contract's minimum) by default.
    public var withdrawDelay: UInt64
    /// The seller's own receiver-authorizer key. With it the seller signs claims and refunds itself and works with
    /// any facilitator; without it the facilitator's advertised `receiverAuthorizer` is used (delegated signing).
    public var receiverAuthorizerKey: PrivateKey?
    /// How long mirrored chain state counts as fresh for local verification (ms); default from `withdrawDelay`
    /// (``SellerRules/onchainStateTTL(withdrawDelay:)``).
    public var onchainStateTTL: UInt64?
    /// Refuse deposits below the route's `minDeposit` hint (`deposit_below_min_deposit`); off by default, as in
    /// the SDKs.
    public var enforceMinDeposit: Bool
    /// How long before a payer's withdrawal could finalize the seller stops taking vouchers on that channel (ms):
    /// the time a claim needs to land. Default 120 000.
    public var claimLeadTime: UInt64

    /// Creates a configuration.
    public init(withdrawDelay: UInt64 = BatchSettlement.minWithdrawDelay, receiverAuthorizerKey: PrivateKey? = nil,
                onchainStateTTL: UInt64? = nil, enforceMinDeposit: Bool = false, claimLeadTime: UInt64 = 120_000) {
        self.withdrawDelay = withdrawDelay
        self.receiverAuthorizerKey = receiverAuthorizerKey
        self.onchainStateTTL = onchainStateTTL
        self.enforceMinDeposit = enforceMinDeposit
        self.claimLeadTime = claimLeadTime
    }
}
