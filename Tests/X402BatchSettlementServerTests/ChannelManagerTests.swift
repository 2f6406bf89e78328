import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import X402BatchSettlement
@testable import X402BatchSettlementServer
import X402Core
import X402EVM
import X402EVMRPC
import X402JSON

/// A facilitator that records every `/settle` payload and answers through `answer` (call index from 0).
final class RecordingFacilitator: FacilitatorClient, Sendable {
    struct Failure: Error {}

    let answer: @Sendable (BatchSettlementPayload, Int) async throws -> SettleResponse
    private let recorded = Mutex<[(PaymentPayload, PaymentRequirements)]>([])

    init(answer: @escaping @Sendable (BatchSettlementPayload, Int) async throws -> SettleResponse = { _, _ in RecordingFacilitator.ok() }) {
        self.answer = answer
    }

    static func ok(_ tx: String = "0xabc", extra: JSONObject? = nil) -> SettleResponse {
        SettleResponse(success: true, transaction: tx, network: ChannelManagerFixture.network, extra: extra)
    }

    var calls: [(PaymentPayload, PaymentRequirements)] { recorded.withLock { $0 } }
    var payloads: [BatchSettlementPayload] { calls.compactMap { try? BatchSettlementPayload($0.0) } }

    func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> SettleResponse {
        let index = recorded.withLock { r in
            r.append((payload, requirements))
            return r.count - 1
        }
        return try await answer(try BatchSettlementPayload(payload), index)
    }

    func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> VerifyResponse {
        VerifyResponse(isValid: false)
    }

    func supported() async throws -> SupportedResponse { SupportedResponse(kinds: []) }
}

/// A settable unix-ms clock.
final class TestClock: Sendable {
    private let value: Mutex<UInt64>
    init(_ start: UInt64 = 1_700_000_000_000) { value = Mutex(start) }
    var now: UInt64 { value.withLock { $0 } }
    func advance(_ ms: UInt64) { value.withLock { $0 += ms } }
    var function: @Sendable () -> UInt64 { { self.now } }
}

enum ChannelManagerFixture {
    static let network = Network.eip155(84532)
    static let domain = BatchSettlementDomain(chainId: 84532)
    static let key = try! PrivateKey(hex: "0x" + String(repeating: "5a", count: 32))
    static let receiver = Address(word: Bytes32(0, 0, 0, 0x2222))
    static let token = Address(word: Bytes32(0, 0, 0, 0x4444))

    static func config(_ n: UInt64, authorizer: Address = key.address) -> ChannelConfig {
        ChannelConfig(payer: Address(word: Bytes32(0, 0, 0, 0x1000 + n)), payerAuthorizer: .zero, receiver: receiver,
                      receiverAuthorizer: authorizer, token: token, withdrawDelay: 900, salt: Bytes32(0, 0, 0, n))
    }

    /// A record charged `100 × n` under a voucher of `100 × n + 50`, balance 10 000, nothing claimed.
    static func record(_ n: UInt64, charged: UInt128? = nil, totalClaimed: UInt128 = 0) -> SellerChannel {
        let config = config(n)
        let charged = charged ?? UInt128(n) * 100
        return SellerChannel(channelId: config.channelId(in: domain), config: config, chargedCumulativeAmount: charged,
                             signedMaxClaimable: charged + 50, signature: Array(repeating: UInt8(n), count: 65), balance: 10_000,
                             totalClaimed: totalClaimed, lastRequestTimestamp: 1_000)
    }

    static func store(_ records: [SellerChannel], in storage: any ChannelStorage) async throws {
        for record in records { try await storage.update(record.channelId) { $0 = record } }
    }

    static func manager(storage: any ChannelStorage, facilitator: RecordingFacilitator, key: PrivateKey? = key,
                        clock: TestClock = TestClock(),
                        configuration: ChannelManagerConfiguration = ChannelManagerConfiguration(claimInterval: nil, settleInterval: nil))
        throws -> ChannelManager {
        try ChannelManager(storage: storage, facilitator: facilitator, network: network, receiver: receiver, token: token,
                           receiverAuthorizerKey: key, configuration: configuration, logger: Logger(label: "test.channel-manager", factory: { _ in SwiftLogNoOpLogHandler() }),
                           clock: clock.function)
    }

    static func claims(_ payload: BatchSettlementPayload) -> ClaimPayload? {
        if case .claim(let c) = payload { return c }
        return nil
    }

    /// Waits (up to 5 s) until `condition` holds.
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<500 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}

struct ChannelManagerTests {
    typealias F = ChannelManagerFixture

