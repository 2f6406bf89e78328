#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import X402EVM
import X402EVMRelayer
import X402JournalContract

/// A real crash: a second copy of this test binary writes to a journal and is killed with SIGKILL mid-way.
/// Whatever it was told was durable must be there after the reopen, and no nonce may come back.
@Suite struct FileJournalCrashTests {
    /// Set in the writer's environment to the journal directory.
    static let childVariable = "X402_JOURNAL_CRASH_CHILD"
    /// The descriptor the writer reports on: one `key nonce` line per operation whose calls returned.
    static let reportDescriptor: Int32 = 3

    #if os(Linux)
    @Test(.timeLimit(.minutes(2)))
    func sigkillWhileAppendingLosesNothingThatReturned() async throws {
        let directory = try TemporaryDirectory()
        var acknowledged: [String: UInt64] = [:]
        // Several kills at different points: each writer continues the journal the previous one left.
        for (round, count) in [40, 150, 9, 300].enumerated() {
            let reports = try runWriter(directory: directory.path, killAfter: count, round: round)
            for (key, nonce) in reports { acknowledged[key] = nonce }
            let journal = try FileTransactionJournal(directory: directory.path)
            for (key, nonce) in acknowledged {
                let entry = try #require(try await journal.entry(key: key), "\(key) was acknowledged before the kill")
                #expect(entry.nonce == nonce && entry.status == .pending)
            }
            let entries = try await journal.unfinished(network: nil)
            #expect(Set(entries.map(\.nonce)).count == entries.count, "a nonce was handed out twice")
            let next = try await journal.allocateNonce(network: JournalContract.network, relayer: JournalContract.relayer, chainNonce: 0)
            #expect(next > entries.map(\.nonce).max() ?? 0)
            try await journal.releaseNonce(network: JournalContract.network, relayer: JournalContract.relayer, nonce: next)
            await journal.close()
        }
        #expect(acknowledged.count >= 499)
    }

    /// Starts the writer, waits for `killAfter` reports, kills it with SIGKILL and returns every report it sent.
    private func runWriter(directory: String, killAfter: Int, round: Int) throws -> [(String, UInt64)] {
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { throw POSIXError(.EIO) }
        defer { close(pipeFDs[0]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], Self.reportDescriptor)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let arguments = [executable, "--testing-library", "swift-testing", "--filter", "crashWriter"]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childVariable] = directory
        environment["X402_JOURNAL_CRASH_ROUND"] = String(round)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        close(pipeFDs[1])
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }

        var reports: [(String, UInt64)] = []
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var killed = false
        while true {
            if !killed && reports.count >= killAfter {
                // Kill somewhere inside the next operations, not right after a report.
                usleep(UInt32(200 * (round + 1)))
                kill(pid, SIGKILL)
                killed = true
            }
            let n = read(pipeFDs[0], &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            pending += buffer[..<n]
            while let newline = pending.firstIndex(of: 0x0A) {
                let fields = String(decoding: pending[..<newline], as: UTF8.self).split(separator: " ")
                pending.removeSubrange(...newline)
                if fields.count == 2, let nonce = UInt64(fields[1]) { reports.append((String(fields[0]), nonce)) }
            }
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        #expect(killed, "the writer stopped by itself after \(reports.count) reports (status \(status))")
        #expect(status & 0x7F == SIGKILL)
        return reports
    }
    #endif

    /// The writer of the crash test; runs only in the copy that test starts.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[FileJournalCrashTests.childVariable] != nil))
    func crashWriter() async throws {
        let environment = ProcessInfo.processInfo.environment
        let directory = try #require(environment[Self.childVariable])
        let round = environment["X402_JOURNAL_CRASH_ROUND"] ?? "0"
        let journal = try FileTransactionJournal(directory: directory)
        var i = 0
        while true {
            let nonce = try await journal.allocateNonce(network: JournalContract.network, relayer: JournalContract.relayer, chainNonce: 0)
            let key = "op-\(round)-\(i)"
            let entry = JournalContract.entry(key, nonce: nonce, createdAt: UInt64(i), raw: Array(repeating: UInt8(i & 0xFF), count: 200))
            #expect(try await journal.insert(entry) == .inserted)
            try await journal.update(key: key, JournalUpdate(status: .pending))
            let report = Array("\(key) \(nonce)\n".utf8)
            _ = report.withUnsafeBytes { write(Self.reportDescriptor, $0.baseAddress, $0.count) }
            i += 1
        }
    }
}
