import Logging
import ServiceLifecycle
import X402BatchSettlement
import X402EVM

extension ChannelManager: Service {
    /// Runs the timers until graceful shutdown: claims every `claimInterval`, settles every `settleInterval`,
    /// refunds idle channels every `refundInterval`, checks the claim thresholds, claims requested channels at
    /// once, and polls for withdrawals when an RPC client was given. Jobs are coalesced and run one at a time,
    /// claims first, then settle, then refund; a failing job is logged and counted, never ends the loop.
    ///
    /// On graceful shutdown the job in flight finishes, then (with ``ChannelManagerConfiguration/flushOnShutdown``)
    /// everything claimable is claimed and settled before this returns. Plain cancellation returns without a
    /// flush. Call it once per manager.
    public func run() async throws {
        state.withLock { $0.stopping = false }
        await withGracefulShutdownHandler {
            await runLoop()
        } onGracefulShutdown: {
            self.state.withLock { $0.stopping = true }
            self.wake.yield()
        }
        guard state.withLock({ $0.stopping }), configuration.flushOnShutdown, !Task.isCancelled else { return }
        do {
            let report = try await flush()
            logger.notice("flushed on shutdown", metadata: [
                "claim.claimed": "\(report.claim.claimed.count)", "claim.failed": "\(report.claim.failed.count)",
                "settle.transaction": "\(report.settle?.transaction ?? "")",
            ])
        } catch {
            metrics.jobError("flush")
            logger.error("flush on shutdown failed", metadata: ["error": "\(error)"])
        }
    }

    /// Asks the run loop to claim `channelId` at once, then settle. A row waiting for a retry is claimed too,
    /// unless it failed less than the base backoff ago (so repeated requests cannot hammer the facilitator).
    /// Returns immediately; without a running ``run()`` the request waits for it. Used when a payer's withdrawal
    /// is seen.
    public func requestClaim(_ channelId: Bytes32) {
        state.withLock { _ = $0.requested.insert(channelId) }
        wake.yield()
    }

    /// Tells the manager a charge was committed on `channel` (the record after the charge). Returns immediately;
    /// when a claim threshold is reached the run loop claims. Records of other receivers or tokens are ignored.
    public func chargeRecorded(_ channel: SellerChannel) {
        let bounds = configuration.thresholds
        guard bounds.isEnabled, manages(channel) else { return }
        let value = channel.chargedCumulativeAmount > channel.totalClaimed ? channel.chargedCumulativeAmount - channel.totalClaimed : 0
        let now = clock()
        let trips = state.withLock { s -> Bool in
            s.unclaimed.set(channel.channelId, value)
            if let bound = bounds.total, s.unclaimed.totalReaches(bound) { return true }
            guard let bound = bounds.perChannel, value >= bound else { return false }
            return (s.backoff[channel.channelId]?.retryAt ?? 0) <= now
        }
        if trips { enqueue(.thresholdClaim) }
    }

    func enqueue(_ job: ChannelManagerState.Job) {
        state.withLock { _ = $0.pendingJobs.insert(job) }
        wake.yield()
    }

    private func runLoop() async {
        await withTaskGroup(of: Void.self) { group in
            let timers: [(Duration?, ChannelManagerState.Job)] = [
                (configuration.claimInterval, .claim), (configuration.settleInterval, .settle),
                (configuration.refundInterval, .refund),
                (configuration.thresholds.isEnabled ? configuration.thresholds.checkInterval : nil, .thresholdCheck),
                (rpc != nil ? configuration.withdrawalWatch.pollInterval : nil, .withdrawalPoll),
            ]
            for case let (interval?, job) in timers {
                group.addTask { await self.tick(every: interval, job) }
            }
            if rpc != nil { state.withLock { _ = $0.pendingJobs.insert(.withdrawalPoll) } }
            wake.yield()  // whatever was requested before the loop started
            for await _ in wakeStream {
                if state.withLock({ $0.stopping }) { break }
                await drain()
                if state.withLock({ $0.stopping }) { break }
            }
            group.cancelAll()
        }
    }

    private func tick(every interval: Duration, _ job: ChannelManagerState.Job) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            enqueue(job)
        }
    }

    private enum Next {
        case requested([Bytes32])
        case job(ChannelManagerState.Job)
    }

    /// Runs queued work, most urgent first, until none is left or shutdown began.
    private func drain() async {
        while true {
            let next = state.withLock { s -> Next? in
                if s.stopping { return nil }
                if !s.requested.isEmpty {
                    defer { s.requested = [] }
                    return .requested(s.requested.sorted())
                }
                guard let job = s.pendingJobs.min() else { return nil }
                s.pendingJobs.remove(job)
                return .job(job)
            }
            guard let next else { return }
            await perform(next)
        }
    }

    private func perform(_ next: Next) async {
        let name: String
        switch next {
        case .requested: name = "requested_claim"
        case .job(let job): name = "\(job)"
        }
        do {
            switch next {
            case .requested(let ids):
                // A channel whose row just failed waits at least the base backoff, however often it is requested.
                let now = clock()
                let spacing = configuration.retryBackoff.delayMilliseconds(afterAttempt: 1)
                let due = state.withLock { s in ids.filter { id in s.backoff[id].map { now < $0.failedAt || now - $0.failedAt >= spacing } ?? true } }
                guard !due.isEmpty else { break }
                let report = try await jobs.withLock { try await claimLocked(channels: due, ignoringBackoff: true) }
                if !report.claimed.isEmpty { enqueue(.settle) }
            case .job(.claim):
                try await claim()
            case .job(.thresholdClaim):
                try await thresholdClaim()
            case .job(.thresholdCheck):
                let records = try await storage.channels().filter(manages)
                refreshUnclaimed(records)
                let now = clock()
                let bounds = configuration.thresholds
                let trips = state.withLock { s -> Bool in
                    if let bound = bounds.total, s.unclaimed.totalReaches(bound) { return true }
                    guard let bound = bounds.perChannel else { return false }
                    return s.unclaimed.byChannel.contains { id, value in value >= bound && (s.backoff[id]?.retryAt ?? 0) <= now }
                }
                if trips { try await thresholdClaim() }
            case .job(.settle):
                try await settle()
            case .job(.refund):
                try await refundIdleChannels()
            case .job(.withdrawalPoll):
                try await pollWithdrawals()
            }
        } catch {
            metrics.jobError(name)
            logger.error("channel manager job failed", metadata: ["job": "\(name)", "error": "\(error)"])
        }
    }

    /// A claim started by a threshold, at most one per `checkInterval`.
    private func thresholdClaim() async throws {
        let now = clock()
        let spacing = ChannelManagerTime.milliseconds(configuration.thresholds.checkInterval)
        let due = state.withLock { s -> Bool in
            if let last = s.lastThresholdClaim, now >= last, now - last < spacing { return false }
            s.lastThresholdClaim = now
            return true
        }
        guard due else { return }
        let report = try await claim()
        if !report.claimed.isEmpty { logger.info("threshold claim", metadata: ["claim.claimed": "\(report.claimed.count)"]) }
    }

    /// Rebuilds the unclaimed-value ledger from `records` (this manager's) and records the gauge.
    func refreshUnclaimed(_ records: [SellerChannel]) {
        let total = state.withLock { s -> UInt128 in
            s.unclaimed.reset()
            for r in records where r.chargedCumulativeAmount > r.totalClaimed {
                s.unclaimed.set(r.channelId, r.chargedCumulativeAmount - r.totalClaimed)
            }
            return s.unclaimed.saturatedTotal
        }
        metrics.unclaimed(total)
    }
}
