#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization
import X402EVMRPC

/// A JSON-RPC node for integration tests: an external one (`X402_RPC_URL`, e.g. anvil or a testnet)
/// or the project devnet (`Devnet/devnet --port 0`) launched as a child process.
///
/// Most tests want ``shared()``: one node per test process, launched on first use and stopped when
/// the process exits. Launching needs Linux (`posix_spawn`, pipes); elsewhere set `X402_RPC_URL`.
public final class Devnet: Sendable {
    /// The node's JSON-RPC URL, e.g. `http://127.0.0.1:40123`.
    public let url: String
    /// The launched devnet's process id; nil for an external node.
    public let processID: Int32?
    /// Where the launched devnet's stderr goes; nil for an external node.
    public let logPath: String?
    private let stopped = Atomic<Bool>(false)

    /// Uses an already running node; ``stop(gracePeriod:)`` leaves it alone.
    public init(url: String) {
        self.url = url
        self.processID = nil
        self.logPath = nil
    }

    private init(url: String, processID: Int32, logPath: String) {
        self.url = url
        self.processID = processID
        self.logPath = logPath
    }

    /// A client for this node.
    public func client() -> RPCClient { RPCClient(url: url) }

    // MARK: Finding a node

    /// The environment variable naming an external node.
    public static let urlEnvironmentVariable = "X402_RPC_URL"

    /// `X402_RPC_URL` when set and non-empty.
    public static var environmentURL: String? {
        guard let url = ProcessInfo.processInfo.environment[urlEnvironmentVariable], !url.isEmpty else { return nil }
        return url
    }

    /// `Devnet/devnet` in the checkout this library was built from.
    public static let defaultLauncher: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // X402Testing
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()  // repository root
        .appendingPathComponent("Devnet/devnet").path

    /// True when ``start()`` can succeed: `X402_RPC_URL` is set, or ``canLaunch``.
    /// Use it to disable integration suites: `.enabled(if: Devnet.isAvailable)`.
    public static var isAvailable: Bool { environmentURL != nil || canLaunch }

    /// True when ``launch(launcher:arguments:readyTimeout:stopAtExit:)`` can run the default launcher:
    /// on Linux, with `Devnet/devnet` present and executable.
    public static var canLaunch: Bool {
        #if os(Linux)
        return access(defaultLauncher, X_OK) == 0
        #else
        return false
        #endif
    }

    /// `X402_RPC_URL` when set, otherwise a devnet launched from ``defaultLauncher`` (stopped at exit).
    public static func start() async throws(DevnetError) -> Devnet {
        if let url = environmentURL { return Devnet(url: url) }
        return try await launch()
    }

    private static let sharedNode = Task<Result<Devnet, DevnetError>, Never> {
        do throws(DevnetError) {
            return .success(try await start())
        } catch {
            return .failure(error)
        }
    }

    /// The process-wide node from ``start()``, created on first call and shared by every caller; a
    /// launched devnet is sent SIGTERM when the process exits. Tests sharing it share chain state.
    public static func shared() async throws(DevnetError) -> Devnet {
        try await sharedNode.value.get()
    }

    // MARK: Launching

