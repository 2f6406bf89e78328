import Testing
import X402BatchSettlement
import X402ChannelStorageContract
import X402EVM
import X402Postgres

/// The seller's PostgreSQL storage against a real server (`X402_DATABASE_URL`), in tables of a fresh prefix per test.
@Suite(.enabled(if: PostgresTestDatabase.url != nil,
                "X402_DATABASE_URL is not set (start a server with: export X402_DATABASE_URL=$(scripts/postgres))"))
struct PostgresChannelStorageTests {
    @Test(arguments: ChannelStorageContract.allCases)
    func contract(_ check: ChannelStorageContract) async throws {
        try await PostgresTestDatabase.withTables { prefix in
            try await PostgresTestDatabase.withClient { client in
                try await check.run { try await PostgresChannelStorage.open(client: client, tablePrefix: prefix) }
            }
        }
    }

    @Test func twoInstancesIncrementingOneChannelConcurrentlyApplyEveryIncrement() async throws {
        try await PostgresTestDatabase.withTables { prefix in
            try await PostgresTestDatabase.withClient { first in
                try await PostgresTestDatabase.withClient { second in
                    // Both open at once: creating the schema concurrently must not fail either.
                    async let openFirst = PostgresChannelStorage.open(client: first, tablePrefix: prefix)
                    async let openSecond = PostgresChannelStorage.open(client: second, tablePrefix: prefix)
                    let storages: [any ChannelStorage] = try await [openFirst, openSecond]
                    let id = ChannelStorageContract.channelId(7)
                    // 50 from each instance, interleaved; the record does not exist before the first.
                    try await ChannelStorageContract.incrementConcurrently(storages, id, times: 100)
                    #expect(try await storages[0].channel(id)?.chargedCumulativeAmount == 100)
                    #expect(try await storages[1].channel(id)?.chargedCumulativeAmount == 100)
                }
            }
        }
    }

    @Test func reservationContentionBetweenInstancesHasExactlyOneHolder() async throws {
        try await PostgresTestDatabase.withTables { prefix in
            try await PostgresTestDatabase.withClient { first in
                try await PostgresTestDatabase.withClient { second in
                    let storages = [
                        try await PostgresChannelStorage.open(client: first, tablePrefix: prefix),
                        try await PostgresChannelStorage.open(client: second, tablePrefix: prefix),
                    ]
                    for round in UInt64(0)..<20 {
                        let id = ChannelStorageContract.channelId(100 + round)
                        let results = try await withThrowingTaskGroup(of: (String, ChannelReservation?).self) { group in
                            for i in 0..<10 {
                                let storage = storages[i % 2]
                                let mine = ChannelStorageContract.reservation("r\(round)-\(i)", expiresAt: 1_000)
                                group.addTask { (mine.pendingId, try await storage.reserve(id, mine, now: 0)) }
                            }
                            return try await group.reduce(into: [(String, ChannelReservation?)]()) { $0.append($1) }
                        }
                        let winners = results.filter { $0.1 == nil }.map(\.0)
                        try #require(winners.count == 1, "round \(round): \(results)")
                        // Everyone else was told who holds it, and the store agrees.
                        #expect(results.allSatisfy { $0.1 == nil || $0.1?.pendingId == winners[0] })
                        #expect(try await storages[round % 2 == 0 ? 1 : 0].reservation(id, now: 0)?.pendingId == winners[0])
                        // The loser cannot commit; the winner can.
                        let loser = results.first { $0.1 != nil }!.0
                        try await ChannelStorageContract.expectReservationLost {
                            try await storages[0].commit(id, pendingId: loser, now: 1) { $0 = ChannelStorageContract.channel(id) }
                        }
                        try await storages[1].commit(id, pendingId: winners[0], now: 1) {
                            $0 = ChannelStorageContract.channel(id, charged: 1)
                        }
                        #expect(try await storages[0].channel(id) == ChannelStorageContract.channel(id, charged: 1))
                    }
                }
            }
        }
    }
}
