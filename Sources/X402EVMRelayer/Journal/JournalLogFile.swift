#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import X402JSON

/// The file journal's directory: an exclusive lock, the append-only log of JSON lines, and compaction.
///
/// Not thread-safe: one ``FileTransactionJournal`` owns it. The descriptors close on deinit.
final class JournalLogFile {
    /// The log's name in the directory.
    static let logName = "journal.log"
    /// The lock file's name: held with `flock` while the journal is open.
    static let lockName = "journal.lock"
    /// Where compaction writes before renaming over the log.
    static let compactName = "journal.log.compact"

    let directory: String
    let logPath: String
    private var lockFD: Int32
    private var logFD: Int32
    /// Records in the log, the header not counted.
    private(set) var recordCount: Int

    private init(directory: String, lockFD: Int32, logFD: Int32, recordCount: Int) {
        self.directory = directory
        self.logPath = directory + "/" + Self.logName
        self.lockFD = lockFD
        self.logFD = logFD
        self.recordCount = recordCount
    }

    deinit { close() }

    /// Locks `directory` (creating it), drops a torn last line, and returns the log and its records.
    static func open(directory: String, logger: Logger) throws(JournalError) -> (JournalLogFile, [JournalRecord]) {
        try makeDirectories(directory)
        let lockPath = directory + "/" + lockName
        let lockFD = try check("open", lockPath, systemOpen(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600))
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            _ = systemClose(lockFD)
            if code == EWOULDBLOCK { throw .locked(path: directory) }
            throw .io(operation: "flock", path: lockPath, errno: code)
        }
        // From here on the lock is ours: whatever a crashed holder left is safe to repair.
        let file = JournalLogFile(directory: directory, lockFD: lockFD, logFD: -1, recordCount: 0)
        let compactPath = directory + "/" + compactName
        if unlink(compactPath) != 0 && errno != ENOENT { throw .io(operation: "unlink", path: compactPath, errno: errno) }
        file.logFD = try check("open", file.logPath, systemOpen(file.logPath, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600))
        try syncDirectory(directory)

        let bytes = try file.readAll()
        let records = try file.parse(bytes, logger: logger)
        if records == nil {
            try file.append(JournalRecordCoding.line(JournalRecordCoding.header))
        }
        file.recordCount = records?.count ?? 0
        return (file, records ?? [])
    }

    /// Writes `line` at the end of the log and waits until it is on stable storage.
    func append(_ line: [UInt8]) throws(JournalError) {
        try Self.writeAll(logFD, line, path: logPath)
        try Self.sync(logFD, path: logPath)
        recordCount += 1
    }

    /// Replaces the log by `records` (compaction): a new file, synced, renamed over the log, the directory synced.
    /// A crash before the rename leaves the old log (the half-written copy is removed at the next open).
    func rewrite(_ records: [JournalRecord]) throws(JournalError) {
        let compactPath = directory + "/" + Self.compactName
        let fd = try Self.check("open", compactPath, systemOpen(compactPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600))
        defer { _ = systemClose(fd) }
        var buffer = JournalRecordCoding.line(JournalRecordCoding.header)
        for record in records {
            buffer += JournalRecordCoding.line(JournalRecordCoding.encode(record))
            if buffer.count >= 1 << 20 {
                try Self.writeAll(fd, buffer, path: compactPath)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try Self.writeAll(fd, buffer, path: compactPath)
        try Self.sync(fd, path: compactPath)
        guard rename(compactPath, logPath) == 0 else { throw .io(operation: "rename", path: compactPath, errno: errno) }
        try Self.syncDirectory(directory)
        let newFD = try Self.check("open", logPath, systemOpen(logPath, O_RDWR | O_APPEND | O_CLOEXEC, 0o600))
        _ = systemClose(logFD)
        logFD = newFD
        recordCount = records.count
    }

    /// Closes the log and releases the lock.
    func close() {
        if logFD >= 0 { _ = systemClose(logFD); logFD = -1 }
        if lockFD >= 0 { _ = systemClose(lockFD); lockFD = -1 }
    }

    // MARK: Reading

    private func readAll() throws(JournalError) -> [UInt8] {
        var info = stat()
        guard fstat(logFD, &info) == 0 else { throw .io(operation: "fstat", path: logPath, errno: errno) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(logFD, $0.baseAddress! + offset, $0.count - offset, off_t(offset)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .io(operation: "read", path: logPath, errno: n < 0 ? errno : EIO) }
            offset += n
        }
        return bytes
    }

    /// The records of the log's complete lines; nil when the log holds no complete header (new, or torn
    /// while it was created). A last line without its newline is a write the crash interrupted: its call
    /// never returned, so it is cut off. Any other unreadable line is an error.
    private func parse(_ bytes: [UInt8], logger: Logger) throws(JournalError) -> [JournalRecord]? {
        var records: [JournalRecord] = []
        var start = 0
        var lineNumber = 0
        while let end = bytes[start...].firstIndex(of: 0x0A) {
            lineNumber += 1
            let value: JSONValue
            do {
                value = try JSONParser.parse(bytes[start..<end], limits: JournalRecordCoding.limits)
            } catch {
                throw .corruptRecord(path: logPath, line: lineNumber, reason: "\(error)")
            }
            if lineNumber == 1 {
                guard value == JournalRecordCoding.header else {
                    throw .corruptRecord(path: logPath, line: 1, reason: "not a version 1 journal header")
                }
            } else {
                do {
                    records.append(try JournalRecordCoding.decode(value))
                } catch {
                    throw .corruptRecord(path: logPath, line: lineNumber, reason: error.reason)
                }
            }
            start = end + 1
        }
        if start < bytes.count {
            logger.warning("journal: dropping a torn last line (a write interrupted by a crash)",
                           metadata: ["path": "\(logPath)", "offset": "\(start)", "bytes": "\(bytes.count - start)"])
            guard ftruncate(logFD, off_t(start)) == 0 else { throw .io(operation: "ftruncate", path: logPath, errno: errno) }
            try Self.sync(logFD, path: logPath)
        }
        return lineNumber == 0 ? nil : records
    }

    // MARK: System calls

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(JournalError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .io(operation: "write", path: path, errno: n < 0 ? errno : EIO) }
            offset += n
        }
    }

    /// Waits until the file's data (and its size) is on stable storage.
    private static func sync(_ fd: Int32, path: String) throws(JournalError) {
        #if canImport(Darwin)
        // macOS fsync leaves the data in the drive's cache; F_FULLFSYNC flushes it.
        guard fcntl(fd, F_FULLFSYNC) == 0 else { throw .io(operation: "fcntl(F_FULLFSYNC)", path: path, errno: errno) }
        #else
        guard fdatasync(fd) == 0 else { throw .io(operation: "fdatasync", path: path, errno: errno) }
        #endif
    }

    /// Makes the directory's entries (a created or renamed file) durable.
    private static func syncDirectory(_ path: String) throws(JournalError) {
        let fd = try check("open", path, systemOpen(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0))
        defer { _ = systemClose(fd) }
        guard fsync(fd) == 0 else { throw .io(operation: "fsync", path: path, errno: errno) }
    }

    private static func makeDirectories(_ path: String) throws(JournalError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST { throw .io(operation: "mkdir", path: prefix, errno: errno) }
        }
    }

    private static func check(_ operation: String, _ path: String, _ fd: Int32) throws(JournalError) -> Int32 {
        guard fd >= 0 else { throw .io(operation: operation, path: path, errno: errno) }
        return fd
    }
}

// The system calls whose names `JournalLogFile` reuses for its own methods.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