    @Test func claimSendsRowsInChunksSignedByTheKey() async throws {
        let storage = InMemoryChannelStorage()
        let records = (1...5).map { F.record($0) }
        try await F.store(records, in: storage)
        let facilitator = RecordingFacilitator()
        var configuration = ChannelManagerConfiguration(claimInterval: nil, settleInterval: nil)
        configuration.maxClaimsPerBatch = 2
        let manager = try F.manager(storage: storage, facilitator: facilitator, configuration: configuration)

        let report = try await manager.claim()

        #expect(facilitator.calls.count == 3)
        #expect(report.claimed.count == 5 && report.failed.isEmpty)
        #expect(report.transactions == ["0xabc", "0xabc", "0xabc"])
        var seen: [Bytes32: ClaimRowPayload] = [:]
        for (payload, requirements) in facilitator.calls {
            #expect(payload.x402Version == 2 && payload.resource == nil)
            #expect(requirements == payload.accepted)
            #expect(requirements.scheme == "batch-settlement" && requirements.network == F.network && requirements.amount == "0")
            #expect(requirements.maxTimeoutSeconds == 0 && requirements.extra.isEmpty)
            #expect(requirements.asset.lowercased() == F.token.lowercased && requirements.payTo.lowercased() == F.receiver.lowercased)
            #expect(payload.payload["type"] == "claim")
            let claim = try #require(F.claims(try BatchSettlementPayload(payload)))
            #expect(claim.claims.count <= 2)
            let entries = claim.claims.map {
                ClaimEntry(channelId: $0.channel.channelId(in: F.domain), maxClaimableAmount: $0.maxClaimableAmount.value,
                           totalClaimed: $0.totalClaimed.value)
            }
            let signature = try #require(claim.claimAuthorizerSignature)
            #expect(recovers(digest: ClaimBatch(entries: entries).digest(in: F.domain), signature: signature.bytes, to: F.key.address))
            for row in claim.claims { seen[row.channel.channelId(in: F.domain)] = row }
        }
        for record in records {
            let row = try #require(seen[record.channelId])
            #expect(row.channel == record.config)
            #expect(row.maxClaimableAmount.value == record.signedMaxClaimable)
            #expect(row.totalClaimed.value == record.chargedCumulativeAmount)
            #expect(row.signature.bytes == record.signature)
            #expect(try await storage.channel(record.channelId)?.totalClaimed == record.chargedCumulativeAmount)
        }
        #expect(try await manager.hasPendingSettle())
        // Nothing left to claim: no call.
        #expect(try await manager.claim() == ClaimReport())
        #expect(facilitator.calls.count == 3)
    }

