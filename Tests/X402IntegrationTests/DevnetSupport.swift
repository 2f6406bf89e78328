// The launcher uses Linux posix_spawn/pipe2; on other platforms set X402_RPC_URL.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import X402EVM
import X402EVMRPC
import X402Testing

/// The node integration tests talk to: `X402_RPC_URL` (a project devnet, or anvil for all but the
/// `devnet_mint` test), or one `Devnet/devnet --port 0` launched on
/// first use, shared by the whole test process and sent SIGTERM when the process exits.
enum TestDevnet {
    /// Repo root, from this file's location (Tests/X402EVMRPCTests/DevnetSupport.swift).
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let launcher = repoRoot.appendingPathComponent("Devnet/devnet").path

    static var externalURL: String? {
        guard let url = ProcessInfo.processInfo.environment["X402_RPC_URL"], !url.isEmpty else { return nil }
        return url
    }

    /// True when a node can be had: an external URL or the devnet launcher in this checkout.
    static var isAvailable: Bool {
        #if os(Linux)
        externalURL != nil || FileManager.default.isExecutableFile(atPath: launcher)
        #else
        externalURL != nil
        #endif
    }

    private static let started = Task<String, any Error> {
        if let url = externalURL { return url }
        return try await launch()
    }

    /// The node URL (launches the devnet on first call).
    static func url() async throws -> String { try await started.value }

    /// A client for the shared node.
    static func client() async throws -> RPCClient { RPCClient(url: try await url()) }

    /// Where the launched devnet's stderr goes (kept out of the test runner's pipes, which would
    /// otherwise stay open as long as the devnet lives).
    static let logPath = FileManager.default.temporaryDirectory.appendingPathComponent("x402-rpc-tests-devnet-\(getpid()).log").path

    private static func launch() async throws -> String {
        let readEnd = try spawn()
        return try await withCheckedThrowingContinuation { continuation in
            // Blocking reads on a thread of their own; after `ready` keep draining so the devnet never
            // blocks on a full pipe.
            Thread.detachNewThread {
                var buffer: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 4096)
                var resumed = false
                while true {
                    let n = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    guard !resumed else { continue }
                    buffer.append(contentsOf: chunk[..<n])
                    while let newline = buffer.firstIndex(of: 0x0A) {
                        let line = String(decoding: buffer[..<newline], as: UTF8.self)
                        buffer.removeSubrange(...newline)
                        if line.hasPrefix("ready ") {
                            resumed = true
                            continuation.resume(returning: String(line.dropFirst(6)))
                            break
                        }
                    }
                }
                close(readEnd)
                if !resumed { continuation.resume(throwing: DevnetLaunchError.exitedBeforeReady(log: logPath)) }
            }
        }
    }

    /// posix_spawn rather than Foundation.Process: a devnet started by Process inherited a signal
    /// mask with SIGTERM blocked (observed in /proc/<pid>/status), so it outlived the tests and held
    /// the runner's stderr pipe open. Here the child starts with an empty mask and default handlers,
    /// and stderr in a file. Returns the read end of its stdout.
    private static func spawn() throws -> Int32 {
        #if os(Linux)
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw DevnetLaunchError.spawnFailed(errno) }
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
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let args = [launcher, "--port", "0", "--quiet"]
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, launcher, &actions, &attr, &argv, environ)
        close(fds[1])
        guard status == 0 else {
            close(fds[0])
            throw DevnetLaunchError.spawnFailed(status)
        }
        launchedPID.store(pid, ordering: .relaxed)
        atexit {
            let pid = launchedPID.load(ordering: .relaxed)
            if pid > 0 { kill(pid, SIGTERM) }
        }
        return fds[0]
        #else
        throw DevnetLaunchError.unsupportedPlatform
        #endif
    }

    enum DevnetLaunchError: Error {
        case spawnFailed(Int32)
        case unsupportedPlatform
        case exitedBeforeReady(log: String)
    }
}

private let launchedPID = Atomic<Int32>(0)

/// Anvil's default mnemonic accounts, funded by the devnet.
enum DevAccounts {
    static let keys = [
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    ]
    static let addresses = [
        try! Address(hex: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
        try! Address(hex: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
        try! Address(hex: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"),
    ]
}
