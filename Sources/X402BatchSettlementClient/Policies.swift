import X402BatchSettlement
import X402Core
import X402EVM

/// How much to escrow when a channel needs a deposit (protocol.md B.15.2).
public struct DepositPolicy: Sendable, Hashable {
    /// Deposit target = `depositMultiplier × price` when the seller's `minDeposit` hint is unusable; an integer ≥ 3
    /// (checked when the scheme is created). Also sizes the spend-cap ceiling `cap × depositMultiplier`.
    public var depositMultiplier: Int
    /// Whether to use a `minDeposit` hint (digits, > 0, ≥ price) as the target; default true (the Python client's rule).
    public var useMinDepositHint: Bool

    /// A policy; the multiplier defaults to 5.
    public init(depositMultiplier: Int = 5, useMinDepositHint: Bool = true) {
        self.depositMultiplier = depositMultiplier
        self.useMinDepositHint = useMinDepositHint
    }
}

/// What a ``DepositStrategy`` sees before a deposit is signed.
public struct DepositContext: Sendable {
    /// The requirement being paid.
    public var requirements: PaymentRequirements
    /// The channel's configuration.
    public var channelConfig: ChannelConfig
    /// The channel id.
    public var channelId: Bytes32
    /// The price of this request.
    public var price: UInt128
    /// The voucher ceiling this payment signs (`charged + price`).
    public var maxClaimableAmount: UInt128
    /// The local balance (0 when unknown).
    public var currentBalance: UInt128
    /// The least deposit that covers this payment (`maxClaimableAmount − currentBalance`).
    public var requiredDeposit: UInt128
    /// The deposit the policy computed (already capped).
    public var proposedDeposit: UInt128
    /// The largest deposit the limits allow, when one applies.
    public var maxDeposit: UInt128?
}

/// The app's say on a deposit.
public enum DepositDecision: Sendable, Hashable {
    /// Deposit ``DepositContext/proposedDeposit``.
    case accept
    /// Deposit nothing and send a plain voucher (the seller will likely refuse it when the balance is short).
    case skip
    /// Deposit this amount instead (cap or raise): it must be ≥ ``DepositContext/requiredDeposit`` and is then
    /// capped by the limits like the computed one.
    case amount(UInt128)
}

/// A callback deciding each deposit (Python `depositStrategy`).
public typealias DepositStrategy = @Sendable (DepositContext) async throws -> DepositDecision
