import Logging
import Metrics
import Synchronization
import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRPC
import X402JSON

/// The seller's background worker for one (receiver, token) on one network (protocol.md B.16): claims the
/// charged vouchers it stores, settles claimed funds to the receiver, refunds idle channels, and watches for
/// payers' withdrawals.
///
/// Every job (claim, settle, refund, withdrawal poll) runs alone: calls made while another job runs wait for
/// it. Run it in a ServiceLifecycle `ServiceGroup` (``run()``) for the timers, or call the jobs directly.
/// Only records whose config has this manager's receiver and token are touched; a seller with several tokens
/// runs one manager per token. One manager per storage: two managers on one storage may claim the same rows
/// twice (harmless on chain) and clear each other's pending-settle flag.
public final class ChannelManager: Sendable {
    /// The seller's channel records.
    public let storage: any ChannelStorage
    /// The facilitator claims, settles and refunds go to.
    public let facilitator: any FacilitatorClient
    /// The network of the channels.
    public let network: Network
    /// The receiver whose channels are managed and settled.
    public let receiver: Address
    /// The token of the managed channels.
    public let token: Address
    /// The settings.
    public let configuration: ChannelManagerConfiguration
    /// Where jobs and failures are logged.
    public let logger: Logger

    let authorizerKey: PrivateKey?
    let rpc: RPCClient?
    let clock: @Sendable () -> UInt64
    let domain: BatchSettlementDomain
    let requirements: PaymentRequirements
    let metrics: ChannelManagerMetrics
    let jobs = AsyncLock()
    let state = Mutex(ChannelManagerState())
    let wakeStream: AsyncStream<Void>
    let wake: AsyncStream<Void>.Continuation