    /// A voucher the fast path verified by key may carry the other `v`: claims and refunds send the `v` that recovers.
    @Test func claimsAndRefundsSendTheVThatRecoversThePayer() async throws {
        let payer = try PrivateKey(hex: "0x" + String(repeating: "3c", count: 32))
        var records: [SellerChannel] = []
        var exact: [Bytes32: [UInt8]] = [:]
        for n: UInt64 in 1...3 {
            var record = F.record(n)
            record.config.payerAuthorizer = payer.address
            record.channelId = record.config.channelId(in: F.domain)
            let signature = payer.sign(digest: Voucher(channelId: record.channelId, maxClaimableAmount: record.signedMaxClaimable)
                .digest(in: F.domain)).bytes
            exact[record.channelId] = signature
            record.signature = signature
            if n != 2 { record.signature[64] = signature[64] == 27 ? 28 : 27 }
            records.append(record)
        }
        let storage = InMemoryChannelStorage()
        try await F.store(records, in: storage)
        let facilitator = RecordingFacilitator()
        let manager = try F.manager(storage: storage, facilitator: facilitator)
        _ = try await manager.refund(channels: [records[0].channelId])
        #expect(try await manager.claim().claimed.count == 2)
        guard case .enrichedRefund(let refund) = try #require(facilitator.payloads.first),
              let claim = F.claims(try #require(facilitator.payloads.last)) else {
            Issue.record("expected a refund, then a claim")
            return
        }
        #expect(refund.voucher.signature.bytes == exact[records[0].channelId])
        #expect(refund.claims.map(\.signature.bytes) == [exact[records[0].channelId]!])
        #expect(claim.claims.count == 2)
        for row in claim.claims { #expect(row.signature.bytes == exact[row.channel.channelId(in: F.domain)]) }
    }

    @Test func withoutAKeyRowsGoUnsigned() async throws {
        let storage = InMemoryChannelStorage()
        try await F.store([F.record(1)], in: storage)
        let facilitator = RecordingFacilitator()
        let manager = try F.manager(storage: storage, facilitator: facilitator, key: nil)
        try await manager.claim()
        let first = try #require(facilitator.payloads.first)
        let claim = try #require(F.claims(first))
        #expect(claim.claimAuthorizerSignature == nil)
        #expect(facilitator.calls[0].0.payload["claimAuthorizerSignature"] == nil)
    }

    @Test func rowsOfAnotherAuthorizerGoUnsignedAndOtherReceiversAreLeftAlone() async throws {
        let storage = InMemoryChannelStorage()
        let own = F.record(1)
        var delegated = F.record(2)
        delegated.config = F.config(2, authorizer: Address(word: Bytes32(0, 0, 0, 0x3333)))
        delegated.channelId = delegated.config.channelId(in: F.domain)
        var foreign = F.record(3)
        foreign.config.token = Address(word: Bytes32(0, 0, 0, 0x5555))
        foreign.channelId = foreign.config.channelId(in: F.domain)
        try await F.store([own, delegated, foreign], in: storage)
        let facilitator = RecordingFacilitator()
        let manager = try F.manager(storage: storage, facilitator: facilitator)
        let report = try await manager.claim()
        #expect(Set(report.claimed.map(\.channelId)) == [own.channelId, delegated.channelId])
        let sent = facilitator.payloads.compactMap(F.claims)
        #expect(sent.count == 2)
        #expect(sent[0].claims.map(\.channel) == [own.config] && sent[0].claimAuthorizerSignature != nil)
        #expect(sent[1].claims.map(\.channel) == [delegated.config] && sent[1].claimAuthorizerSignature == nil)
        #expect(try await storage.channel(foreign.channelId)?.totalClaimed == 0)
        #expect(try await manager.refund(channels: [foreign.channelId]).skipped.map(\.reason) == ["other_receiver_or_token"])
    }

    @Test func failedChannelsWaitForTheirBackoffThenRetry() async throws {
        let storage = InMemoryChannelStorage()
        let records = (1...3).map { F.record($0) }
        try await F.store(records, in: storage)
        let bad = records[1].channelId
        let failBad = Mutex(true)
        let facilitator = RecordingFacilitator { payload, _ in
            let ids = F.claims(payload)!.claims.map { $0.channel.channelId(in: F.domain) }
            guard ids.contains(bad), failBad.withLock({ $0 }) else { return RecordingFacilitator.ok() }
            return RecordingFacilitator.ok(extra: ["failedChannels": [.string(bad.hex)]])
        }
        let clock = TestClock()
        let manager = try F.manager(storage: storage, facilitator: facilitator, key: nil, clock: clock)

        let first = try await manager.claim()
        #expect(Set(first.claimed.map(\.channelId)) == [records[0].channelId, records[2].channelId])
        #expect(first.failed == [ClaimReport.Failed(channelId: bad, attempt: 1, retryAt: clock.now + 5_000, reason: "failed_channel")])
        #expect(try await storage.channel(bad)?.totalClaimed == 0)

        // Waiting: the timed claim skips it.
        clock.advance(4_999)
        #expect(try await manager.claim() == ClaimReport())
        #expect(facilitator.calls.count == 1)

        // Due: retried, fails again, waits twice as long.
        clock.advance(1)
        let second = try await manager.claim()
        #expect(facilitator.calls.count == 2)
        #expect(second.failed.map(\.attempt) == [2] && second.failed.first?.retryAt == clock.now + 10_000)
        clock.advance(9_999)
        #expect(try await manager.claim() == ClaimReport())

        // Named explicitly it goes at once; success clears the backoff.
        failBad.withLock { $0 = false }
        let named = try await manager.claim(channels: [bad])
        #expect(named.claimed == [ClaimReport.Claimed(channelId: bad, totalClaimed: records[1].chargedCumulativeAmount)])
        #expect(try await storage.channel(bad)?.totalClaimed == records[1].chargedCumulativeAmount)
    }

    @Test func aSignedBatchIsResentWithoutTheFailedRows() async throws {
        let storage = InMemoryChannelStorage()
        let records = (1...3).map { F.record($0) }
        try await F.store(records, in: storage)
        let bad = records[0].channelId
        let facilitator = RecordingFacilitator { payload, _ in
            let ids = F.claims(payload)!.claims.map { $0.channel.channelId(in: F.domain) }
            guard ids.contains(bad) else { return RecordingFacilitator.ok() }
            return SettleResponse(success: false, errorReason: ErrorReason(rawValue: "invalid_batch_settlement_evm_claim_simulation_failed"),
                                  transaction: "", network: F.network, extra: ["failedChannels": [.string(bad.hex)]])
        }
        let manager = try F.manager(storage: storage, facilitator: facilitator)
        let report = try await manager.claim()
        #expect(facilitator.calls.count == 2)
        #expect(Set(report.claimed.map(\.channelId)) == [records[1].channelId, records[2].channelId])
        #expect(report.failed.map(\.channelId) == [bad])
        #expect(report.failed.first?.reason == "invalid_batch_settlement_evm_claim_simulation_failed")
    }

    @Test func aThrowingChunkDoesNotBlockTheOthers() async throws {
        let storage = InMemoryChannelStorage()
        let records = (1...4).map { F.record($0) }
        try await F.store(records, in: storage)
        let facilitator = RecordingFacilitator { _, index in
            if index == 0 { throw RecordingFacilitator.Failure() }
            return RecordingFacilitator.ok()
        }
        var configuration = ChannelManagerConfiguration(claimInterval: nil, settleInterval: nil)
        configuration.maxClaimsPerBatch = 2
        let manager = try F.manager(storage: storage, facilitator: facilitator, configuration: configuration)
        let report = try await manager.claim()
        #expect(facilitator.calls.count == 2)
        #expect(report.claimed.count == 2 && report.failed.count == 2)
        let firstChunk = Set(F.claims(facilitator.payloads[0])!.claims.map { $0.channel.channelId(in: F.domain) })
        #expect(Set(report.failed.map(\.channelId)) == firstChunk)
        #expect(try await manager.hasPendingSettle())
    }

    @Test func aRejectedChunkPutsEveryRowInBackoffAndSetsNoFlag() async throws {
        let storage = InMemoryChannelStorage()
        try await F.store([F.record(1), F.record(2)], in: storage)
        let facilitator = RecordingFacilitator { _, _ in
            SettleResponse(success: false, errorReason: ErrorReason(rawValue: "invalid_batch_settlement_evm_claim_transaction_failed"),
                           transaction: "", network: F.network)
        }
        let manager = try F.manager(storage: storage, facilitator: facilitator)
        let report = try await manager.claim()
        #expect(report.claimed.isEmpty && report.failed.count == 2)
        #expect(try await manager.hasPendingSettle() == false)
        #expect(try await manager.claim() == ClaimReport())
    }

    @Test func thePendingSettleFlagSurvivesARestartAndSettleClearsIt() async throws {
        let directory = NSTemporaryDirectory() + "x402-manager-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let record = F.record(1)
        do {
            let storage = try FileChannelStorage(directory: directory)
            try await F.store([record], in: storage)
            let manager = try F.manager(storage: storage, facilitator: RecordingFacilitator())
            #expect(try await manager.settle() == nil)
            try await manager.claim()
            await storage.close()
        }
        let storage = try FileChannelStorage(directory: directory)
        #expect(try await storage.channel(record.channelId)?.totalClaimed == record.chargedCumulativeAmount)
        let facilitator = RecordingFacilitator { _, _ in
            SettleResponse(success: true, transaction: "0xsettle", network: F.network, amount: "100")
        }
        let manager = try F.manager(storage: storage, facilitator: facilitator)
        #expect(try await manager.hasPendingSettle())
        #expect(try await manager.settle() == SettleReport(transaction: "0xsettle", amount: "100"))
        #expect(facilitator.payloads == [.settle(SettlePayload(receiver: F.receiver, token: F.token))])
        #expect(facilitator.calls[0].0.payload["type"] == "settle")
        #expect(try await manager.hasPendingSettle() == false)
        #expect(try await manager.settle() == nil)
        #expect(facilitator.calls.count == 1)
        await storage.close()
    }

    @Test func settleKeepsTheFlagWhenRefusedAndClearsItOnNothingToSettle() async throws {
        let storage = InMemoryChannelStorage()
        try await F.store([F.record(1)], in: storage)
        let reason = Mutex("invalid_batch_settlement_evm_settle_transaction_failed")
        let facilitator = RecordingFacilitator { payload, _ in
            if case .claim = payload { return RecordingFacilitator.ok() }
            return SettleResponse(success: false, errorReason: ErrorReason(rawValue: reason.withLock { $0 }), transaction: "", network: F.network)
        }
        let manager = try F.manager(storage: storage, facilitator: facilitator)
        try await manager.claim()
        await #expect(throws: ChannelManagerError.self) { try await manager.settle() }
        #expect(try await manager.hasPendingSettle())
        reason.withLock { $0 = BatchSettlementErrorCode.nothingToSettle.rawValue }
        #expect(try await manager.settle() == nil)
        #expect(try await manager.hasPendingSettle() == false)
    }

    @Test func refundSendsTheEnrichedPayloadAndDeletesTheRecord() async throws {
        let storage = InMemoryChannelStorage()
        var record = F.record(3, charged: 300, totalClaimed: 100)
        record.signedMaxClaimable = 400
        record.balance = 1_000
        record.refundNonce = 3
        try await F.store([record], in: storage)
        let id = record.channelId
        let facilitator = RecordingFacilitator { _, _ in
            SettleResponse(success: true, transaction: "0xrefund", network: F.network, amount: "700", extra: [
                "channelState": ["channelId": .string(id.hex), "balance": "300", "totalClaimed": "300",
                                 "withdrawRequestedAt": 0, "refundNonce": "4"],
            ])
        }
        let manager = try F.manager(storage: storage, facilitator: facilitator)
        let report = try await manager.refund(channels: [id])

        #expect(report.refunded == [RefundReport.Refunded(channelId: id, amount: 700, transaction: "0xrefund", deleted: true)])
        guard case .enrichedRefund(let refund) = try #require(facilitator.payloads.first) else {
            Issue.record("not an enriched refund")
            return
        }
        #expect(refund.channelConfig == record.config)
        #expect(refund.voucher == SignedVoucher(channelId: id, maxClaimableAmount: 400, signature: HexBytes(record.signature)))
        #expect(refund.amount == 700 && refund.refundNonce.value == 3)
        #expect(refund.claims == [ClaimRowPayload(channel: record.config, maxClaimableAmount: 400, signature: HexBytes(record.signature),
                                                  totalClaimed: 300)])
        let refundDigest = Refund(channelId: id, nonce: 3, amount: 700).digest(in: F.domain)
        #expect(recovers(digest: refundDigest, signature: try #require(refund.refundAuthorizerSignature).bytes, to: F.key.address))
        let claimDigest = ClaimBatch(entries: [ClaimEntry(channelId: id, maxClaimableAmount: 400, totalClaimed: 300)]).digest(in: F.domain)
        #expect(recovers(digest: claimDigest, signature: try #require(refund.claimAuthorizerSignature).bytes, to: F.key.address))
        #expect(facilitator.calls[0].0.payload["refundNonce"] == "3" && facilitator.calls[0].0.payload["amount"] == "700")
        #expect(try await storage.channel(id) == nil)
    }

    @Test func refundSkipsUnknownAndBusyChannels() async throws {
        let storage = InMemoryChannelStorage()
        let clock = TestClock()
        let busy = F.record(1)
        let fullyClaimed = F.record(2, charged: 200, totalClaimed: 200)
        try await F.store([busy, fullyClaimed], in: storage)
        _ = try await storage.reserve(busy.channelId, ChannelReservation(pendingId: "p", signedMaxClaimable: 1, expiresAt: clock.now + 60_000),
                                      now: clock.now)
        let facilitator = RecordingFacilitator { _, _ in
            RecordingFacilitator.ok("0xrefund", extra: [
                "channelState": ["channelId": .string(fullyClaimed.channelId.hex), "balance": "200", "totalClaimed": "200",
                                 "withdrawRequestedAt": 0, "refundNonce": "1"],
            ])
        }
        let manager = try F.manager(storage: storage, facilitator: facilitator, key: nil, clock: clock)
        let unknown = F.record(9).channelId
        let report = try await manager.refund(channels: [busy.channelId, unknown, fullyClaimed.channelId])
        #expect(report.skipped.map(\.channelId) == [busy.channelId, unknown])
        #expect(report.refunded.map(\.channelId) == [fullyClaimed.channelId])
        guard case .enrichedRefund(let refund) = try #require(facilitator.payloads.first) else { return }
        #expect(refund.claims.isEmpty && refund.refundAuthorizerSignature == nil && refund.claimAuthorizerSignature == nil)
        #expect(refund.amount == 9_800)
        #expect(try await storage.channel(fullyClaimed.channelId) == nil)
        #expect(try await storage.channel(busy.channelId) == busy)
    }

    @Test func refundMirrorsTheRecordWhenAChargeArrivedMeanwhile() async throws {
        let storage = InMemoryChannelStorage()
        let record = F.record(2)
        try await F.store([record], in: storage)
        let facilitator = RecordingFacilitator { _, _ in
            try await storage.update(record.channelId) { $0?.chargedCumulativeAmount += 50 }
            return RecordingFacilitator.ok("0xrefund", extra: [
                "channelState": ["channelId": .string(record.channelId.hex), "balance": "250", "totalClaimed": "200",
                                 "withdrawRequestedAt": 0, "refundNonce": "1"],
            ])
        }
        let clock = TestClock()
        let manager = try F.manager(storage: storage, facilitator: facilitator, clock: clock)
        let report = try await manager.refund(channels: [record.channelId])
        #expect(report.refunded.map(\.deleted) == [false])
        let after = try #require(try await storage.channel(record.channelId))
        #expect(after.chargedCumulativeAmount == 250 && after.balance == 250 && after.totalClaimed == 200 && after.refundNonce == 1)
        #expect(after.onchainSyncedAt == clock.now)
    }

    @Test func idleRefundTakesOnlyIdleChannels() async throws {
        let storage = InMemoryChannelStorage()
        let clock = TestClock()
        var idle = F.record(1)
        idle.lastRequestTimestamp = clock.now - 3_600_000
        var active = F.record(2)
        active.lastRequestTimestamp = clock.now - 1_000
        try await F.store([idle, active], in: storage)
        let facilitator = RecordingFacilitator()
        var configuration = ChannelManagerConfiguration(claimInterval: nil, settleInterval: nil)
        configuration.idleRefundAfter = .seconds(600)
        let manager = try F.manager(storage: storage, facilitator: facilitator, clock: clock, configuration: configuration)
        let report = try #require(try await manager.refundIdleChannels())
        #expect(report.refunded.map(\.channelId) == [idle.channelId])
        #expect(try await storage.channel(active.channelId) != nil)
    }

    @Test func aThresholdStartsAClaimWhileRunning() async throws {
        let storage = InMemoryChannelStorage()
        let record = F.record(6)
        try await F.store([record], in: storage)
        let facilitator = RecordingFacilitator()
        var configuration = ChannelManagerConfiguration(claimInterval: nil, settleInterval: nil)
        configuration.thresholds = .init(perChannel: 600, checkInterval: .seconds(3600))
        let manager = try F.manager(storage: storage, facilitator: facilitator, configuration: configuration)
        let running = Task { try await manager.run() }
        defer { running.cancel() }
        manager.chargeRecorded(F.record(5))  // 500 unclaimed: below the bound
        try await Task.sleep(for: .milliseconds(50))
        #expect(facilitator.calls.isEmpty)
        manager.chargeRecorded(record)
        #expect(try await F.eventually { facilitator.calls.count == 1 })
        #expect(try await F.eventually { try await storage.channel(record.channelId)?.totalClaimed == 600 })
    }

    @Test func aTotalThresholdCountsEveryChannel() async throws {
        let storage = InMemoryChannelStorage()
        try await F.store([F.record(1), F.record(2)], in: storage)
        let facilitator = RecordingFacilitator()
        var configuration = ChannelManagerConfiguration(claimInterval: nil, settleInterval: nil)
        configuration.thresholds = .init(total: 300, checkInterval: .seconds(3600))
        let manager = try F.manager(storage: storage, facilitator: facilitator, configuration: configuration)
        let running = Task { try await manager.run() }
        defer { running.cancel() }
        manager.chargeRecorded(F.record(1))
        try await Task.sleep(for: .milliseconds(50))
        #expect(facilitator.calls.isEmpty)
        manager.chargeRecorded(F.record(2))
        #expect(try await F.eventually { facilitator.calls.count == 1 })
        #expect(F.claims(facilitator.payloads[0])?.claims.count == 2)
    }

    @Test func theThresholdTickSeesChargesItWasNotTold() async throws {
        let storage = InMemoryChannelStorage()
        try await F.store([F.record(7)], in: storage)
        let facilitator = RecordingFacilitator()
        var configuration = ChannelManagerConfiguration(claimInterval: nil, settleInterval: nil)
        configuration.thresholds = .init(perChannel: 700, checkInterval: .milliseconds(20))
        let manager = try F.manager(storage: storage, facilitator: facilitator, configuration: configuration)
        let running = Task { try await manager.run() }
        defer { running.cancel() }
        #expect(try await F.eventually { facilitator.calls.count == 1 })
    }

    @Test func requestClaimClaimsAtOnceEvenInBackoff() async throws {
        let storage = InMemoryChannelStorage()
        let record = F.record(1)
        try await F.store([record], in: storage)
        let facilitator = RecordingFacilitator { _, index in
            if index < 2 { throw RecordingFacilitator.Failure() }
            return RecordingFacilitator.ok()
        }
        let clock = TestClock()
        let manager = try F.manager(storage: storage, facilitator: facilitator, clock: clock)
        #expect(try await manager.claim().failed.count == 1)
        clock.advance(5_000)
        #expect(try await manager.claim().failed.first?.retryAt == clock.now + 10_000)
        let running = Task { try await manager.run() }
        defer { running.cancel() }
        // Just failed: a request waits for the base backoff.
        manager.requestClaim(record.channelId)
        try await Task.sleep(for: .milliseconds(50))
        #expect(facilitator.calls.count == 2)
        // Later, though still before the retry time, a request claims at once, and settles.
        clock.advance(5_000)
        manager.requestClaim(record.channelId)
        #expect(try await F.eventually { try await storage.channel(record.channelId)?.totalClaimed == 100 })
        #expect(try await F.eventually {
            facilitator.payloads.contains(.settle(SettlePayload(receiver: F.receiver, token: F.token)))
        })
    }

    @Test func flushClaimsEverythingAndSettles() async throws {
        let storage = InMemoryChannelStorage()
        try await F.store([F.record(1), F.record(2)], in: storage)
        let facilitator = RecordingFacilitator()
        let manager = try F.manager(storage: storage, facilitator: facilitator)
        let report = try await manager.flush()
        #expect(report.claim.claimed.count == 2 && report.settle == SettleReport(transaction: "0xabc", amount: ""))
        #expect(facilitator.payloads.map(\.kind) == [.claim, .settle])
    }

    @Test func gracefulShutdownFlushes() async throws {
        let storage = InMemoryChannelStorage()
        let records = [F.record(1), F.record(2)]
        try await F.store(records, in: storage)
        let facilitator = RecordingFacilitator()
        let manager = try F.manager(storage: storage, facilitator: facilitator)
        let group = ServiceGroup(services: [manager], logger: Logger(label: "test.group", factory: { _ in SwiftLogNoOpLogHandler() }))
        async let ran: Void = group.run()
        try await Task.sleep(for: .milliseconds(50))
        #expect(facilitator.calls.isEmpty)
        await group.triggerGracefulShutdown()
        try await ran
        #expect(facilitator.payloads.map(\.kind) == [.claim, .settle])
        for record in records {
            #expect(try await storage.channel(record.channelId)?.totalClaimed == record.chargedCumulativeAmount)
        }
        #expect(try await manager.hasPendingSettle() == false)
    }

    @Test func theClaimTimerClaims() async throws {
        let storage = InMemoryChannelStorage()
        try await F.store([F.record(1)], in: storage)
        let facilitator = RecordingFacilitator()
        let manager = try F.manager(storage: storage, facilitator: facilitator,
                                    configuration: ChannelManagerConfiguration(claimInterval: .milliseconds(20), settleInterval: .milliseconds(30)))
        let running = Task { try await manager.run() }
        defer { running.cancel() }
        #expect(try await F.eventually { facilitator.payloads.map(\.kind) == [.claim, .settle] })
    }

    @Test func backoffDoublesUpToTheMaximum() {
        let backoff = ChannelManagerConfiguration.RetryBackoff()
        #expect((1...9).map { backoff.delayMilliseconds(afterAttempt: $0) }
                == [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000])
        #expect(backoff.delayMilliseconds(afterAttempt: 1_000) == 600_000)
    }

    @Test func invalidSettingsAreRefused() {
        #expect(throws: ChannelManagerError.unsupportedNetwork("solana:mainnet")) {
            _ = try ChannelManager(storage: InMemoryChannelStorage(), facilitator: RecordingFacilitator(), network: Network(rawValue: "solana:mainnet"),
                                   receiver: F.receiver, token: F.token, receiverAuthorizerKey: nil)
        }
        #expect(throws: ChannelManagerError.invalidBatchSize(0)) {
            _ = try ChannelManager(storage: InMemoryChannelStorage(), facilitator: RecordingFacilitator(), network: F.network,
                                   receiver: F.receiver, token: F.token, receiverAuthorizerKey: nil,
                                   configuration: ChannelManagerConfiguration(maxClaimsPerBatch: 0))
        }
    }
}

