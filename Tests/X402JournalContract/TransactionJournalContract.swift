import Testing
import X402EVM
import X402EVMRelayer
import X402JSON

/// The behaviour every ``TransactionJournal`` shares, checked the same way against each implementation:
/// `@Test(arguments: JournalContract.allCases) func contract(_ check: JournalContract) async throws {
/// try await check.run(on: makeJournal) }`.
public enum JournalContract: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case nonceStartsAtChainNonceAndIncrements
    case nonceFollowsAHigherChainNonceAndNeverGoesBack
    case releasedNoncesComeBackLowestFirst
    case releasedNoncesBelowChainNonceAreDiscarded
    case releaseOfANonceNeverHandedOutIsIgnored
    case sendersAreIndependent
    case insertTwiceReturnsTheFirstEntry
    case sameHashUnderAnotherKeyIsRefused
    case updateSetsFieldsAndUpdatedAt
    case lookupsByKeyAndHash
    case unfinishedIsSignedAndPendingOldestFirst
    case concurrentAllocationsAreDistinctAndConsecutive
    case entriesOfANonceAreEveryAttemptOldestFirst

    public var testDescription: String { rawValue }

    /// Runs this check on a fresh journal from `make`.
    public func run(on make: () async throws -> any TransactionJournal) async throws {
        let journal = try await make()
        let (network, otherNetwork, relayer, otherRelayer) = (Self.network, Self.otherNetwork, Self.relayer, Self.otherRelayer)
        switch self {
        case .nonceStartsAtChainNonceAndIncrements:
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 7) == 7)
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 7) == 8)
            // The node's pending count lags behind what was handed out: the journal's counter wins.
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 9)
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 8) == 10)
        case .nonceFollowsAHigherChainNonceAndNeverGoesBack:
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 0)
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 100) == 100)
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 5) == 101)
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 101) == 102)
        case .releasedNoncesComeBackLowestFirst:
            for expected in UInt64(0)..<5 {
                #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == expected)
            }
            try await journal.releaseNonce(network: network, relayer: relayer, nonce: 3)
            try await journal.releaseNonce(network: network, relayer: relayer, nonce: 1)
            try await journal.releaseNonce(network: network, relayer: relayer, nonce: 3)  // twice: still one gap
            #expect(try await journal.releasedNonceCount(network: network, relayer: relayer) == 2)
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 1)
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 3)
            #expect(try await journal.releasedNonceCount(network: network, relayer: relayer) == 0)
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 5)
        case .releasedNoncesBelowChainNonceAreDiscarded:
            for _ in 0..<6 { _ = try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0) }
            for nonce: UInt64 in [1, 2, 4] { try await journal.releaseNonce(network: network, relayer: relayer, nonce: nonce) }
            // The node counts 3 pending: 1 and 2 were used by another sender of the key; 4 is still free.
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 3) == 4)
            #expect(try await journal.releasedNonceCount(network: network, relayer: relayer) == 0)
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 3) == 6)
        case .releaseOfANonceNeverHandedOutIsIgnored:
            // Releasing a nonce the counter has not reached would hand it out twice.
            try await journal.releaseNonce(network: network, relayer: relayer, nonce: 0)
            #expect(try await journal.releasedNonceCount(network: network, relayer: relayer) == 0)
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 0)
            try await journal.releaseNonce(network: network, relayer: relayer, nonce: 5)
            #expect(try await journal.releasedNonceCount(network: network, relayer: relayer) == 0)
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 1)
        case .sendersAreIndependent:
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 10) == 10)
            #expect(try await journal.allocateNonce(network: network, relayer: otherRelayer, chainNonce: 0) == 0)
            #expect(try await journal.allocateNonce(network: otherNetwork, relayer: relayer, chainNonce: 0) == 0)
            try await journal.releaseNonce(network: network, relayer: relayer, nonce: 10)
            #expect(try await journal.releasedNonceCount(network: otherNetwork, relayer: relayer) == 0)
            #expect(try await journal.allocateNonce(network: otherNetwork, relayer: relayer, chainNonce: 0) == 1)
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 10)
        case .insertTwiceReturnsTheFirstEntry:
            let first = Self.entry("deposit-1", nonce: 4, createdAt: 1_000, context: ["amount": "900", "channel": "0xab"])
            #expect(try await journal.insert(first) == .inserted)
            var second = Self.entry("deposit-1", nonce: 5, createdAt: 2_000)
            second.hash = Self.hash(99)
            #expect(try await journal.insert(second) == .existing(first))
            #expect(try await journal.entry(key: "deposit-1") == first)
            #expect(try await journal.entry(hash: second.hash) == nil)
        case .sameHashUnderAnotherKeyIsRefused:
            let first = Self.entry("claim-1", nonce: 1, createdAt: 1_000)
            #expect(try await journal.insert(first) == .inserted)
            var other = Self.entry("claim-2", nonce: 2, createdAt: 1_001)
            other.hash = first.hash
            await #expect {
                _ = try await journal.insert(other)
            } throws: { error in
                guard case JournalError.duplicateHash(let hash, let existingKey) = error else { return false }
                return hash == first.hash && existingKey == "claim-1"
            }
            #expect(try await journal.entry(key: "claim-2") == nil)
        case .updateSetsFieldsAndUpdatedAt:
            let original = Self.entry("settle-1", nonce: 3, createdAt: 1_000, context: ["pre": 1])
            _ = try await journal.insert(original)
            let pending = try #require(try await journal.update(key: "settle-1", JournalUpdate(status: .pending)))
            #expect(pending.status == .pending)
            #expect(pending.updatedAt > original.updatedAt)
            #expect(pending.blockNumber == nil && pending.outcome == nil && pending.context == original.context)
            let outcome: JSONObject = ["success": true, "transaction": .string(Self.hash(3).hex), "amount": "18446744073709551616"]
            let blockHash = Self.hash(0xB0)
            let confirmed = try #require(try await journal.update(key: "settle-1", JournalUpdate(
                status: .confirmed, blockNumber: 12, blockHash: blockHash, gasUsed: 51_000, outcome: outcome)))
            #expect(confirmed.status == .confirmed && confirmed.blockNumber == 12 && confirmed.blockHash == blockHash)
            #expect(confirmed.gasUsed == 51_000 && confirmed.outcome == outcome)
            #expect(confirmed.updatedAt >= pending.updatedAt)
            // Fields left nil stay as they are.
            let again = try #require(try await journal.update(key: "settle-1", JournalUpdate(status: .confirmed)))
            #expect(again.blockNumber == 12 && again.blockHash == blockHash && again.gasUsed == 51_000 && again.outcome == outcome)
            #expect(again.key == original.key && again.raw == original.raw && again.nonce == original.nonce)
            #expect(again.createdAt == original.createdAt)
            #expect(try await journal.entry(key: "settle-1") == again)
            #expect(try await journal.update(key: "nobody", JournalUpdate(status: .confirmed)) == nil)
        case .lookupsByKeyAndHash:
            let a = Self.entry("a", nonce: 1, createdAt: 10, raw: Array(0...255))
            let b = Self.entry("b", nonce: 2, createdAt: 11, network: otherNetwork)
            _ = try await journal.insert(a)
            _ = try await journal.insert(b)
            #expect(try await journal.entry(key: "a") == a)
            #expect(try await journal.entry(key: "b") == b)
            #expect(try await journal.entry(hash: a.hash) == a)
            #expect(try await journal.entry(hash: b.hash) == b)
            #expect(try await journal.entry(key: "c") == nil)
            #expect(try await journal.entry(hash: Self.hash(0xFFFF)) == nil)
        case .unfinishedIsSignedAndPendingOldestFirst:
            let entries = [
                Self.entry("late", nonce: 1, createdAt: 300),
                Self.entry("early", nonce: 2, createdAt: 100),
                Self.entry("tie-first", nonce: 3, createdAt: 200),
                Self.entry("tie-second", nonce: 4, createdAt: 200),
                Self.entry("other-network", nonce: 5, createdAt: 50, network: otherNetwork),
                Self.entry("confirmed", nonce: 6, createdAt: 10),
                Self.entry("reverted", nonce: 7, createdAt: 11),
                Self.entry("rejected", nonce: 8, createdAt: 12),
                Self.entry("pending", nonce: 9, createdAt: 150),
            ]
            for entry in entries { _ = try await journal.insert(entry) }
            try await journal.update(key: "confirmed", JournalUpdate(status: .confirmed))
            try await journal.update(key: "reverted", JournalUpdate(status: .reverted))
            try await journal.update(key: "rejected", JournalUpdate(status: .rejected))
            try await journal.update(key: "pending", JournalUpdate(status: .pending))
            let all = try await journal.unfinished(network: nil).map(\.key)
            #expect(all == ["other-network", "early", "pending", "tie-first", "tie-second", "late"])
            let one = try await journal.unfinished(network: network).map(\.key)
            #expect(one == ["early", "pending", "tie-first", "tie-second", "late"])
            #expect(try await journal.unfinished(network: "eip155:1").isEmpty)
        case .concurrentAllocationsAreDistinctAndConsecutive:
            let nonces = try await withThrowingTaskGroup(of: UInt64.self) { group in
                for _ in 0..<200 {
                    group.addTask { try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 40) }
                }
                return try await group.reduce(into: [UInt64]()) { $0.append($1) }
            }
            #expect(nonces.sorted() == Array(40..<240))
        case .entriesOfANonceAreEveryAttemptOldestFirst:
            func attempt(_ key: String, nonce: UInt64, seed: UInt64, createdAt: UInt64, network: String = network,
                         relayer: Address = relayer) -> JournalEntry {
                JournalEntry(key: key, network: network, relayer: relayer, nonce: nonce, hash: Self.hash(seed), raw: [0x02, UInt8(seed)],
                             purpose: "deposit", context: [:], createdAt: createdAt)
            }
            let entries = [
                attempt("second", nonce: 3, seed: 1, createdAt: 200), attempt("first", nonce: 3, seed: 2, createdAt: 100),
                attempt("third", nonce: 3, seed: 3, createdAt: 200), attempt("next nonce", nonce: 4, seed: 4, createdAt: 50),
                attempt("other network", nonce: 3, seed: 5, createdAt: 10, network: otherNetwork),
                attempt("other relayer", nonce: 3, seed: 6, createdAt: 10, relayer: otherRelayer),
            ]
            for entry in entries { _ = try await journal.insert(entry) }
            try await journal.update(key: "first", JournalUpdate(status: .rejected))
            try await journal.update(key: "second", JournalUpdate(status: .confirmed))
            let found = try await journal.entries(network: network, relayer: relayer, nonce: 3)
            #expect(found.map(\.key) == ["first", "second", "third"])
            #expect(found.map(\.status) == [.rejected, .confirmed, .signed])
            #expect(try await journal.entries(network: network, relayer: relayer, nonce: 4).map(\.key) == ["next nonce"])
            #expect(try await journal.entries(network: otherNetwork, relayer: relayer, nonce: 3).map(\.key) == ["other network"])
            #expect(try await journal.entries(network: network, relayer: otherRelayer, nonce: 3).map(\.key) == ["other relayer"])
            #expect(try await journal.entries(network: network, relayer: relayer, nonce: 5).isEmpty)
            #expect(try await journal.entries(network: network, relayer: relayer, nonce: .max).isEmpty)
        }
    }

    // MARK: Fixtures

    /// The network of most checks.
    public static let network = "eip155:84532"
    /// Another network.
    public static let otherNetwork = "eip155:8453"
    /// The relayer of most checks.
    public static let relayer = try! Address(hex: "0x1111111111111111111111111111111111111111")
    /// Another relayer.
    public static let otherRelayer = try! Address(hex: "0x2222222222222222222222222222222222222222")

    /// A distinct hash per `seed`.
    public static func hash(_ seed: UInt64) -> Bytes32 { Bytes32(0xFEED, 0, seed, 0x5EED) }

    /// A `signed` entry whose hash follows from `nonce`.
    public static func entry(_ key: String, nonce: UInt64, createdAt: UInt64, network: String = network,
                             raw: [UInt8] = [0x02, 0xF8, 0x6B, 0x01], context: JSONObject = ["kind": "test"]) -> JournalEntry {
        JournalEntry(key: key, network: network, relayer: relayer, nonce: nonce, hash: hash(nonce), raw: raw,
                     purpose: "deposit", context: context, createdAt: createdAt)
    }
}