    /// Creates a manager.
    ///
    /// - Parameters:
    ///   - receiverAuthorizerKey: the seller's receiver-authorizer key; with it claims and refunds carry the
    ///     seller's ClaimBatch / Refund signatures (only for channels whose `receiverAuthorizer` is this key's
    ///     address). Nil: the facilitator signs for the authenticated caller (delegated).
    ///   - rpc: a node of `network`, for the withdrawal watcher; nil = no watcher.
    ///   - clock: unix time in ms (tests inject their own).
    ///   - metricsFactory: swift-metrics factory; nil = the bootstrapped one.
    /// - Throws: ``ChannelManagerError`` for a non-eip155 network or a batch size below 1.
    public init(storage: any ChannelStorage, facilitator: any FacilitatorClient, network: Network, receiver: Address, token: Address,
                receiverAuthorizerKey: PrivateKey?, configuration: ChannelManagerConfiguration = ChannelManagerConfiguration(),
                rpc: RPCClient? = nil, logger: Logger = Logger(label: "x402.channel-manager"),
                clock: @escaping @Sendable () -> UInt64 = ChannelManager.systemClock,
                metricsFactory: (any MetricsFactory)? = nil) throws(ChannelManagerError) {
        let chainId: UInt64
        do { chainId = try network.evmChainId() } catch { throw .unsupportedNetwork(network.rawValue) }
        guard configuration.maxClaimsPerBatch >= 1 else { throw .invalidBatchSize(configuration.maxClaimsPerBatch) }
        self.storage = storage
        self.facilitator = facilitator
        self.network = network
        self.receiver = receiver
        self.token = token
        self.authorizerKey = receiverAuthorizerKey
        self.configuration = configuration
        self.rpc = rpc
        self.logger = logger
        self.clock = clock
        self.domain = BatchSettlementDomain(chainId: chainId)
        self.requirements = PaymentRequirements(scheme: BatchSettlement.scheme, network: network, asset: token.checksummed,
                                                amount: "0", payTo: receiver.checksummed, maxTimeoutSeconds: 0, extra: [:])
        self.metrics = ChannelManagerMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        (wakeStream, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Unix time in milliseconds from the system's real-time clock.
    @Sendable public static func systemClock() -> UInt64 { WallClock.millis() }

    /// The `managerState` key of the durable pending-settle flag.
    var pendingSettleKey: String { "batch-settlement.pending-settle.\(network.rawValue).\(receiver.lowercased).\(token.lowercased)" }

    /// Whether a record is this manager's (its receiver and token).
    func manages(_ record: SellerChannel) -> Bool { record.config.receiver == receiver && record.config.token == token }

    // MARK: Claim

    /// Claims the charged value of the stored channels: every record whose `chargedCumulativeAmount` exceeds its
    /// `totalClaimed`, one claim row each `{voucher:{channel, maxClaimableAmount: signedMaxClaimable}, signature,
    /// totalClaimed: chargedCumulativeAmount}`, in facilitator calls of at most `maxClaimsPerBatch` rows.
    ///
    /// Rows of `channels` are claimed even when waiting for a retry; without `channels` every claimable record
    /// not waiting for a retry is. A row the facilitator names in `extra.failedChannels`, or every row of a call
    /// that failed or threw, waits for its retry (``ChannelManagerConfiguration/retryBackoff``); the other calls
    /// still run. Claimed rows raise the records' `totalClaimed` (never lowering it) and set the durable
    /// pending-settle flag before this returns.
    /// - Throws: storage errors only.
    @discardableResult
    public func claim(channels: [Bytes32]? = nil) async throws -> ClaimReport {
        try await jobs.withLock { try await claimLocked(channels: channels, ignoringBackoff: channels != nil) }
    }

    /// Claims `channels` (read one by one), or every record (one scan) when nil.
    func claimLocked(channels named: [Bytes32]?, ignoringBackoff: Bool) async throws -> ClaimReport {
        let now = clock()
        var records: [SellerChannel] = []
        if let named {
            for id in Set(named) { if let record = try await storage.channel(id) { records.append(record) } }
            records = records.filter(manages)
        } else {
            records = try await storage.channels().filter(manages)
            refreshUnclaimed(records)
        }
        let waiting = ignoringBackoff ? [] : state.withLock { s in Set(s.backoff.filter { $0.value.retryAt > now }.keys) }
        let candidates = records.filter { r in
            r.chargedCumulativeAmount > r.totalClaimed && !r.signature.isEmpty && r.signedMaxClaimable >= r.chargedCumulativeAmount
                && !waiting.contains(r.channelId)
        }.sorted { a, b in
            let (ua, ub) = (a.chargedCumulativeAmount - a.totalClaimed, b.chargedCumulativeAmount - b.totalClaimed)
            return ua != ub ? ua > ub : a.channelId < b.channelId
        }
        var report = ClaimReport()
        guard !candidates.isEmpty else { return report }
        // Rows the seller's key can authorize go signed; the others are left to the facilitator's key.
        let signable = candidates.filter { authorizerKey?.address == $0.config.receiverAuthorizer }
        let delegated = candidates.filter { authorizerKey?.address != $0.config.receiverAuthorizer }
        let size = configuration.maxClaimsPerBatch
        for (rows, signed) in [(signable, true), (delegated, false)] {
            for start in stride(from: 0, to: rows.count, by: size) {
                try await claimChunk(Array(rows[start..<min(start + size, rows.count)]), signed: signed, retryRest: true,
                                     report: &report)
            }
        }
        logger.info("claimed vouchers", metadata: [
            "claim.claimed": "\(report.claimed.count)", "claim.failed": "\(report.failed.count)",
            "claim.transactions": "\(report.transactions.joined(separator: ","))",
        ])
        return report
    }

    /// One facilitator call for `chunk`.
    private func claimChunk(_ chunk: [SellerChannel], signed: Bool, retryRest: Bool, report: inout ClaimReport) async throws {
        let rows = chunk.map {
            ClaimRowPayload(channel: $0.config, maxClaimableAmount: TokenAmount128($0.signedMaxClaimable),
                            signature: HexBytes(SellerRules.claimSignature(of: $0, domain: domain)),
                            totalClaimed: TokenAmount128($0.chargedCumulativeAmount))
        }
        var signature: HexBytes?
        if signed, let key = authorizerKey {
            let batch = ClaimBatch(entries: chunk.map {
                ClaimEntry(channelId: $0.channelId, maxClaimableAmount: $0.signedMaxClaimable, totalClaimed: $0.chargedCumulativeAmount)
            })
            signature = HexBytes(key.sign(digest: batch.digest(in: domain)).bytes)
        }
        let payload = paymentPayload(.claim(ClaimPayload(claims: rows, claimAuthorizerSignature: signature)))
        let response: SettleResponse
        do {
            response = try await facilitator.settle(payload, requirements: requirements)
        } catch {
            fail(chunk, reason: "\(error)", report: &report)
            return
        }
        let failedIds = Set(Self.channelIds(response.extra?["failedChannels"]))
        var transactions = Self.strings(response.extra?["transactions"])
        if transactions.isEmpty && !response.transaction.isEmpty { transactions = [response.transaction] }
        report.transactions += transactions
        guard response.success else {
            let reason = response.errorReason?.rawValue ?? "unknown"
            // Part of the batch may have landed (the facilitator names its transactions): settle will be needed.
            if !transactions.isEmpty { try await setPendingSettle() }
            let rest = chunk.filter { !failedIds.contains($0.channelId) }
            // A signed batch is all or nothing: without the rows at fault the rest may go through at once.
            if signed, retryRest, transactions.isEmpty, !failedIds.isEmpty, !rest.isEmpty, rest.count < chunk.count {
                fail(chunk.filter { failedIds.contains($0.channelId) }, reason: reason, report: &report)
                try await claimChunk(rest, signed: signed, retryRest: false, report: &report)
            } else {
                fail(chunk, reason: reason, report: &report)
            }
            return
        }
        let claimed = chunk.filter { !failedIds.contains($0.channelId) }
        fail(chunk.filter { failedIds.contains($0.channelId) }, reason: "failed_channel", report: &report)
        guard !claimed.isEmpty else { return }
        try await setPendingSettle()
        for record in claimed {
            let amount = record.chargedCumulativeAmount
            try await storage.update(record.channelId) { current in
                guard var next = current, next.totalClaimed < amount else { return }
                next.totalClaimed = amount
                current = next
            }
            report.claimed.append(.init(channelId: record.channelId, totalClaimed: amount))
        }
        state.withLock { s in
            for record in claimed {
                s.backoff[record.channelId] = nil
                s.unclaimed.set(record.channelId, 0)
            }
        }
        metrics.claimed(claimed.count)
    }

    /// Puts `rows` into backoff.
    private func fail(_ rows: [SellerChannel], reason: String, report: inout ClaimReport) {
        guard !rows.isEmpty else { return }
        let now = clock()
        let failures = state.withLock { s in
            rows.map { row in
                let attempt = (s.backoff[row.channelId]?.attempts ?? 0) + 1
                let (retryAt, overflow) = now.addingReportingOverflow(configuration.retryBackoff.delayMilliseconds(afterAttempt: attempt))
                let entry = ChannelManagerState.Backoff(attempts: attempt, failedAt: now, retryAt: overflow ? .max : retryAt)
                s.backoff[row.channelId] = entry
                return ClaimReport.Failed(channelId: row.channelId, attempt: attempt, retryAt: entry.retryAt, reason: reason)
            }
        }
        report.failed += failures
        metrics.claimFailed(rows.count)
        logger.warning("claim rows failed", metadata: [
            "claim.reason": "\(reason)", "claim.channels": "\(rows.map(\.channelId.hex).joined(separator: ","))",
        ])
    }

    // MARK: Settle

    /// Whether a claim succeeded since the last settle (the durable pending-settle flag).
    public func hasPendingSettle() async throws -> Bool {
        try await storage.managerState(pendingSettleKey) != nil
    }

    func setPendingSettle() async throws {
        try await storage.setManagerState(pendingSettleKey, ["pending": true, "since": .string(String(clock()))])
    }

    /// Sends `type:"settle"` for (receiver, token) when a claim succeeded since the last settle (the durable
    /// pending-settle flag, which survives restarts); nil when nothing was pending. Clears the flag after success,
    /// and after `nothing_to_settle` (someone else settled).
    /// With `force` it asks the facilitator even without the flag (an operator's settle: claims made elsewhere).
    /// - Throws: ``ChannelManagerError/facilitatorRejected(operation:reason:message:)``, facilitator or storage errors.
    @discardableResult
    public func settle(force: Bool = false) async throws -> SettleReport? {
        try await jobs.withLock { try await settleLocked(force: force) }
    }

    /// Records that funds of this receiver were claimed outside the manager (a cooperative refund claims the
    /// channel's charges in its transaction), so the next settle run moves them.
    public func noteClaimedElsewhere() async throws {
        try await setPendingSettle()
    }

    func settleLocked(force: Bool = false) async throws -> SettleReport? {
        if !force { guard try await hasPendingSettle() else { return nil } }
        let payload = paymentPayload(.settle(SettlePayload(receiver: receiver, token: token)))
        let response: SettleResponse
        do {
            response = try await facilitator.settle(payload, requirements: requirements)
        } catch {
            metrics.settle(ok: false)
            throw error
        }
        if response.success {
            try await storage.setManagerState(pendingSettleKey, nil)
            metrics.settle(ok: true)
            logger.info("settled", metadata: ["settle.transaction": "\(response.transaction)", "settle.amount": "\(response.amount ?? "")"])
            return SettleReport(transaction: response.transaction, amount: response.amount ?? "")
        }
        if response.errorReason?.rawValue == BatchSettlementErrorCode.nothingToSettle.rawValue {
            try await storage.setManagerState(pendingSettleKey, nil)
            logger.info("nothing to settle")
            return nil
        }
        metrics.settle(ok: false)
        throw ChannelManagerError.facilitatorRejected(operation: "settle", reason: response.errorReason?.rawValue ?? "unknown",
                                                      message: response.errorMessage)
    }

    /// Claims everything claimable (ignoring retry waits), then settles: what graceful shutdown runs.
    @discardableResult
    public func flush() async throws -> FlushReport {
        try await jobs.withLock {
            let claim = try await claimLocked(channels: nil, ignoringBackoff: true)
            return FlushReport(claim: claim, settle: try await settleLocked())
        }
    }

    // MARK: Refund

    /// Refunds each channel's unclaimed balance to its payer with an enriched refund (protocol.md B.9.3): amount
    /// `balance − charged`, a claim of the charged total when it is not claimed yet, the mirrored `refundNonce`,
    /// the stored latest voucher, and Refund + ClaimBatch signatures when the manager holds the channel's
    /// receiver-authorizer key. A refunded record is deleted, unless a request holds its reservation or charged
    /// meanwhile: then the returned `channelState` is mirrored. Channels without a record, with a live
    /// reservation or with nothing to refund are skipped; one channel's failure does not stop the others.
    /// - Throws: storage errors only.
    @discardableResult
    public func refund(channels: [Bytes32]) async throws -> RefundReport {
        try await jobs.withLock { try await refundLocked(channels) }
    }

    func refundLocked(_ channels: [Bytes32]) async throws -> RefundReport {
        var report = RefundReport()
        for id in channels {
            guard let record = try await storage.channel(id) else {
                report.skipped.append(.init(channelId: id, reason: "no_record"))
                continue
            }
            guard manages(record) else {
                report.skipped.append(.init(channelId: id, reason: "other_receiver_or_token"))
                continue
            }
            guard try await storage.reservation(id, now: clock()) == nil else {
                report.skipped.append(.init(channelId: id, reason: "request_in_flight"))
                continue
            }
            guard record.balance > record.chargedCumulativeAmount else {
                report.skipped.append(.init(channelId: id, reason: "no_refundable_balance"))
                continue
            }
            let amount = record.balance - record.chargedCumulativeAmount
            let payload = paymentPayload(.enrichedRefund(enrichedRefund(record, amount: amount)))
            let response: SettleResponse
            do {
                response = try await facilitator.settle(payload, requirements: requirements)
            } catch {
                report.failed.append(.init(channelId: id, reason: "\(error)"))
                metrics.refund(ok: false)
                logger.warning("refund failed", metadata: ["refund.channel": "\(id.hex)", "refund.error": "\(error)"])
                continue
            }
            guard response.success else {
                let reason = response.errorReason?.rawValue ?? "unknown"
                report.failed.append(.init(channelId: id, reason: reason))
                metrics.refund(ok: false)
                logger.warning("refund refused", metadata: ["refund.channel": "\(id.hex)", "refund.reason": "\(reason)"])
                continue
            }
            let settled = response.extra?["channelState"].flatMap { try? X402JSON.decode(ChannelStateSnapshot.self, from: $0) }
            let live = try await storage.reservation(id, now: clock()) != nil
            let now = clock()
            let deleted = try await storage.update(id) { current -> Bool in
                guard var next = current else { return true }
                if !live && next.chargedCumulativeAmount == record.chargedCumulativeAmount {
                    current = nil
                    return true
                }
                if let settled { next.mirror(settled, now: now) } else { next.onchainSyncedAt = nil }
                next.totalClaimed = max(next.totalClaimed, record.chargedCumulativeAmount)
                current = next
                return false
            }
            state.withLock { $0.unclaimed.set(id, 0) }
            report.refunded.append(.init(channelId: id, amount: amount, transaction: response.transaction, deleted: deleted))
            metrics.refund(ok: true)
            logger.info("refunded", metadata: ["refund.channel": "\(id.hex)", "refund.amount": "\(amount)",
                                               "refund.transaction": "\(response.transaction)"])
        }
        return report
    }

    /// The enriched refund of `record` for `amount`.
    func enrichedRefund(_ record: SellerChannel, amount: UInt128) -> EnrichedRefundPayload {
        let charged = record.chargedCumulativeAmount
        let signature = HexBytes(SellerRules.claimSignature(of: record, domain: domain))
        let claims = charged > record.totalClaimed
            ? [ClaimRowPayload(channel: record.config, maxClaimableAmount: TokenAmount128(record.signedMaxClaimable),
                               signature: signature, totalClaimed: TokenAmount128(charged))]
            : []
        var refund = EnrichedRefundPayload(
            channelConfig: record.config,
            voucher: SignedVoucher(channelId: record.channelId, maxClaimableAmount: TokenAmount128(record.signedMaxClaimable),
                                   signature: signature),
            amount: TokenAmount128(amount), refundNonce: TokenAmount(record.refundNonce), claims: claims)
        if let key = authorizerKey, key.address == record.config.receiverAuthorizer {
            refund.refundAuthorizerSignature = HexBytes(key.sign(digest: Refund(channelId: record.channelId, nonce: record.refundNonce,
                                                                                amount: amount).digest(in: domain)).bytes)
            if !claims.isEmpty {
                let batch = ClaimBatch(entries: [ClaimEntry(channelId: record.channelId, maxClaimableAmount: record.signedMaxClaimable,
                                                            totalClaimed: charged)])
                refund.claimAuthorizerSignature = HexBytes(key.sign(digest: batch.digest(in: domain)).bytes)
            }
        }
        return refund
    }

    /// Refunds this manager's channels idle for ``ChannelManagerConfiguration/idleRefundAfter`` whose balance
    /// exceeds the charged total (channels with a live reservation are skipped); nil when no idle time is set.
    @discardableResult
    public func refundIdleChannels() async throws -> RefundReport? {
        guard let idle = configuration.idleRefundAfter else { return nil }
        return try await jobs.withLock {
            let now = clock()
            let idleMs = ChannelManagerTime.milliseconds(idle)
            let targets = try await storage.channels().filter { r in
                manages(r) && r.balance > r.chargedCumulativeAmount && (now >= r.lastRequestTimestamp && now - r.lastRequestTimestamp >= idleMs)
            }.map(\.channelId)
            guard !targets.isEmpty else { return RefundReport() }
            return try await refundLocked(targets)
        }
    }

    // MARK: Helpers

    /// A manager payload: x402Version 2, the manager's requirements as `accepted`, no resource.
    func paymentPayload(_ payload: BatchSettlementPayload) -> PaymentPayload {
        PaymentPayload(x402Version: 2, payload: payload.jsonObject(), accepted: requirements, resource: nil)
    }

    static func strings(_ value: JSONValue?) -> [String] {
        (value?.arrayValue ?? []).compactMap(\.stringValue)
    }

    static func channelIds(_ value: JSONValue?) -> [Bytes32] {
        strings(value).compactMap { try? Bytes32(hex: $0) }
    }
}
