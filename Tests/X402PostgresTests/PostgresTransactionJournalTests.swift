import Foundation
import Logging
import PostgresNIO
import Testing
import X402EVM
import X402EVMRelayer
import X402JournalContract
import X402Postgres

/// The PostgreSQL journal against a real server: `X402_DATABASE_URL` (scripts/test starts one with scripts/postgres).
/// Each test works in tables of its own prefix, dropped at the end.
@Suite(.enabled(if: PostgresTestDatabase.url != nil,
                "X402_DATABASE_URL is not set (start a server with: export X402_DATABASE_URL=$(scripts/postgres))"))
struct PostgresTransactionJournalTests {
    let network = JournalContract.network
    let relayer = JournalContract.relayer

    @Test(arguments: JournalContract.allCases)
    func contract(_ check: JournalContract) async throws {
        try await PostgresTestDatabase.withTables { prefix in
            try await PostgresTestDatabase.withClient { client in
                try await check.run { try await PostgresTransactionJournal.open(client: client, tablePrefix: prefix) }
            }
        }
    }

    @Test func twoInstancesAllocatingConcurrentlyNeverGetTheSameNonce() async throws {
        try await PostgresTestDatabase.withTables { prefix in
            try await PostgresTestDatabase.withClient { first in
                try await PostgresTestDatabase.withClient { second in
                    // Both open at once: creating the schema concurrently must not fail either.
                    async let openFirst = PostgresTransactionJournal.open(client: first, tablePrefix: prefix)
                    async let openSecond = PostgresTransactionJournal.open(client: second, tablePrefix: prefix)
                    let journals = try await [openFirst, openSecond]
                    _ = try await journals[0].allocateNonce(network: network, relayer: relayer, chainNonce: 10)
                    try await journals[1].releaseNonce(network: network, relayer: relayer, nonce: 10)
                    let nonces = try await withThrowingTaskGroup(of: UInt64.self) { group in
                        for i in 0..<200 {
                            let journal = journals[i % 2]
                            group.addTask { try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 10) }
                        }
                        return try await group.reduce(into: [UInt64]()) { $0.append($1) }
                    }
                    // The released 10 once, then 11...209: no nonce twice, no gap.
                    #expect(nonces.sorted() == Array(10..<210))
                }
            }
        }
    }

    @Test func twoInstancesInsertingTheSameKeyInsertOnce() async throws {
        try await PostgresTestDatabase.withTables { prefix in
            try await PostgresTestDatabase.withClient { first in
                try await PostgresTestDatabase.withClient { second in
                    let journals = [
                        try await PostgresTransactionJournal.open(client: first, tablePrefix: prefix),
                        try await PostgresTransactionJournal.open(client: second, tablePrefix: prefix),
                    ]
                    for round in UInt64(0)..<25 {
                        // The same operation, signed by each instance with a nonce (and so a hash) of its own.
                        let candidates = (0..<2).map { i in
                            JournalContract.entry("deposit-\(round)", nonce: round * 2 + UInt64(i), createdAt: round)
                        }
                        let results = try await withThrowingTaskGroup(of: (Int, JournalInsertResult).self) { group in
                            for i in 0..<2 {
                                let (journal, entry) = (journals[i], candidates[i])
                                group.addTask { (i, try await journal.insert(entry)) }
                            }
                            return try await group.reduce(into: [Int: JournalInsertResult]()) { $0[$1.0] = $1.1 }
                        }
                        let winners = results.filter { $0.value == .inserted }.map(\.key)
                        try #require(winners.count == 1, "round \(round): \(results)")
                        let winner = candidates[winners[0]]
                        #expect(results[1 - winners[0]] == .existing(winner))
                        #expect(try await journals[1 - winners[0]].entry(key: winner.key) == winner)
                    }
                }
            }
        }
    }

    @Test func stateOutlivesTheClient() async throws {
        try await PostgresTestDatabase.withTables { prefix in
            let entry = JournalContract.entry("deposit-1", nonce: 3, createdAt: 5, context: ["amount": "900"])
            try await PostgresTestDatabase.withClient { client in
                let journal = try await PostgresTransactionJournal.open(client: client, tablePrefix: prefix)
                for _ in 0..<4 { _ = try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0) }
                try await journal.releaseNonce(network: network, relayer: relayer, nonce: 1)
                #expect(try await journal.insert(entry) == .inserted)
            }
            try await PostgresTestDatabase.withClient { client in
                let journal = try await PostgresTransactionJournal.open(client: client, tablePrefix: prefix)  // schema exists: no-op
                #expect(try await journal.entry(key: "deposit-1") == entry)
                #expect(try await journal.releasedNonceCount(network: network, relayer: relayer) == 1)
                #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 1)
                #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 4)
            }
        }
    }

    @Test func valuesBeyondBigintAreRefusedNotWrapped() async throws {
        try await PostgresTestDatabase.withTables { prefix in
            try await PostgresTestDatabase.withClient { client in
                let journal = try await PostgresTransactionJournal.open(client: client, tablePrefix: prefix)
                await #expect {
                    _ = try await journal.insert(JournalContract.entry("big", nonce: UInt64(Int64.max) + 1, createdAt: 1))
                } throws: { error in
                    guard case JournalError.valueOutOfRange(let field, let value) = error else { return false }
                    return field == "nonce" && value == UInt64(Int64.max) + 1
                }
                // The counter would pass Int64.max: refused, and nothing was handed out.
                await #expect {
                    _ = try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: UInt64(Int64.max))
                } throws: { error in
                    guard case JournalError.nonceOverflow(let errorNetwork, let errorRelayer) = error else { return false }
                    return errorNetwork == network && errorRelayer == relayer
                }
                #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 7) == 7)
            }
        }
    }

    @Test(arguments: ["", "X402_", "1x_", "x402-", "x402_; DROP TABLE users; --", String(repeating: "a", count: 41)])
    func invalidTablePrefixIsRefused(_ prefix: String) async throws {
        try await PostgresTestDatabase.withClient { client in
            await #expect {
                _ = try await PostgresTransactionJournal.open(client: client, tablePrefix: prefix)
            } throws: { error in
                guard case JournalError.invalidTablePrefix(let reported) = error else { return false }
                return reported == prefix
            }
        }
    }

    @Test func unreachableServerIsADatabaseError() async throws {
        let client = PostgresClient(configuration: try PostgresClient.Configuration(url: "postgres://x402@127.0.0.1:1/x402?sslmode=disable"))
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            // The pool retries connecting; the caller gives up (here after a second) and gets the cause.
            let opening = Task { try await PostgresTransactionJournal.open(client: client, tablePrefix: "x402_unreachable_") }
            try? await Task.sleep(for: .seconds(1))
            opening.cancel()
            let result = await opening.result
            #expect {
                _ = try result.get()
            } throws: { error in
                guard case JournalError.database(let operation, _) = error else { return false }
                return operation == "create schema"
            }
            group.cancelAll()
        }
    }
}

/// The server of `X402_DATABASE_URL`.
enum PostgresTestDatabase {
    static let url = ProcessInfo.processInfo.environment["X402_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }

    /// Runs `body` with a running client of its own (one facilitator instance).
    @discardableResult
    static func withClient<T: Sendable>(_ body: (PostgresClient) async throws -> T) async throws -> T {
        let client = PostgresClient(configuration: try PostgresClient.Configuration(url: try #require(url)))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// Runs `body` with a fresh table prefix, dropping its tables after.
    @discardableResult
    static func withTables<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        let prefix = "x402_test_\(String(UInt64.random(in: 0...UInt64.max), radix: 36))_"
        do {
            let result = try await body(prefix)
            try await drop(prefix)
            return result
        } catch {
            try? await drop(prefix)
            throw error
        }
    }

    private static func drop(_ prefix: String) async throws {
        try await withClient { client in
            try await client.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(prefix)journal, \(prefix)nonces, \(prefix)released_nonces, "
                + "\(prefix)channels, \(prefix)reservations, \(prefix)manager_state"))
        }
    }
}
