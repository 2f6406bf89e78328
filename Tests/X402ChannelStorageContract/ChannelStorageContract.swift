import Testing
import X402BatchSettlement
import X402EVM
import X402JSON

/// The behaviour every ``ChannelStorage`` shares, checked the same way against each implementation:
/// `@Test(arguments: ChannelStorageContract.allCases) func contract(_ check: ChannelStorageContract) async throws {
/// try await check.run(on: makeStorage) }`.
public enum ChannelStorageContract: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case updateCreatesChangesAndDeletes
    case throwingBodyWritesNothing
    case concurrentUpdatesOfOneChannelAreAllApplied
    case channelsAreIndependent
    case reserveTakesAFreeReservationAndReturnsALiveHolder
    case lapsedReservationIsReplaceable
    case reserveReadingReturnsTheRecordOrTheHolder
    case releaseOnlyByTheHolder
    case commitAppliesAndDropsTheReservation
    case commitWithAWrongPendingIdChangesNothing
    case commitOfALapsedReservationChangesNothing
    case channelsListsEveryRecord
    case managerStateSetGetRemove
    case largeValuesRoundTripExactly

    public var testDescription: String { rawValue }

    /// Thrown by a body on purpose.
    public struct BodyFailure: Error, Equatable {}

    /// Runs this check on a fresh storage from `make`.
    public func run(on make: () async throws -> any ChannelStorage) async throws {
        let storage = try await make()
        let id = Self.channelId(1)
        let other = Self.channelId(2)
        switch self {
        case .updateCreatesChangesAndDeletes:
            #expect(try await storage.channel(id) == nil)
            let created = try await storage.update(id) { record -> Bool in
                let absent = record == nil
                record = Self.channel(id, charged: 5)
                return absent
            }
            #expect(created)
            #expect(try await storage.channel(id) == Self.channel(id, charged: 5))
            try await storage.update(id) { record in record?.chargedCumulativeAmount += 7 }
            #expect(try await storage.channel(id)?.chargedCumulativeAmount == 12)
            try await storage.update(id) { record in record = nil }
            #expect(try await storage.channel(id) == nil)
            #expect(try await storage.channels().isEmpty)
        case .throwingBodyWritesNothing:
            try await storage.update(id) { $0 = Self.channel(id, charged: 1) }
            await #expect(throws: BodyFailure.self) {
                try await storage.update(id) { record in
                    record?.chargedCumulativeAmount = 99
                    throw BodyFailure()
                }
            }
            await #expect(throws: BodyFailure.self) {
                try await storage.update(other) { record in
                    record = Self.channel(other)
                    throw BodyFailure()
                }
            }
            #expect(try await storage.channel(id) == Self.channel(id, charged: 1))
            #expect(try await storage.channel(other) == nil)
        case .concurrentUpdatesOfOneChannelAreAllApplied:
            try await Self.incrementConcurrently([storage], id, times: 100)
            #expect(try await storage.channel(id)?.chargedCumulativeAmount == 100)
        case .channelsAreIndependent:
            try await storage.update(id) { $0 = Self.channel(id, charged: 1) }
            try await storage.update(other) { $0 = Self.channel(other, charged: 2) }
            _ = try await storage.reserve(id, Self.reservation("a", expiresAt: 100), now: 0)
            #expect(try await storage.reserve(other, Self.reservation("b", expiresAt: 100), now: 0) == nil)
            try await storage.update(id) { $0 = nil }
            #expect(try await storage.channel(other) == Self.channel(other, charged: 2))
            #expect(try await storage.reservation(other, now: 0)?.pendingId == "b")
        case .reserveTakesAFreeReservationAndReturnsALiveHolder:
            #expect(try await storage.reservation(id, now: 0) == nil)
            let first = Self.reservation("first", expiresAt: 1_000)
            #expect(try await storage.reserve(id, first, now: 10) == nil)
            #expect(try await storage.reservation(id, now: 10) == first)
            #expect(try await storage.reserve(id, Self.reservation("second", expiresAt: 2_000), now: 999) == first)
            #expect(try await storage.reservation(id, now: 999) == first)
            // Reserving never writes the record.
            #expect(try await storage.channel(id) == nil)
        case .reserveReadingReturnsTheRecordOrTheHolder:
            let first = Self.reservation("first", expiresAt: 1_000)
            #expect(try await storage.reserveReading(id, first, now: 10) == .taken(nil))
            #expect(try await storage.reserveReading(id, Self.reservation("second", expiresAt: 2_000), now: 20) == .held(first))
            try await storage.release(id, pendingId: "first")
            let record = Self.channel(id, charged: 7, signed: 9)
            try await storage.update(id) { $0 = record }
            #expect(try await storage.reserveReading(id, Self.reservation("third", expiresAt: 3_000), now: 30) == .taken(record))
            #expect(try await storage.reservation(id, now: 30)?.pendingId == "third")
        case .lapsedReservationIsReplaceable:
            _ = try await storage.reserve(id, Self.reservation("first", expiresAt: 1_000), now: 0)
            #expect(try await storage.reservation(id, now: 1_000) == nil)
            let second = Self.reservation("second", expiresAt: 2_000)
            #expect(try await storage.reserve(id, second, now: 1_000) == nil)
            #expect(try await storage.reservation(id, now: 1_500) == second)
        case .releaseOnlyByTheHolder:
            let held = Self.reservation("holder", expiresAt: 1_000)
            _ = try await storage.reserve(id, held, now: 0)
            try await storage.release(id, pendingId: "someone-else")
            #expect(try await storage.reservation(id, now: 0) == held)
            try await storage.release(id, pendingId: "holder")
            #expect(try await storage.reservation(id, now: 0) == nil)
            #expect(try await storage.reserve(id, Self.reservation("next", expiresAt: 1_000), now: 0) == nil)
        case .commitAppliesAndDropsTheReservation:
            try await storage.update(id) { $0 = Self.channel(id, charged: 10) }
            _ = try await storage.reserve(id, Self.reservation("p1", expiresAt: 1_000), now: 0)
            let charged = try await storage.commit(id, pendingId: "p1", now: 999) { record -> UInt128 in
                record?.chargedCumulativeAmount += 5
                record?.signedMaxClaimable = 20
                return record?.chargedCumulativeAmount ?? 0
            }
            #expect(charged == 15)
            #expect(try await storage.channel(id) == Self.channel(id, charged: 15, signed: 20))
            #expect(try await storage.reservation(id, now: 999) == nil)
            // Creating the record in a commit works too.
            _ = try await storage.reserve(other, Self.reservation("p2", expiresAt: 1_000), now: 0)
            try await storage.commit(other, pendingId: "p2", now: 0) { $0 = Self.channel(other, charged: 1) }
            #expect(try await storage.channel(other) == Self.channel(other, charged: 1))
        case .commitWithAWrongPendingIdChangesNothing:
            try await storage.update(id) { $0 = Self.channel(id, charged: 10) }
            let held = Self.reservation("p1", expiresAt: 1_000)
            _ = try await storage.reserve(id, held, now: 0)
            try await Self.expectReservationLost {
                try await storage.commit(id, pendingId: "p2", now: 0) { $0?.chargedCumulativeAmount += 1 }
            }
            try await Self.expectReservationLost {
                try await storage.commit(other, pendingId: "p1", now: 0) { $0 = Self.channel(other) }
            }
            #expect(try await storage.channel(id) == Self.channel(id, charged: 10))
            #expect(try await storage.channel(other) == nil)
            #expect(try await storage.reservation(id, now: 0) == held)
            // A throwing body in a commit writes nothing and keeps the reservation.
            await #expect(throws: BodyFailure.self) {
                try await storage.commit(id, pendingId: "p1", now: 0) { record in
                    record?.chargedCumulativeAmount += 1
                    throw BodyFailure()
                }
            }
            #expect(try await storage.channel(id) == Self.channel(id, charged: 10))
            #expect(try await storage.reservation(id, now: 0) == held)
        case .commitOfALapsedReservationChangesNothing:
            try await storage.update(id) { $0 = Self.channel(id, charged: 10) }
            _ = try await storage.reserve(id, Self.reservation("p1", expiresAt: 1_000), now: 0)
            try await Self.expectReservationLost {
                try await storage.commit(id, pendingId: "p1", now: 1_000) { $0?.chargedCumulativeAmount += 1 }
            }
            #expect(try await storage.channel(id) == Self.channel(id, charged: 10))
            // Taken over by another request once lapsed: the first still cannot commit.
            _ = try await storage.reserve(id, Self.reservation("p2", expiresAt: 3_000), now: 2_000)
            try await Self.expectReservationLost {
                try await storage.commit(id, pendingId: "p1", now: 2_000) { $0?.chargedCumulativeAmount += 1 }
            }
            #expect(try await storage.channel(id) == Self.channel(id, charged: 10))
        case .channelsListsEveryRecord:
            let ids = (1...20).map { Self.channelId($0) }
            for (index, channelId) in ids.enumerated() {
                try await storage.update(channelId) { $0 = Self.channel(channelId, charged: UInt128(index)) }
            }
            try await storage.update(ids[3]) { $0 = nil }
            let listed = try await storage.channels()
            #expect(listed.count == 19)
            #expect(Set(listed.map(\.channelId)) == Set(ids).subtracting([ids[3]]))
            #expect(listed.first { $0.channelId == ids[7] } == Self.channel(ids[7], charged: 7))
        case .managerStateSetGetRemove:
            #expect(try await storage.managerState("settle") == nil)
            let value: JSONObject = ["pending": true, "channels": ["0x01", "0x02"], "amount": "123"]
            try await storage.setManagerState("settle", value)
            try await storage.setManagerState("other", ["n": 1])
            #expect(try await storage.managerState("settle") == value)
            try await storage.setManagerState("settle", ["pending": false])
            #expect(try await storage.managerState("settle") == ["pending": false])
            try await storage.setManagerState("settle", nil)
            #expect(try await storage.managerState("settle") == nil)
            #expect(try await storage.managerState("other") == ["n": 1])
        case .largeValuesRoundTripExactly:
            let large = Self.largeChannel(id)
            try await storage.update(id) { $0 = large }
            #expect(try await storage.channel(id) == large)
            let reservation = ChannelReservation(pendingId: "max", signedMaxClaimable: .max, expiresAt: UInt64.max - 1)
            #expect(try await storage.reserve(id, reservation, now: 0) == nil)
            #expect(try await storage.reservation(id, now: 0) == reservation)
            try await storage.commit(id, pendingId: "max", now: UInt64.max - 2) { $0?.totalClaimed = .max - 1 }
            var expected = large
            expected.totalClaimed = .max - 1
            #expect(try await storage.channel(id) == expected)
        }
    }

    // MARK: Fixtures

    /// A channel id made from `n`.
    public static func channelId(_ n: UInt64) -> Bytes32 { Bytes32(0xC4A7, 0, n >> 32, n) }

    /// A config with distinct addresses.
    public static let config = ChannelConfig(
        payer: Address(word: Bytes32(0, 0, 0, 0x1111)), payerAuthorizer: .zero,
        receiver: Address(word: Bytes32(0, 0, 0, 0x2222)), receiverAuthorizer: Address(word: Bytes32(0, 0, 0, 0x3333)),
        token: Address(word: Bytes32(0, 0, 0, 0x4444)), withdrawDelay: 86_400, salt: Bytes32(1, 2, 3, 4))

    /// A record of `id`.
    public static func channel(_ id: Bytes32, charged: UInt128 = 0, signed: UInt128 = 0) -> SellerChannel {
        SellerChannel(channelId: id, config: config, chargedCumulativeAmount: charged, signedMaxClaimable: signed,
                      signature: [0xAB, 0xCD], balance: 1_000_000, lastRequestTimestamp: 1_700_000_000_000)
    }

    /// A record whose every field is at (or near) its largest value.
    public static func largeChannel(_ id: Bytes32) -> SellerChannel {
        SellerChannel(
            channelId: id,
            config: ChannelConfig(payer: Address(word: Bytes32(0, UInt64.max, .max, .max)), payerAuthorizer: .zero,
                                  receiver: Address(word: Bytes32(0, 1, 2, 3)), receiverAuthorizer: Address(word: Bytes32(0, 4, 5, 6)),
                                  token: Address(word: Bytes32(0, 7, 8, 9)), withdrawDelay: (1 << 40) - 1,
                                  salt: Bytes32(.max, .max, .max, .max)),
            chargedCumulativeAmount: .max, signedMaxClaimable: .max, signature: Array(repeating: 0xFF, count: 65),
            balance: .max, totalClaimed: .max, withdrawRequestedAt: .max, refundNonce: .max,
            onchainSyncedAt: .max, lastRequestTimestamp: .max)
    }

    /// A reservation held by `pendingId`.
    public static func reservation(_ pendingId: String, expiresAt: UInt64) -> ChannelReservation {
        ChannelReservation(pendingId: pendingId, signedMaxClaimable: 100, expiresAt: expiresAt)
    }

    /// Increments `chargedCumulativeAmount` of `id` `times` times from as many tasks, spread over `storages`
    /// (creating the record on first use).
    public static func incrementConcurrently(_ storages: [any ChannelStorage], _ id: Bytes32, times: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<times {
                let storage = storages[i % storages.count]
                group.addTask {
                    try await storage.update(id) { record in
                        var current = record ?? Self.channel(id)
                        current.chargedCumulativeAmount += 1
                        record = current
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Expects `body` to throw ``ChannelStorageError`` of kind `reservationLost`.
    public static func expectReservationLost(_ body: () async throws -> Void,
                                             sourceLocation: SourceLocation = #_sourceLocation) async throws {
        do {
            try await body()
            Issue.record("expected reservationLost, nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as ChannelStorageError {
            #expect(error.kind == .reservationLost, "\(error)", sourceLocation: sourceLocation)
        }
    }
}