struct WithdrawalWatcherTests {
    typealias F = ChannelManagerFixture

    @Test func decodesWithdrawInitiatedLogs() throws {
        let id = F.record(1).channelId
        let (topics, data) = try BatchSettlementABI.Events.withdrawInitiated.encodeLog([.bytes32(id), .uint128(250), .uint64(1_700_000_900)])
        let notice = try #require(WithdrawalNotice(topics: topics, data: data, blockNumber: 7))
        #expect(notice == WithdrawalNotice(channelId: id, amount: 250, finalizeAfter: 1_700_000_900, blockNumber: 7))
        #expect(notice.initiatedAt(withdrawDelay: 900) == 1_700_000_000)
        #expect(WithdrawalNotice(channelId: id, amount: 1, finalizeAfter: 10).initiatedAt(withdrawDelay: 900) == 1)

        // Another event, and a truncated one.
        let (otherTopics, otherData) = try BatchSettlementABI.Events.refunded.encodeLog([.bytes32(id), .address(F.receiver), .uint128(5)])
        #expect(WithdrawalNotice(topics: otherTopics, data: otherData) == nil)
        #expect(WithdrawalNotice(topics: topics, data: Array(data.dropLast())) == nil)
        #expect(WithdrawalNotice(topics: [], data: []) == nil)
    }

