#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import X402EVM
import X402Testing

@Suite struct DevnetAccountsTests {
    @Test func keysDeriveTheirAddresses() {
        #expect(Devnet.accounts.count == 10)
        for account in Devnet.accounts { #expect(account.privateKey.address == account.address) }
        #expect(Devnet.deployer.address == (try? Address(hex: "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720")))
    }
}

#if os(Linux)
/// The launcher against tiny shell scripts standing in for `Devnet/devnet` (no devnet needed).
@Suite struct DevnetLauncherTests {
    /// An executable script in a fresh temporary file.
    func script(_ body: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("x402-fake-devnet-\(UUID().uuidString).sh").path
        // Written through an O_CLOEXEC descriptor: a process spawned concurrently by another test must not
        // inherit it open for writing, or exec'ing the script fails with ETXTBSY.
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        let bytes = Array(("#!/bin/sh\n" + body + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw POSIXError(.EIO) }
        return path
    }

    @Test func readsTheReadyLineAndStops() async throws {
        let launcher = try script(#"echo "starting on $2" >&2; echo "noise"; echo "ready http://127.0.0.1:1"; exec sleep 60"#)
        defer { unlink(launcher) }
        let devnet = try await Devnet.launch(launcher: launcher, stopAtExit: false)
        #expect(devnet.url == "http://127.0.0.1:1")
        let pid = try #require(devnet.processID)
        #expect(kill(pid, 0) == 0)
        await devnet.stop()
        // Reaped: the pid no longer exists.
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
        // The stderr log got the arguments (`--port 0 --quiet`).
        let log = try String(contentsOfFile: try #require(devnet.logPath), encoding: .utf8)
        #expect(log == "starting on 0\n")
        await devnet.stop()  // idempotent
    }

    @Test func exitBeforeReadyReportsTheLog() async throws {
        let launcher = try script(#"echo "genesis failed: boom" >&2; exit 3"#)
        defer { unlink(launcher) }
        do {
            _ = try await Devnet.launch(launcher: launcher, stopAtExit: false)
            Issue.record("expected a failure")
        } catch {
            guard case .exitedBeforeReady(let status, _) = error else { Issue.record("\(error)"); return }
            #expect(status == 3 << 8)
            #expect(error.description.contains("genesis failed: boom"))
        }
    }

    @Test func readyTimeoutTerminatesTheProcess() async throws {
        let launcher = try script("exec sleep 60")
        defer { unlink(launcher) }
        do {
            _ = try await Devnet.launch(launcher: launcher, readyTimeout: .milliseconds(300), stopAtExit: false)
            Issue.record("expected a timeout")
        } catch {
            guard case .notReady = error else { Issue.record("\(error)"); return }
        }
    }

    @Test func missingLauncher() async {
        do {
            _ = try await Devnet.launch(launcher: "/nonexistent/devnet", stopAtExit: false)
            Issue.record("expected a failure")
        } catch {
            guard case .launcherNotFound("/nonexistent/devnet") = error else { Issue.record("\(error)"); return }
        }
    }

    @Test func externalNodeIsNotStopped() async {
        let node = Devnet(url: "http://127.0.0.1:9")
        #expect(node.processID == nil && node.logPath == nil)
        await node.stop()
    }
}
#endif
