import Metrics
import X402EVM

/// The manager's in-memory state (everything durable is in the channel storage).
struct ChannelManagerState: Sendable {
    /// A claim row waiting for its retry.
    struct Backoff: Sendable, Equatable {
        var attempts: Int
        var failedAt: UInt64
        var retryAt: UInt64
    }

    /// Jobs waiting for the run loop, in priority order.
    enum Job: Int, Comparable, Sendable, CaseIterable {
        case claim, thresholdClaim, thresholdCheck, settle, refund, withdrawalPoll
        static func < (a: Job, b: Job) -> Bool { a.rawValue < b.rawValue }
    }

    var backoff: [Bytes32: Backoff] = [:]
    /// Channels to claim at once (``ChannelManager/requestClaim(_:)``).
    var requested: Set<Bytes32> = []
    var pendingJobs: Set<Job> = []
    var unclaimed = UnclaimedLedger()
    /// When the last claim started by a threshold ran (unix ms).
    var lastThresholdClaim: UInt64?
    var stopping = false
}

/// Unclaimed value per channel and its exact total (the total may pass `UInt128.max`: a carry counter keeps it
/// exact).
struct UnclaimedLedger: Sendable {
    private(set) var byChannel: [Bytes32: UInt128] = [:]
    private var low: UInt128 = 0
    private var carries: UInt64 = 0

    mutating func set(_ id: Bytes32, _ value: UInt128) {
        if let old = byChannel[id] {
            let (l, borrow) = low.subtractingReportingOverflow(old)
            low = l
            if borrow { carries -= 1 }
        }
        byChannel[id] = value == 0 ? nil : value
        let (l, carry) = low.addingReportingOverflow(value)
        low = l
        if carry { carries += 1 }
    }

    mutating func reset() { self = UnclaimedLedger() }

    /// Whether the total reaches `bound`.
    func totalReaches(_ bound: UInt128) -> Bool { carries > 0 || low >= bound }

    /// The total, saturated at `UInt128.max` (for the gauge).
    var saturatedTotal: UInt128 { carries > 0 ? .max : low }
}

/// The manager's swift-metrics instruments.
struct ChannelManagerMetrics: Sendable {
    static let claimedVouchers = "x402_seller_claimed_vouchers_total"
    static let claimFailures = "x402_seller_claim_failures_total"
    static let settles = "x402_seller_settles_total"
    static let refunds = "x402_seller_refunds_total"
    static let jobErrors = "x402_seller_channel_manager_errors_total"
    static let unclaimed = "x402_seller_unclaimed_amount"

    let factory: any MetricsFactory

    func claimed(_ rows: Int) { Counter(label: Self.claimedVouchers, factory: factory).increment(by: rows) }
    func claimFailed(_ rows: Int) { Counter(label: Self.claimFailures, factory: factory).increment(by: rows) }
    func settle(ok: Bool) { Counter(label: Self.settles, dimensions: [("result", ok ? "ok" : "failed")], factory: factory).increment() }
    func refund(ok: Bool) { Counter(label: Self.refunds, dimensions: [("result", ok ? "ok" : "failed")], factory: factory).increment() }
    func jobError(_ job: String) { Counter(label: Self.jobErrors, dimensions: [("job", job)], factory: factory).increment() }
    /// Approximate (a Double): for dashboards only.
    func unclaimed(_ total: UInt128) { Gauge(label: Self.unclaimed, factory: factory).record(Double(total)) }
}

