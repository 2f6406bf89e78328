import Testing
import X402EVMRelayer
import X402JournalContract

/// The shared journal contract on the in-memory and file journals (PostgreSQL: X402PostgresTests).
@Suite struct JournalContractTests {
    @Test(arguments: JournalContract.allCases)
    func inMemory(_ check: JournalContract) async throws {
        try await check.run { InMemoryTransactionJournal() }
    }

    @Test(arguments: JournalContract.allCases)
    func file(_ check: JournalContract) async throws {
        let directory = try TemporaryDirectory()
        let journal = try FileTransactionJournal(directory: directory.path)
        try await check.run { journal }
        // What the check did is also what a reopened journal replays.
        let before = try await JournalSnapshot(journal)
        await journal.close()
        let reopened = try await Self.reopen(directory.path)
        #expect(try await JournalSnapshot(reopened) == before)
        await reopened.close()
    }

    /// Opens the closed journal again. A process another test spawns at that moment holds a copy of the lock's
    /// descriptor between its fork and exec (flock locks follow the descriptor), so `locked` is retried briefly.
    static func reopen(_ path: String) async throws -> FileTransactionJournal {
        for _ in 0..<50 {
            do {
                return try FileTransactionJournal(directory: path)
            } catch .locked {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        return try FileTransactionJournal(directory: path)
    }
}