    @Test func aNoticeMarksTheRecordAndClaimsIt() async throws {
        let storage = InMemoryChannelStorage()
        let record = F.record(1)
        try await F.store([record], in: storage)
        let facilitator = RecordingFacilitator()
        let manager = try F.manager(storage: storage, facilitator: facilitator)
        #expect(try await manager.noteWithdrawal(WithdrawalNotice(channelId: F.record(2).channelId, amount: 1, finalizeAfter: 2_000)) == false)
        let notice = WithdrawalNotice(channelId: record.channelId, amount: 1, finalizeAfter: 2_000)
        #expect(try await manager.noteWithdrawal(notice))
        #expect(try await manager.noteWithdrawal(notice) == false)
        #expect(try await storage.channel(record.channelId)?.withdrawRequestedAt == 1_100)
        #expect(try await storage.channel(F.record(2).channelId) == nil)
        let running = Task { try await manager.run() }
        defer { running.cancel() }
        #expect(try await F.eventually { try await storage.channel(record.channelId)?.totalClaimed == 100 })
        #expect(F.claims(facilitator.payloads[0])?.claims.count == 1)
    }

    /// A node with a head block and `WithdrawInitiated` logs; records each `eth_getLogs` range.
    final class FakeNode: JSONRPCTransport {
        let head: UInt64
        let logs: [(block: UInt64, topics: [Bytes32], data: [UInt8])]
        let ranges = Mutex<[(UInt64, UInt64)]>([])

