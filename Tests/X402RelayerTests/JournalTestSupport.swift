#if canImport(Glibc)
import Glibc
#endif
import Foundation
import X402EVM
import X402EVMRelayer
import X402JournalContract

/// A fresh directory under the temporary directory, removed on deinit.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        let base = NSTemporaryDirectory()
        var template = Array(((base.hasSuffix("/") ? base : base + "/") + "x402-journal-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The journal's log file.
    var log: String { path + "/journal.log" }

    /// The log's bytes.
    func logBytes() throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: log))) }

    /// Replaces the log's bytes.
    func writeLog(_ bytes: [UInt8]) throws { try Self.write(bytes, to: log) }

    /// Writes `bytes` to the file at `path`.
    static func write(_ bytes: [UInt8], to path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    /// The log's complete lines, without their newlines.
    func logLines() throws -> [ArraySlice<UInt8>] {
        Array(try logBytes().split(separator: 0x0A, omittingEmptySubsequences: false).dropLast())
    }
}

/// What a journal answers about the fixtures' senders and keys, without changing it: equal snapshots of two
/// journals mean the same entries, unfinished list and nonce gaps.
struct JournalSnapshot: Equatable {
    var entries: [String: JournalEntry] = [:]
    var unfinished: [String] = []
    var released: [Int] = []

    init(_ journal: any TransactionJournal, keys: [String] = JournalSnapshot.fixtureKeys) async throws {
        for key in keys { entries[key] = try await journal.entry(key: key) }
        unfinished = try await journal.unfinished(network: nil).map(\.key)
        for (network, relayer) in Self.senders {
            released.append(try await journal.releasedNonceCount(network: network, relayer: relayer))
        }
    }

    static let senders = [
        (JournalContract.network, JournalContract.relayer), (JournalContract.network, JournalContract.otherRelayer),
        (JournalContract.otherNetwork, JournalContract.relayer),
    ]

    static let fixtureKeys = [
        "deposit-1", "claim-1", "claim-2", "settle-1", "a", "b", "late", "early", "tie-first", "tie-second",
        "other-network", "confirmed", "reverted", "rejected", "pending",
    ]
}