    /// Launches `launcher --port 0 --quiet` plus `arguments` and waits for its `ready <url>` line.
    ///
    /// The child starts with default signal handling and an empty signal mask, stdin from
    /// `/dev/null` and stderr in a temporary log file (``logPath``, quoted in errors). The first launch
    /// in a fresh checkout also sets up the devnet's Python environment, hence the long default
    /// `readyTimeout`; on timeout the child is terminated.
    ///
    /// - Parameter stopAtExit: send the devnet SIGTERM when this process exits (unless stopped before).
    public static func launch(
        launcher: String = defaultLauncher, arguments: [String] = [], readyTimeout: Duration = .seconds(600),
        stopAtExit: Bool = true
    ) async throws(DevnetError) -> Devnet {
        #if os(Linux)
        guard access(launcher, X_OK) == 0 else { throw .launcherNotFound(launcher) }
        let logPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("x402-devnet-\(getpid())-\(launchCount.add(1, ordering: .relaxed).newValue).log").path
        let (pid, readEnd) = try spawn(launcher, ["--port", "0", "--quiet"] + arguments, stderrPath: logPath)
        if stopAtExit { ExitCleanup.add(pid) }
        let ready = ReadyState()
        let timer = Task {
            try await Task.sleep(for: readyTimeout)
            guard ready.state.compareExchange(expected: ReadyState.waiting, desired: ReadyState.timedOut, ordering: .relaxed).exchanged
            else { return }
            kill(pid, SIGTERM)
            try await Task.sleep(for: .seconds(5))
            if !ready.finished.load(ordering: .relaxed) { kill(pid, SIGKILL) }
        }
        defer { timer.cancel() }
        let outcome: Result<String, DevnetError> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                readUntilReady(readEnd, pid: pid, logPath: logPath, timeout: readyTimeout, ready: ready, continuation)
            }
        }
        switch outcome {
        case .success(let url):
            return Devnet(url: url, processID: pid, logPath: logPath)
        case .failure(let error):
            ExitCleanup.remove(pid)
            throw error
        }
        #else
        throw .unsupportedPlatform
        #endif
    }

    /// Stops a launched devnet (SIGTERM, then SIGKILL after `gracePeriod`) and waits for it to exit.
    /// Does nothing for an external node or when already stopped.
    public func stop(gracePeriod: Duration = .seconds(5)) async {
        guard let pid = processID, !stopped.exchange(true, ordering: .relaxed) else { return }
        ExitCleanup.remove(pid)
        kill(pid, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: gracePeriod)
        var status: Int32 = 0
        while clock.now < deadline {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || (r < 0 && errno != EINTR) { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    private static let launchCount = Atomic<Int>(0)
}

/// Why a devnet could not be had.
public enum DevnetError: Error, Sendable, CustomStringConvertible {
    /// Launching needs Linux; set `X402_RPC_URL` instead.
    case unsupportedPlatform
    /// No executable launcher at this path.
    case launcherNotFound(String)
    /// `pipe` or `posix_spawn` failed with this errno.
    case spawnFailed(errno: Int32)
    /// The process closed its stdout without printing `ready <url>` (`status` as from `waitpid`).
    case exitedBeforeReady(status: Int32, log: String)
    /// No `ready <url>` line within the timeout; the process was terminated.
    case notReady(after: Duration, log: String)

    public var description: String {
        switch self {
        case .unsupportedPlatform: return "launching the devnet needs Linux; set X402_RPC_URL to an existing node"
        case .launcherNotFound(let path): return "no devnet launcher at \(path)"
        case .spawnFailed(let code): return "could not start the devnet: \(String(cString: strerror(code)))"
        case .exitedBeforeReady(let status, let log):
            return "devnet exited before it was ready (wait status \(status)); \(Self.tail(log))"
        case .notReady(let after, let log):
            return "devnet not ready after \(after); \(Self.tail(log))"
        }
    }

    /// The end of the devnet's stderr log, for failure messages.
    static func tail(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return "log \(path) is empty" }
        return "end of \(path):\n" + String(decoding: data.suffix(2000), as: UTF8.self)
    }
}

// MARK: - Process plumbing (Linux)

/// Shared between the stdout reader thread and the ready timer: exactly one of them decides.
private final class ReadyState: Sendable {
    static let waiting: UInt8 = 0, isReady: UInt8 = 1, timedOut: UInt8 = 2, exited: UInt8 = 3
    let state = Atomic<UInt8>(waiting)
    /// Set once stdout reached end of file.
    let finished = Atomic<Bool>(false)
}

/// Launched devnets still running, sent SIGTERM by an `atexit` handler.
private enum ExitCleanup {
    static let pids = Mutex<[Int32]>([])
    static let registered = Atomic<Bool>(false)

    static func add(_ pid: Int32) {
        pids.withLock { $0.append(pid) }
        if !registered.exchange(true, ordering: .relaxed) {
            atexit {
                for pid in ExitCleanup.pids.withLock({ $0 }) { kill(pid, SIGTERM) }
            }
        }
    }

    static func remove(_ pid: Int32) {
        pids.withLock { $0.removeAll { $0 == pid } }
    }
}

#if os(Linux)
/// Blocking reads on a thread of its own until `ready <url>`; then keeps draining stdout so the devnet
/// never blocks on a full pipe, and closes it at end of file.
private func readUntilReady(
    _ fd: Int32, pid: Int32, logPath: String, timeout: Duration, ready: ReadyState,
    _ continuation: CheckedContinuation<Result<String, DevnetError>, Never>
) {
    var buffer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    var resumed = false
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        guard !resumed else { continue }
        buffer.append(contentsOf: chunk[..<n])
        while !resumed, let newline = buffer.firstIndex(of: 0x0A) {
            let line = String(decoding: buffer[..<newline], as: UTF8.self)
            buffer.removeSubrange(...newline)
            guard line.hasPrefix("ready ") else { continue }
            // Lost the race against the timer: the process is being terminated; report at end of file.
            guard ready.state.compareExchange(expected: ReadyState.waiting, desired: ReadyState.isReady, ordering: .relaxed).exchanged
            else { break }
            resumed = true
            continuation.resume(returning: .success(String(line.dropFirst(6))))
        }
    }
    close(fd)
    ready.finished.store(true, ordering: .relaxed)
    guard !resumed else { return }
    // Either the process ended on its own (then the timer must not signal a reaped pid) or the timer
    // already terminated it.
    let exitedFirst = ready.state.compareExchange(expected: ReadyState.waiting, desired: ReadyState.exited, ordering: .relaxed).exchanged
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    continuation.resume(returning: .failure(exitedFirst ? .exitedBeforeReady(status: status, log: logPath) : .notReady(after: timeout, log: logPath)))
}

/// posix_spawn rather than Foundation.Process: a devnet started by Process inherited a signal mask
/// with SIGTERM blocked (observed in /proc/<pid>/status), so it outlived the tests and held the
/// runner's stderr pipe open. Here the child starts with an empty mask and default handlers, and
/// stderr in a file. Returns the pid and the read end of the child's stdout.
private func spawn(_ launcher: String, _ arguments: [String], stderrPath: String) throws(DevnetError) -> (Int32, Int32) {
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { throw .spawnFailed(errno: errno) }
    // Close-on-exec on both ends; dup2 onto stdout clears it for the child's copy only.
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attr, &noSignals)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for sig in [SIGTERM, SIGINT, SIGPIPE] { sigaddset(&defaults, sig) }
    posix_spawnattr_setsigdefault(&attr, &defaults)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let args = [launcher] + arguments
    var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { for arg in argv { free(arg) } }
    var pid: pid_t = 0
    let status = posix_spawn(&pid, launcher, &actions, &attr, &argv, environ)
    close(fds[1])
    guard status == 0 else {
        close(fds[0])
        throw .spawnFailed(errno: status)
    }
    return (pid, fds[0])
}
#endif