        init(head: UInt64, logs: [(block: UInt64, topics: [Bytes32], data: [UInt8])]) {
            self.head = head
            self.logs = logs
        }

        static func quantity(_ value: UInt64) -> JSONValue { .string("0x" + String(value, radix: 16)) }

        func roundTrip(_ body: [UInt8]) async throws(RPCError) -> [UInt8] {
            guard let request = try? JSONParser.parse(body) else { throw .transport("bad JSON") }
            let result: JSONValue
            switch request["method"]?.stringValue {
            case "eth_blockNumber":
                result = Self.quantity(head)
            case "eth_getLogs":
                let filter = request["params"]?.arrayValue?.first
                let from = UInt64(filter?["fromBlock"]?.stringValue?.dropFirst(2) ?? "", radix: 16) ?? 0
                let to = UInt64(filter?["toBlock"]?.stringValue?.dropFirst(2) ?? "", radix: 16) ?? 0
                ranges.withLock { $0.append((from, to)) }
                result = .array(logs.filter { $0.block >= from && $0.block <= to }.enumerated().map { index, log in
                    [
                        "address": .string(BatchSettlement.settlementAddress.lowercased), "topics": .array(log.topics.map { .string($0.hex) }),
                        "data": .string(Hex.encode(log.data)), "blockNumber": Self.quantity(log.block),
                        "blockHash": .string(Bytes32(0, 0, 0, log.block).hex), "transactionHash": .string(Bytes32(1, 0, 0, log.block).hex),
                        "transactionIndex": "0x0", "logIndex": Self.quantity(UInt64(index)), "removed": false,
                    ]
                })
            default:
                throw .transport("unexpected call")
            }
            return JSONSerializer.serialize(["jsonrpc": "2.0", "id": request["id"] ?? .null, "result": result])
        }
    }

