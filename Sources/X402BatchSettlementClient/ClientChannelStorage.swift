import Synchronization
import X402BatchSettlement
import X402EVM
import X402FileLog
import X402JSON

/// Where ``BatchSettlementClientScheme`` keeps its ``ClientChannelRecord``s, keyed by the lowercase channel id.
///
/// The scheme serializes payments per channel (``BatchSettlementClientScheme/serializationKey(for:requestURL:)``),
/// so a storage only needs each call to be atomic.
public protocol ClientChannelStorage: Sendable {
    /// The record stored under `key` (lowercase `0x` channel id), if any.
    func channel(_ key: String) async throws -> ClientChannelRecord?
    /// Stores `record` under ``ClientChannelRecord/key``, replacing any previous one.
    func save(_ record: ClientChannelRecord) async throws
    /// Removes the record under `key` (no error when absent).
    func delete(_ key: String) async throws
    /// Every stored record (for wallets and withdrawals), in no particular order.
    func channels() async throws -> [ClientChannelRecord]
}

/// A ``ClientChannelStorage`` in memory (lost when the process ends).
public final class InMemoryClientChannelStorage: ClientChannelStorage {
    private let records = Mutex<[String: ClientChannelRecord]>([:])

    /// An empty storage.
    public init() {}

    /// The record under `key`.
    public func channel(_ key: String) async throws -> ClientChannelRecord? { records.withLock { $0[key.lowercased()] } }
    /// Stores `record`.
    public func save(_ record: ClientChannelRecord) async throws { records.withLock { $0[record.key] = record } }
    /// Removes the record under `key`.
    public func delete(_ key: String) async throws { _ = records.withLock { $0.removeValue(forKey: key.lowercased()) } }

    /// Every stored record.
    public func channels() async throws -> [ClientChannelRecord] { records.withLock { Array($0.values) } }
    /// Every stored record (for inspection and tests).
    public var all: [ClientChannelRecord] { records.withLock { Array($0.values) } }
}

/// A ``ClientChannelStorage`` on disk that survives restarts: an append-only log of JSON lines
/// (`client-channels.log` in `directory`, via X402FileLog), each line a whole record or a deletion, synced before
/// the call returns and replayed into memory on open. The log is compacted (temporary file, sync, rename) when
/// superseded lines outnumber both `compactionThreshold` and the live records. An exclusive lock keeps a second
/// storage (in this or another process) out of the directory.
public actor FileClientChannelStorage: ClientChannelStorage {
    /// The data directory.
    public nonisolated let directory: String
    private let executor = DispatchQueueExecutor(label: "x402.buyer.channels")
    private let compactionThreshold: Int
    private var records: [String: ClientChannelRecord] = [:]
    private var log: AppendOnlyLog?

    /// Runs on a thread of its own: writes block on `fsync`.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private static let header: JSONValue = ["x402": "buyer-channels", "version": 1]

    /// Opens (or creates) the storage in `directory`, replaying its log.
    public init(directory: String, compactionThreshold: Int = 1_000) throws(BatchSettlementClientError) {
        self.directory = directory
        self.compactionThreshold = compactionThreshold
        let opened: (log: AppendOnlyLog, lines: [ArraySlice<UInt8>], tornBytes: Int)
        do { opened = try AppendOnlyLog.open(directory: directory, name: "client-channels") } catch {
            throw .storage("cannot open \(directory): \(error)")
        }
        var records: [String: ClientChannelRecord] = [:]
        for (index, line) in opened.lines.enumerated() {
            let where_ = "\(opened.log.logPath) line \(index + 1)"
            let value: JSONValue
            do { value = try JSONParser.parse(line) } catch { throw .storage("\(where_) is not JSON") }
            if index == 0 {
                guard value == Self.header else { throw .storage("\(opened.log.logPath) is not a version 1 buyer channel log") }
                continue
            }
            do {
                let f = try JSONFields(value, "a buyer channel log line")
                if let deleted = try f.optionalString("delete") {
                    records[deleted.lowercased()] = nil
                } else {
                    guard let recordValue = f.object["record"] else { throw JSONValueError("record: missing") }
                    let record = try ClientChannelRecord(jsonValue: recordValue)
                    records[record.key] = record
                }
            } catch {
                throw .storage("\(where_) is not a record: \(error)")
            }
        }
        do {
            if opened.lines.isEmpty { try opened.log.append(Self.line(Self.header)) }
            let superseded = opened.log.lineCount - 1 - records.count
            if superseded > 0 && superseded >= max(compactionThreshold, records.count) {
                try opened.log.rewrite(Self.snapshot(records))
            }
        } catch {
            throw .storage("cannot write \(opened.log.logPath): \(error)")
        }
        self.records = records
        self.log = opened.log
    }

    /// Closes the log and releases the directory; later writes throw.
    public func close() {
        log?.close()
        log = nil
    }

    /// The record under `key`.
    public func channel(_ key: String) async throws -> ClientChannelRecord? { records[key.lowercased()] }

    /// Appends `record` (synced) and keeps it.
    public func save(_ record: ClientChannelRecord) async throws {
        var next = records
        next[record.key] = record
        try write(.object(["record": record.jsonValue]), next)
        records = next
    }

    /// Appends a deletion of `key` (synced).
    public func delete(_ key: String) async throws {
        let key = key.lowercased()
        guard records[key] != nil else { return }
        var next = records
        next[key] = nil
        try write(.object(["delete": .string(key)]), next)
        records = next
    }

    /// Every stored record.
    public var all: [ClientChannelRecord] { Array(records.values) }

    /// Every stored record.
    public func channels() async throws -> [ClientChannelRecord] { Array(records.values) }

    /// Appends `value`, then compacts to `next` (the state after it) when due.
    private func write(_ value: JSONValue, _ next: [String: ClientChannelRecord]) throws(BatchSettlementClientError) {
        guard let log else { throw .storage("\(directory): storage is closed") }
        do {
            try log.append(Self.line(value))
            let superseded = log.lineCount - 1 - next.count
            if superseded > 0 && superseded >= max(compactionThreshold, next.count) {
                try log.rewrite(Self.snapshot(next))
            }
        } catch {
            self.log = nil
            log.close()
            throw .storage("write to \(log.logPath) failed (reopen the storage): \(error)")
        }
    }

    private static func snapshot(_ records: [String: ClientChannelRecord]) -> [[UInt8]] {
        [line(header)] + records.values.map { line(.object(["record": $0.jsonValue])) }
    }

    private static func line(_ value: JSONValue) -> [UInt8] {
        var bytes = JSONSerializer.serialize(value)
        bytes.append(0x0A)
        return bytes
    }
}
