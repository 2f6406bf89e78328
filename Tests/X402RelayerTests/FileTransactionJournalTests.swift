import Logging
import Testing
import X402EVM
import X402EVMRelayer
import X402JournalContract

/// The file journal's durability: reopening, torn and corrupt logs, the directory lock, compaction.
@Suite struct FileTransactionJournalTests {
    let network = JournalContract.network
    let relayer = JournalContract.relayer

    /// Nonces, gaps and entries in every state, as a facilitator leaves them.
    private func populate(_ journal: FileTransactionJournal) async throws {
        for expected in UInt64(0)..<5 {
            #expect(try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == expected)
        }
        try await journal.releaseNonce(network: network, relayer: relayer, nonce: 2)
        _ = try await journal.insert(JournalContract.entry("deposit-1", nonce: 0, createdAt: 100, context: ["amount": "900"]))
        _ = try await journal.insert(JournalContract.entry("claim-1", nonce: 1, createdAt: 200))
        _ = try await journal.insert(JournalContract.entry("settle-1", nonce: 3, createdAt: 300))
        try await journal.update(key: "deposit-1", JournalUpdate(status: .confirmed, blockNumber: 9,
                                                                 blockHash: JournalContract.hash(0xB9), gasUsed: 70_000,
                                                                 outcome: ["success": true]))
        try await journal.update(key: "claim-1", JournalUpdate(status: .pending))
    }

    @Test func reopenKeepsEverythingAndNeverReusesANonce() async throws {
        let directory = try TemporaryDirectory()
        let journal = try FileTransactionJournal(directory: directory.path)
        try await populate(journal)
        let before = try await JournalSnapshot(journal)
        await journal.close()

        let reopened = try FileTransactionJournal(directory: directory.path)
        #expect(try await JournalSnapshot(reopened) == before)
        #expect(try await reopened.entry(key: "deposit-1")?.blockNumber == 9)
        #expect(try await reopened.entry(hash: JournalContract.hash(3))?.key == "settle-1")
        #expect(try await reopened.unfinished(network: nil).map(\.key) == ["claim-1", "settle-1"])
        // The released nonce first, then past everything handed out before the restart.
        #expect(try await reopened.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 2)
        #expect(try await reopened.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 5)
        #expect(try await reopened.insert(JournalContract.entry("deposit-1", nonce: 7, createdAt: 1)) != .inserted)
        await reopened.close()

        let third = try FileTransactionJournal(directory: directory.path)
        #expect(try await third.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 6)
        await third.close()
    }