    @Test func aPollReadsTheLogsSinceTheLastBlockAndClaims() async throws {
        let storage = InMemoryChannelStorage()
        let record = F.record(1)
        try await F.store([record], in: storage)
        let event = BatchSettlementABI.Events.withdrawInitiated
        let ours = try event.encodeLog([.bytes32(record.channelId), .uint128(10), .uint64(1_700_000_900)])
        let unknown = try event.encodeLog([.bytes32(F.record(2).channelId), .uint128(10), .uint64(1_700_000_900)])
        let node = FakeNode(head: 5_000, logs: [(4_100, unknown.topics, unknown.data), (4_990, ours.topics, ours.data)])
        var configuration = ChannelManagerConfiguration(claimInterval: nil, settleInterval: nil)
        configuration.withdrawalWatch = .init(pollInterval: .seconds(3600), initialLookbackBlocks: 1_000, maxBlockRange: 600, reorgDepth: 12)
        let facilitator = RecordingFacilitator()
        let manager = try ChannelManager(storage: storage, facilitator: facilitator, network: F.network, receiver: F.receiver, token: F.token,
                                         receiverAuthorizerKey: F.key, configuration: configuration,
                                         rpc: RPCClient(transport: node, logger: Logger(label: "test.rpc", factory: { _ in SwiftLogNoOpLogHandler() })),
                                         logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let notices = try await manager.pollWithdrawals()
        #expect(notices.map(\.channelId) == [F.record(2).channelId, record.channelId])
        #expect(notices.last?.blockNumber == 4_990)
        #expect(node.ranges.withLock { $0.map { [$0.0, $0.1] } } == [[4_000, 4_599], [4_600, 5_000]])
        #expect(try await storage.channel(record.channelId)?.withdrawRequestedAt == 1_700_000_000)
        #expect(try await storage.managerState(manager.withdrawalCursorKey) == ["block": "5001"])

        // The next poll starts `reorgDepth` blocks before the cursor.
        try await manager.pollWithdrawals()
        #expect(node.ranges.withLock { $0.last.map { [$0.0, $0.1] } } == [4_989, 5_000])

        // The run loop polls at start and claims the channel at once.
        let running = Task { try await manager.run() }
        defer { running.cancel() }
        #expect(try await F.eventually { try await storage.channel(record.channelId)?.totalClaimed == 100 })
    }
}
