#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// A failed system call of the file storage: the `underlying` of its ``ChannelStorageError``.
public struct ChannelFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call (`open`, `write`, `fdatasync`, ...).
    public var operation: String
    /// The file or directory.
    public var path: String
    /// The `errno` it set.
    public var errno: Int32

    /// Creates an error.
    public init(operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String { "\(operation) \(path) failed: errno \(errno)" }
}

extension ChannelStorageError.Kind {
    /// The file storage's directory is open in another process, or in another storage of this one.
    public static let locked = Self(rawValue: "locked")
    /// The storage was closed, or stopped after a failed write (what reached the disk is unknown: reopen it).
    public static let unusable = Self(rawValue: "unusable")
}

/// The file storage's directory: an exclusive `flock` on `channels.lock` and the append-only log of JSON lines
/// `channels.log`, rewritten (compacted) via a temporary file, `fsync` and `rename`.
///
/// Not thread-safe: one ``FileChannelStorage`` owns it. The descriptors close on deinit; the kernel drops the lock
/// when the process dies, so a crash never leaves the directory locked.
final class ChannelLogFile {
    static let logName = "channels.log"
    static let lockName = "channels.lock"
    static let compactName = "channels.log.compact"

    let directory: String
    let logPath: String
    private var lockFD: Int32 = -1
    private var logFD: Int32 = -1
    /// Complete lines in the log, the header included.
    private(set) var lineCount = 0

    private init(directory: String) {
        self.directory = directory
        logPath = directory + "/" + Self.logName
    }

    deinit { close() }

    /// Locks `directory` (creating it), cuts off a torn last line, and returns the log with its complete lines
    /// (the header line first; none when the log is new).
    static func open(directory: String) throws(ChannelStorageError) -> (ChannelLogFile, [ArraySlice<UInt8>]) {
        try makeDirectories(directory)
        let file = ChannelLogFile(directory: directory)
        let lockPath = directory + "/" + lockName
        file.lockFD = try check("open", lockPath, systemOpen(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600))
        guard flock(file.lockFD, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            if code == EWOULDBLOCK {
                throw ChannelStorageError(.locked, "\(directory) is open in another process or storage")
            }
            throw failure("flock", lockPath, code)
        }
        // The lock is ours: whatever a crashed holder left behind is safe to repair.
        let compactPath = directory + "/" + compactName
        if unlink(compactPath) != 0 && errno != ENOENT { throw failure("unlink", compactPath, errno) }
        file.logFD = try check("open", file.logPath, systemOpen(file.logPath, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600))
        try syncDirectory(directory)
        let bytes = try file.readAll()
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        while let end = bytes[start...].firstIndex(of: 0x0A) {
            lines.append(bytes[start..<end])
            start = end + 1
        }
        if start < bytes.count {
            // A write interrupted by a crash: its call never returned, so the line never counted.
            guard ftruncate(file.logFD, off_t(start)) == 0 else { throw failure("ftruncate", file.logPath, errno) }
            try sync(file.logFD, path: file.logPath)
        }
        file.lineCount = lines.count
        return (file, lines)
    }

    /// Writes `line` (without its newline) at the end of the log and waits until it is on stable storage.
    func append(_ line: [UInt8]) throws(ChannelStorageError) {
        try Self.writeAll(logFD, line + [0x0A], path: logPath)
        try Self.sync(logFD, path: logPath)
        lineCount += 1
    }

    /// Replaces the log by `lines`: written to a new file, synced, renamed over the log, the directory synced.
    /// A crash before the rename leaves the old log (the next open removes the partial copy).
    func rewrite(_ lines: [[UInt8]]) throws(ChannelStorageError) {
        let compactPath = directory + "/" + Self.compactName
        let fd = try Self.check("open", compactPath, systemOpen(compactPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600))
        defer { _ = systemClose(fd) }
        var buffer: [UInt8] = []
        for line in lines {
            buffer += line
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 {
                try Self.writeAll(fd, buffer, path: compactPath)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try Self.writeAll(fd, buffer, path: compactPath)
        try Self.sync(fd, path: compactPath)
        guard rename(compactPath, logPath) == 0 else { throw Self.failure("rename", compactPath, errno) }
        try Self.syncDirectory(directory)
        let newFD = try Self.check("open", logPath, systemOpen(logPath, O_RDWR | O_APPEND | O_CLOEXEC, 0o600))
        _ = systemClose(logFD)
        logFD = newFD
        lineCount = lines.count
    }

    /// Closes the log and releases the lock.
    func close() {
        if logFD >= 0 { _ = systemClose(logFD); logFD = -1 }
        if lockFD >= 0 { _ = systemClose(lockFD); lockFD = -1 }
    }

    private func readAll() throws(ChannelStorageError) -> [UInt8] {
        var info = stat()
        guard fstat(logFD, &info) == 0 else { throw Self.failure("fstat", logPath, errno) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(logFD, $0.baseAddress! + offset, $0.count - offset, off_t(offset)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Self.failure("read", logPath, n < 0 ? errno : EIO) }
            offset += n
        }
        return bytes
    }

    // MARK: System calls

    private static func failure(_ operation: String, _ path: String, _ code: Int32) -> ChannelStorageError {
        let cause = ChannelFileError(operation: operation, path: path, errno: code)
        return ChannelStorageError(.backend, "channel storage file I/O failed", underlying: cause)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(ChannelStorageError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure("write", path, n < 0 ? errno : EIO) }
            offset += n
        }
    }

    /// Waits until the file's data (and its size) is on stable storage.
    private static func sync(_ fd: Int32, path: String) throws(ChannelStorageError) {
        #if canImport(Darwin)
        guard fcntl(fd, F_FULLFSYNC) == 0 else { throw failure("fcntl(F_FULLFSYNC)", path, errno) }
        #else
        guard fdatasync(fd) == 0 else { throw failure("fdatasync", path, errno) }
        #endif
    }

    /// Makes the directory's entries (a created or renamed file) durable.
    private static func syncDirectory(_ path: String) throws(ChannelStorageError) {
        let fd = try check("open", path, systemOpen(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0))
        defer { _ = systemClose(fd) }
        guard fsync(fd) == 0 else { throw failure("fsync", path, errno) }
    }

    private static func makeDirectories(_ path: String) throws(ChannelStorageError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST { throw failure("mkdir", prefix, errno) }
        }
    }

    private static func check(_ operation: String, _ path: String, _ fd: Int32) throws(ChannelStorageError) -> Int32 {
        guard fd >= 0 else { throw failure(operation, path, errno) }
        return fd
    }
}

/// Runs the file storage's jobs one at a time on a dispatch queue of its own, so every write's `fsync` blocks that
/// queue's thread, never a thread of the Swift concurrency pool.
final class ChannelStorageExecutor: SerialExecutor {
    private let queue = DispatchQueue(label: "x402.seller.channels", qos: .userInitiated)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
}

// The system calls whose names `ChannelLogFile` reuses for its own methods.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
