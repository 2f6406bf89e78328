import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// This program run again as a child (`x402 facilitator`, `x402 serve`): started, awaited until it prints
/// `listening URL`, stopped with SIGTERM (drain and flush). Keys go through its environment, never argv.
final class ChildProcess: @unchecked Sendable {
    let name: String
    let url: String
    private let process: Process
    let logPath: String

    init(_ arguments: [String], environment extra: [String: String], logDirectory: String) throws {
        name = arguments.first ?? "x402"
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["X402_LOG_LEVEL"] = env["X402_LOG_LEVEL"] ?? "warning"
        // The demo's services keep their state in its work directory, never in a database the caller configured.
        env["X402_DATABASE_URL"] = nil
        for (k, v) in extra { env[k] = v }
        process.environment = env
        logPath = logDirectory + "/\(name).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: logPath) ?? FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var line = [UInt8]()
        while true {
            guard let byte = out.fileHandleForReading.readData(ofLength: 1).first else {
                throw DemoError("x402 \(name) exited before listening; see \(logPath)")
            }
            if byte == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("listening ") else { throw DemoError("x402 \(name) printed \(text)") }
        url = String(text.dropFirst("listening ".count))
    }

    /// The path of this executable (so the demo runs the same build as its children).
    static var executable: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return CommandLine.arguments[0]
    }

    /// SIGTERM, then waits for the exit (SIGKILL after `grace`); returns the exit status.
    @discardableResult
    func stop(grace: Duration = .seconds(60)) async -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// A demo step that failed, with what to look at.
struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
