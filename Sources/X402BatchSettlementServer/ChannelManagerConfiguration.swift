import X402BatchSettlement
import X402EVM

/// How the seller's ``ChannelManager`` claims, settles and refunds (protocol.md B.16).
public struct ChannelManagerConfiguration: Sendable, Equatable {
    /// Claim as soon as unclaimed value passes a bound, besides the claim timer.
    ///
    /// Unclaimed value of a channel is `chargedCumulativeAmount − totalClaimed`. The bounds are checked on every
    /// ``ChannelManager/chargeRecorded(_:)`` (in memory, no storage read) and every ``checkInterval`` (a storage
    /// scan, which also sees charges made by other server instances).
    public struct ClaimThresholds: Sendable, Equatable {
        /// Claim when one channel's unclaimed value reaches this (atomic units); nil = no per-channel bound.
        public var perChannel: UInt128?
        /// Claim when the seller's total unclaimed value reaches this (atomic units); nil = no total bound.
        public var total: UInt128?
        /// How often the bounds are re-checked against storage, and the shortest spacing between two claims the
        /// bounds start (so a channel that keeps failing cannot turn every charge into a claim).
        public var checkInterval: Duration

        /// Bounds; both nil (the default) disables threshold claims.
        public init(perChannel: UInt128? = nil, total: UInt128? = nil, checkInterval: Duration = .seconds(5)) {
            self.perChannel = perChannel
            self.total = total
            self.checkInterval = checkInterval
        }

        /// Whether any bound is set.
        public var isEnabled: Bool { perChannel != nil || total != nil }
    }

    /// How long a claim row that failed waits before it is tried again: `base`, doubling per failure, at most
    /// `maximum`.
    public struct RetryBackoff: Sendable, Equatable {
        /// The wait after the first failure.
        public var base: Duration
        /// The longest wait.
        public var maximum: Duration

        /// A backoff; 5 s doubling up to 10 min by default.
        public init(base: Duration = .seconds(5), maximum: Duration = .seconds(600)) {
            self.base = base
            self.maximum = maximum
        }

        /// The wait (ms) after failure number `attempt` (1 = the first).
        public func delayMilliseconds(afterAttempt attempt: Int) -> UInt64 {
            let base = ChannelManagerTime.milliseconds(self.base)
            let maximum = ChannelManagerTime.milliseconds(self.maximum)
            let shift = UInt64(min(max(attempt - 1, 0), 63))
            let (scaled, overflow) = base.multipliedReportingOverflow(by: 1 << shift)
            return overflow ? maximum : min(scaled, maximum)
        }
    }

    /// Where and how often the withdrawal watcher reads `WithdrawInitiated` logs (only with an RPC client).
    public struct WithdrawalWatch: Sendable, Equatable {
        /// Time between polls.
        public var pollInterval: Duration
        /// With no block remembered in storage, the first poll starts this many blocks before the head.
        public var initialLookbackBlocks: UInt64
        /// The widest block range one `eth_getLogs` asks for.
        public var maxBlockRange: UInt64
        /// Each poll reads this many already-read blocks again, so a log that a reorganization moved into them is
        /// still seen (seeing a withdrawal twice changes nothing).
        public var reorgDepth: UInt64
        /// The settlement contract emitting the events.
        public var contract: Address

        /// Watch settings; polls every 15 s, looks back 1 000 blocks on first start, 2 000 blocks per request,
        /// re-reads the last 12 blocks.
        public init(pollInterval: Duration = .seconds(15), initialLookbackBlocks: UInt64 = 1_000, maxBlockRange: UInt64 = 2_000,
                    reorgDepth: UInt64 = 12, contract: Address = BatchSettlement.settlementAddress) {
            self.pollInterval = pollInterval
            self.initialLookbackBlocks = initialLookbackBlocks
            self.maxBlockRange = max(1, maxBlockRange)
            self.reorgDepth = reorgDepth
            self.contract = contract
        }
    }

    /// Time between timed claims of every claimable channel; nil = no claim timer.
    public var claimInterval: Duration?
    /// Time between settle attempts (a settle is only sent after a claim); nil = no settle timer.
    public var settleInterval: Duration?
    /// Time between refunds of idle channels (see ``idleRefundAfter``); nil = no refund timer.
    public var refundInterval: Duration?
    /// Most claim rows per facilitator `/settle` call.
    public var maxClaimsPerBatch: Int
    /// Value bounds that start a claim before the timer.
    public var thresholds: ClaimThresholds
    /// Wait before a failed claim row is tried again.
    public var retryBackoff: RetryBackoff
    /// The refund timer refunds channels without a request for this long whose balance exceeds the charged total
    /// and that hold no live reservation; nil = the timer refunds nothing.
    public var idleRefundAfter: Duration?
    /// On graceful shutdown, claim everything claimable and settle before ``ChannelManager/run()`` returns.
    public var flushOnShutdown: Bool
    /// The withdrawal watcher's settings.
    public var withdrawalWatch: WithdrawalWatch

    /// A configuration; by default claims every 60 s, settles every 120 s, no refund timer, 100 rows per claim.
    public init(claimInterval: Duration? = .seconds(60), settleInterval: Duration? = .seconds(120), refundInterval: Duration? = nil,
                maxClaimsPerBatch: Int = 100, thresholds: ClaimThresholds = ClaimThresholds(),
                retryBackoff: RetryBackoff = RetryBackoff(), idleRefundAfter: Duration? = nil, flushOnShutdown: Bool = true,
                withdrawalWatch: WithdrawalWatch = WithdrawalWatch()) {
        self.claimInterval = claimInterval
        self.settleInterval = settleInterval
        self.refundInterval = refundInterval
        self.maxClaimsPerBatch = maxClaimsPerBatch
        self.thresholds = thresholds
        self.retryBackoff = retryBackoff
        self.idleRefundAfter = idleRefundAfter
        self.flushOnShutdown = flushOnShutdown
        self.withdrawalWatch = withdrawalWatch
    }
}

/// Time helpers of the channel manager.
enum ChannelManagerTime {
    /// `duration` in whole milliseconds; negative is 0, too large saturates.
    static func milliseconds(_ duration: Duration) -> UInt64 {
        guard duration > .zero else { return 0 }
        let (seconds, attoseconds) = duration.components
        let (ms, overflow) = UInt64(max(seconds, 0)).multipliedReportingOverflow(by: 1000)
        if overflow { return .max }
        let (total, overflow2) = ms.addingReportingOverflow(UInt64(max(attoseconds, 0) / 1_000_000_000_000_000))
        return overflow2 ? .max : total
    }
}