    @Test func tornLastLineIsDroppedAndTheJournalOpens() async throws {
        let directory = try TemporaryDirectory()
        let journal = try FileTransactionJournal(directory: directory.path)
        try await populate(journal)
        let before = try await JournalSnapshot(journal)
        await journal.close()
        let intact = try directory.logBytes()
        try directory.writeLog(intact + Array(#"{"t":"entry","key":"half-writ"#.utf8))

        let reopened = try FileTransactionJournal(directory: directory.path)
        #expect(try await JournalSnapshot(reopened) == before)
        #expect(try directory.logBytes() == intact)  // cut off on disk, so the next record starts on a fresh line
        #expect(try await reopened.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 2)
        await reopened.close()
        let again = try FileTransactionJournal(directory: directory.path)
        #expect(try await again.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 5)
        await again.close()
    }

    /// A crash can stop the last write after any byte: every prefix opens, with the record whole or absent.
    @Test func everyPrefixOfTheLastRecordOpensWithTheRecordWholeOrAbsent() async throws {
        let directory = try TemporaryDirectory()
        let journal = try FileTransactionJournal(directory: directory.path)
        try await populate(journal)
        let beforeSnapshot = try await JournalSnapshot(journal)
        let start = try directory.logBytes().count
        let last = JournalContract.entry("last", nonce: 4, createdAt: 400, raw: Array(repeating: 0xEE, count: 64),
                                         context: ["note": "caf\u{e9} \u{1F600}", "n": 1])
        #expect(try await journal.insert(last) == .inserted)
        await journal.close()
        let full = try directory.logBytes()
        #expect(full.count > start + 100)

        for cut in start...full.count {
            let copy = try TemporaryDirectory()
            try copy.writeLog(Array(full[..<cut]))
            let reopened = try FileTransactionJournal(directory: copy.path, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            let found = try await reopened.entry(key: "last")
            // Only the whole line, newline included, is a record: its write returned only after the newline.
            #expect(found == (cut == full.count ? last : nil), "cut at byte \(cut)")
            if cut < full.count { #expect(try await JournalSnapshot(reopened) == beforeSnapshot, "cut at byte \(cut)") }
            #expect(try await reopened.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 2)
            await reopened.close()
            #expect(try copy.logBytes() == Array(full[..<(cut == full.count ? full.count : start)]) + allocationLine(),
                    "cut at byte \(cut)")
        }
    }

    private func allocationLine() -> [UInt8] {
        Array(#"{"t":"alloc","network":"eip155:84532","relayer":"0x1111111111111111111111111111111111111111","chainNonce":0,"nonce":2}"#.utf8) + [0x0A]
    }

    @Test(arguments: [
        (2, #"{"t":"alloc","network":"eip155:84532","relayer":"0x11","chainNonce":0,"nonce":0}"#),
        (3, #"{"t":"alloc","network":"eip155:84532""#),
        (4, #"{"t":"teleport"}"#),
        (5, #"{"t":"entry","key":"x"}"#),
        (1, #"{"t":"journal","version":2}"#),
    ])
    func corruptCompleteLineIsAnError(line: Int, text: String) async throws {
        let directory = try TemporaryDirectory()
        let journal = try FileTransactionJournal(directory: directory.path)
        try await populate(journal)
        await journal.close()
        var lines = try directory.logLines()
        lines[line - 1] = ArraySlice(text.utf8)
        try directory.writeLog(Array(lines.joined(separator: [0x0A])) + [0x0A])
        let damaged = try directory.logBytes()

        #expect {
            _ = try FileTransactionJournal(directory: directory.path)
        } throws: { error in
            guard case JournalError.corruptRecord(let path, let reported, _) = error else { return false }
            return reported == line && path == directory.log
        }
        #expect(try directory.logBytes() == damaged)  // nothing repaired or lost behind the operator's back
    }

    @Test func corruptLastCompleteLineIsAnErrorNotATornWrite() async throws {
        let directory = try TemporaryDirectory()
        let journal = try FileTransactionJournal(directory: directory.path)
        try await populate(journal)
        await journal.close()
        try directory.writeLog(try directory.logBytes() + Array("{\"t\":\"alloc\",\u{0}\n".utf8))
        #expect(throws: JournalError.self) { _ = try FileTransactionJournal(directory: directory.path) }
    }

    @Test func secondOpenOfTheSameDirectoryFailsWhileTheFirstIsOpen() async throws {
        let directory = try TemporaryDirectory()
        let first = try FileTransactionJournal(directory: directory.path)
        #expect {
            _ = try FileTransactionJournal(directory: directory.path)
        } throws: { error in
            guard case JournalError.locked(let path) = error else { return false }
            return path == directory.path
        }
        #expect(try await first.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 0)
        await first.close()
        let second = try FileTransactionJournal(directory: directory.path)
        #expect(try await second.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 1)
        await second.close()
    }

    @Test func closedJournalRefusesEveryCall() async throws {
        let directory = try TemporaryDirectory()
        let journal = try FileTransactionJournal(directory: directory.path)
        await journal.close()
        await #expect {
            _ = try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0)
        } throws: { error in
            guard case JournalError.closed = error else { return false }
            return true
        }
        await #expect(throws: JournalError.self) { _ = try await journal.entry(key: "x") }
    }

    @Test func journalCreatesItsDirectory() async throws {
        let parent = try TemporaryDirectory()
        let journal = try FileTransactionJournal(directory: parent.path + "/a/b/journal")
        #expect(try await journal.insert(JournalContract.entry("k", nonce: 1, createdAt: 1)) == .inserted)
        await journal.close()
        #expect(try await FileTransactionJournal(directory: parent.path + "/a/b/journal").entry(key: "k") != nil)
    }

    @Test func compactionKeepsTheSameState() async throws {
        let directory = try TemporaryDirectory()
        let journal = try FileTransactionJournal(directory: directory.path)
        try await populate(journal)
        for i in UInt64(0)..<40 {
            let nonce = try await journal.allocateNonce(network: network, relayer: relayer, chainNonce: 0)
            _ = try await journal.insert(JournalContract.entry("op-\(i)", nonce: nonce, createdAt: 1_000 + i))
            try await journal.update(key: "op-\(i)", JournalUpdate(status: .pending))
            if i % 2 == 0 { try await journal.update(key: "op-\(i)", JournalUpdate(status: .confirmed, blockNumber: i)) }
        }
        _ = try await journal.allocateNonce(network: network, relayer: JournalContract.otherRelayer, chainNonce: 3)
        try await journal.releaseNonce(network: network, relayer: relayer, nonce: 10)
        let keys = JournalSnapshot.fixtureKeys + (0..<40).map { "op-\($0)" }
        let before = try await JournalSnapshot(journal, keys: keys)
        await journal.close()
        let logBefore = try directory.logLines().count

        // Below the threshold: the log is left alone.
        try await FileTransactionJournal(directory: directory.path, compactionThreshold: 1_000).close()
        #expect(try directory.logLines().count == logBefore)

        let compacted = try FileTransactionJournal(directory: directory.path, compactionThreshold: 10)
        // The header, one line per sender (2), one per entry (3 + 40).
        #expect(try directory.logLines().count == 1 + 2 + 43)
        #expect(try await JournalSnapshot(compacted, keys: keys) == before)
        #expect(try await compacted.unfinished(network: nil).map(\.key).first == "claim-1")
        // populate left 2 released, which op-0 took; ops used 5...43; 10 was released after.
        #expect(try await compacted.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 10)
        #expect(try await compacted.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 44)
        #expect(try await compacted.allocateNonce(network: network, relayer: JournalContract.otherRelayer, chainNonce: 0) == 4)
        let after = try await JournalSnapshot(compacted, keys: keys)
        await compacted.close()

        // A compacted log takes appends and replays like any other.
        let reopened = try FileTransactionJournal(directory: directory.path, compactionThreshold: 10)
        #expect(try directory.logLines().count == 1 + 2 + 43 + 3)
        #expect(try await JournalSnapshot(reopened, keys: keys) == after)
        #expect(try await reopened.allocateNonce(network: network, relayer: relayer, chainNonce: 0) == 45)
        await reopened.close()
    }

    @Test func leftoverCompactionFileIsIgnored() async throws {
        let directory = try TemporaryDirectory()
        let journal = try FileTransactionJournal(directory: directory.path)
        try await populate(journal)
        let before = try await JournalSnapshot(journal)
        await journal.close()
        // A crash during compaction, before the rename: the old log is the journal.
        try TemporaryDirectory.write(Array("{\"t\":\"journal\",\"version\":1}\n{\"t\":\"entr".utf8),
                                     to: directory.path + "/journal.log.compact")
        let reopened = try FileTransactionJournal(directory: directory.path)
        #expect(try await JournalSnapshot(reopened) == before)
        await reopened.close()
    }
}
