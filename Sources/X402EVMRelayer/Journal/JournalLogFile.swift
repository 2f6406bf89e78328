import Logging
import X402FileLog
import X402JSON

/// The file journal's directory: an ``AppendOnlyLog`` named `journal` (`journal.log`, locked through
/// `journal.lock`) whose first line is the header and every other line a ``JournalRecord``.
///
/// Not thread-safe: one ``FileTransactionJournal`` owns it. The descriptors close on deinit.
final class JournalLogFile {
    private let log: AppendOnlyLog

    /// The log's path.
    var logPath: String { log.logPath }
    /// Records in the log, the header not counted.
    var recordCount: Int { max(log.lineCount - 1, 0) }

    private init(log: AppendOnlyLog) { self.log = log }

    /// Locks `directory` (creating it), drops a torn last line, and returns the log and its records.
    ///
    /// A last line without its newline is a write the crash interrupted: its call never returned, so it is cut off.
    /// Any other unreadable line is an error.
    static func open(directory: String, logger: Logger) throws(JournalError) -> (JournalLogFile, [JournalRecord]) {
        let (log, lines, tornBytes) = try io { () throws(AppendOnlyLogError) in try AppendOnlyLog.open(directory: directory, name: "journal") }
        let file = JournalLogFile(log: log)
        if tornBytes > 0 {
            logger.warning("journal: dropped a torn last line (a write interrupted by a crash)",
                           metadata: ["path": "\(log.logPath)", "bytes": "\(tornBytes)"])
        }
        var records: [JournalRecord] = []
        for (index, line) in lines.enumerated() {
            let lineNumber = index + 1
            let value: JSONValue
            do {
                value = try JSONParser.parse(line, limits: JournalRecordCoding.limits)
            } catch {
                throw .corruptRecord(path: log.logPath, line: lineNumber, reason: "\(error)")
            }
            if lineNumber == 1 {
                guard value == JournalRecordCoding.header else {
                    throw .corruptRecord(path: log.logPath, line: 1, reason: "not a version 1 journal header")
                }
            } else {
                do {
                    records.append(try JournalRecordCoding.decode(value))
                } catch {
                    throw .corruptRecord(path: log.logPath, line: lineNumber, reason: error.reason)
                }
            }
        }
        if lines.isEmpty { try file.append(JournalRecordCoding.line(JournalRecordCoding.header)) }
        return (file, records)
    }

    /// Writes `line` (ending with its newline) at the end of the log and waits until it is on stable storage.
    func append(_ line: [UInt8]) throws(JournalError) {
        try Self.io { () throws(AppendOnlyLogError) in try log.append(line) }
    }

    /// Replaces the log by `records` (compaction): a new file, synced, renamed over the log, the directory synced.
    /// A crash before the rename leaves the old log (the half-written copy is removed at the next open).
    func rewrite(_ records: [JournalRecord]) throws(JournalError) {
        let lines = [JournalRecordCoding.line(JournalRecordCoding.header)] + records.lazy.map {
            JournalRecordCoding.line(JournalRecordCoding.encode($0))
        }
        try Self.io { () throws(AppendOnlyLogError) in try log.rewrite(lines) }
    }

    /// Closes the log and releases the lock.
    func close() { log.close() }

    private static func io<T>(_ body: () throws(AppendOnlyLogError) -> T) throws(JournalError) -> T {
        do {
            return try body()
        } catch {
            switch error {
            case .locked(let path): throw .locked(path: path)
            case .io(let operation, let path, let errno): throw .io(operation: operation, path: path, errno: errno)
            }
        }
    }
}
