#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// Why an ``AppendOnlyLog`` call failed.
public enum AppendOnlyLogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another process, or another log in this one, holds the directory's lock.
    case locked(path: String)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .locked(let path): "\(path) is open in another process or in this one"
        case .io(let operation, let path, let errno): "\(operation) \(path) failed: errno \(errno)"
        }
    }
}

/// A data directory holding one append-only log of lines (`<name>.log`), locked with `flock` on `<name>.lock` while
/// open, and rewritten (compacted) through `<name>.log.compact`, `fsync`, `rename` and a directory `fsync`. Shared by
/// the facilitator's file journal and the seller's file channel storage.
///
/// Every append is synced to stable storage (`fdatasync`; `F_FULLFSYNC` on Darwin) before it returns. A last line
/// without its newline is a write a crash interrupted: opening cuts it off. The kernel drops the lock when the
/// process dies, so a crash never leaves the directory locked.
///
/// Not thread-safe: one owner (an actor) uses it. The descriptors close on deinit.
public final class AppendOnlyLog {
    /// The data directory.
    public let directory: String
    /// The log file's path.
    public let logPath: String
    private let lockPath: String
    private let compactPath: String
    private var lockFD: Int32 = -1
    private var logFD: Int32 = -1
    /// Complete lines in the log.
    public private(set) var lineCount = 0

    private init(directory: String, name: String) {
        self.directory = directory
        logPath = directory + "/" + name + ".log"
        lockPath = directory + "/" + name + ".lock"
        compactPath = logPath + ".compact"
    }

    deinit { close() }

    /// Locks `directory` (creating it), cuts off a torn last line, and returns the log, its complete lines (without
    /// their newlines) and the number of torn bytes cut off.
    public static func open(directory: String, name: String)
        throws(AppendOnlyLogError) -> (log: AppendOnlyLog, lines: [ArraySlice<UInt8>], tornBytes: Int) {
        try makeDirectories(directory)
        let file = AppendOnlyLog(directory: directory, name: name)
        let lockPath = file.lockPath
        file.lockFD = try check("open", lockPath, systemOpen(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600))
        guard flock(file.lockFD, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            if code == EWOULDBLOCK { throw .locked(path: directory) }
            throw failure("flock", lockPath, code)
        }
        // The lock is ours: whatever a crashed holder left behind is safe to repair.
        let compactPath = file.compactPath
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
        return (file, lines, bytes.count - start)
    }

    /// Writes `line` (one line, ending with its newline) at the end of the log and waits until it is on stable
    /// storage.
    public func append(_ line: [UInt8]) throws(AppendOnlyLogError) {
        try Self.writeAll(logFD, line, path: logPath)
        try Self.sync(logFD, path: logPath)
        lineCount += 1
    }

    /// Replaces the log by `lines` (each ending with its newline): written to a new file, synced, renamed over the
    /// log, the directory synced. A crash before the rename leaves the old log (the next open removes the partial copy).
    public func rewrite(_ lines: some Sequence<[UInt8]>) throws(AppendOnlyLogError) {
        let fd = try Self.check("open", compactPath, systemOpen(compactPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600))
        defer { _ = systemClose(fd) }
        var buffer: [UInt8] = []
        var count = 0
        for line in lines {
            buffer += line
            count += 1
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
        lineCount = count
    }

    /// Closes the log and releases the lock.
    public func close() {
        if logFD >= 0 { _ = systemClose(logFD); logFD = -1 }
        if lockFD >= 0 { _ = systemClose(lockFD); lockFD = -1 }
    }

    private func readAll() throws(AppendOnlyLogError) -> [UInt8] {
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

    private static func failure(_ operation: String, _ path: String, _ code: Int32) -> AppendOnlyLogError {
        .io(operation: operation, path: path, errno: code)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(AppendOnlyLogError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure("write", path, n < 0 ? errno : EIO) }
            offset += n
        }
    }

    /// Waits until the file's data (and its size) is on stable storage.
    private static func sync(_ fd: Int32, path: String) throws(AppendOnlyLogError) {
        #if canImport(Darwin)
        guard fcntl(fd, F_FULLFSYNC) == 0 else { throw failure("fcntl(F_FULLFSYNC)", path, errno) }
        #else
        guard fdatasync(fd) == 0 else { throw failure("fdatasync", path, errno) }
        #endif
    }

    /// Makes the directory's entries (a created or renamed file) durable.
    private static func syncDirectory(_ path: String) throws(AppendOnlyLogError) {
        let fd = try check("open", path, systemOpen(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0))
        defer { _ = systemClose(fd) }
        guard fsync(fd) == 0 else { throw failure("fsync", path, errno) }
    }

    private static func makeDirectories(_ path: String) throws(AppendOnlyLogError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST { throw failure("mkdir", prefix, errno) }
        }
    }

    private static func check(_ operation: String, _ path: String, _ fd: Int32) throws(AppendOnlyLogError) -> Int32 {
        guard fd >= 0 else { throw failure(operation, path, errno) }
        return fd
    }
}

/// Runs an actor's jobs one at a time on a dispatch queue of its own, so the `fsync` of an ``AppendOnlyLog`` write
/// blocks that queue's thread, never a thread of the Swift concurrency pool.
public final class DispatchQueueExecutor: SerialExecutor {
    private let queue: DispatchQueue

    /// An executor on a new queue named `label`.
    public init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    /// Runs `job` on the queue.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    /// This executor, unowned.
    public func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
}

// The system calls whose names `AppendOnlyLog` reuses for its own methods.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
