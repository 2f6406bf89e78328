import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRPC
import X402Testing

/// The `x402 facilitator` program, started as a real process.
final class FacilitatorProcess: @unchecked Sendable {
    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("x402").path
    }
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    let process = Process()
    let url: String

    init(rpcURL: String, dataDir: String, environment extra: [String: String] = [:], arguments: [String] = []) throws {
        var env: [String: String?] = ["X402_RELAYER_KEYS": Devnet.accounts[4].privateKeyHex, "X402_AUTHORIZER_KEY": Devnet.accounts[6].privateKeyHex,
                                      "X402_LOG_LEVEL": "warning"]
        for (k, v) in extra { env[k] = v }
        let arguments = ["facilitator", "--rpc-url", rpcURL, "--network", "eip155:84532", "--port", "0", "--data-dir", dataDir,
                         "--receipt-timeout", "30"] + arguments
        guard let text = try startChild(process, Self.binary, arguments, environment: env) else {
            throw FixtureError(description: "facilitator exited before listening")
        }
        guard text.hasPrefix("listening ") else { throw FixtureError(description: "unexpected first line \(text)") }
        url = String(text.dropFirst("listening ".count))
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func terminate() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// POSTs `body` (JSON) to `path`; returns status and body.
    func post(_ path: String, _ body: [UInt8], headers: [(String, String)] = []) async throws -> (UInt, [UInt8]) {
        var request = HTTPClientRequest(url: url + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, Array(bytes.readableBytesView))
    }

    func get(_ path: String) async throws -> (UInt, [UInt8]) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url + path), timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, Array(bytes.readableBytesView))
    }
}

extension DevnetIntegrationTests {
    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func killedBetweenSendAndReceiptThenRestarted() async throws {
        let f = try await FacilitatorFixture()
        let proxy = try RPCProxy(upstream: try await Devnet.shared().url)
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("x402-kill9-\(uniqueSalt(80))").path
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let relayer = Devnet.accounts[4].address
        let receiver = freshReceiver(80)
        let config = FacilitatorFixture.channel(receiver: receiver, salt: uniqueSalt(80))
        let requirements = FacilitatorFixture.requirements(receiver: receiver)
        let payload = FacilitatorFixture.payment(.deposit(FacilitatorFixture.depositPayload(
            config, amount: 8000, max: 1000, validBefore: try await f.validBefore())), requirements)
        let body = try X402JSON.encode(FacilitatorRequest(paymentPayload: payload, paymentRequirements: requirements))
        let nonceBefore = try await f.rpc.getTransactionCount(relayer)

        // Receipts are hidden: the facilitator sends and then waits.
        proxy.set(.hideReceipts)
        let first = try FacilitatorProcess(rpcURL: proxy.url, dataDir: dataDir)
        let inFlight = Task { try? await first.post("/settle", body) }
        var broadcast: [UInt8]?
        for _ in 0..<200 where broadcast == nil {
            broadcast = proxy.server.requests.first { String(decoding: $0.body, as: UTF8.self).contains("eth_sendRawTransaction") }?.body
            if broadcast == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(broadcast != nil, "the facilitator never broadcast")
        first.kill9()
        _ = await inFlight.value
        #expect(try await f.rpc.getTransactionCount(relayer) == nonceBefore + 1)  // the node has it, mined

        // Restart on the same journal: the recovery service picks the transaction up on its own.
        proxy.set(.forward)
        let second = try FacilitatorProcess(rpcURL: proxy.url, dataDir: dataDir)
        defer { second.terminate() }
        let broadcastBody = try #require(broadcast)
        let raw = try #require(try JSONParser.parse(broadcastBody)["params"]?.arrayValue?.first?.stringValue)
        let sentHash = Keccak256.hash(try Hex.decode(raw)).hex
        var recovered: TransactionStatus?
        for _ in 0..<100 {
            let (code, body) = try await second.get("/transactions/\(sentHash)")
            if code == 200, let s = try? X402JSON.decode(TransactionStatus.self, from: body), s.status == .settled { recovered = s; break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(recovered?.purpose == "deposit", "the restarted facilitator did not resume the pending transaction")
        // The retried /settle answers from the sent transaction.
        let (status, answer) = try await second.post("/settle", body)
        #expect(status == 200)
        let response = try X402JSON.decode(SettleResponse.self, from: answer)
        #expect(response.success && response.transaction == sentHash, "\(response)")
        #expect(try await f.rpc.getTransactionCount(relayer) == nonceBefore + 1)  // nothing sent twice
        #expect(try await f.onchainChannel(config).balance == 8000)
        let (statusCode, statusBody) = try await second.get("/transactions/\(response.transaction)")
        #expect(statusCode == 200)
        let txStatus = try X402JSON.decode(TransactionStatus.self, from: statusBody)
        #expect(txStatus.status == .settled && txStatus.purpose == "deposit" && txStatus.blockNumber != nil)

        // A new deposit after the restart uses the next nonce (never reuses the journaled one).
        let next = FacilitatorFixture.channel(receiver: receiver, salt: uniqueSalt(81))
        let nextPayload = FacilitatorFixture.payment(.deposit(FacilitatorFixture.depositPayload(
            next, amount: 2000, max: 1000, validBefore: try await f.validBefore(), saltSeed: 3)), requirements)
        let (_, nextAnswer) = try await second.post("/settle", try X402JSON.encode(FacilitatorRequest(paymentPayload: nextPayload,
                                                                                                   paymentRequirements: requirements)))
        #expect(try X402JSON.decode(SettleResponse.self, from: nextAnswer).success)
        #expect(try await f.rpc.getTransactionCount(relayer) == nonceBefore + 2)
    }

    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func sigtermWaitsForTheSettlementInFlight() async throws {
        let f = try await FacilitatorFixture()
        let proxy = try RPCProxy(upstream: try await Devnet.shared().url)
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("x402-sigterm-\(uniqueSalt(85))").path
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let receiver = freshReceiver(85)
        let config = FacilitatorFixture.channel(receiver: receiver, salt: uniqueSalt(85))
        let requirements = FacilitatorFixture.requirements(receiver: receiver)
        let payload = FacilitatorFixture.payment(.deposit(FacilitatorFixture.depositPayload(
            config, amount: 2500, max: 1000, validBefore: try await f.validBefore())), requirements)
        let body = try X402JSON.encode(FacilitatorRequest(paymentPayload: payload, paymentRequirements: requirements))

        // Receipts are hidden for a while, so the settle is still waiting when SIGTERM arrives.
        proxy.set(.hideReceipts)
        let facilitator = try FacilitatorProcess(rpcURL: proxy.url, dataDir: dataDir)
        let inFlight = Task { try await facilitator.post("/settle", body) }
        for _ in 0..<200 where !proxy.server.requests.contains(where: { String(decoding: $0.body, as: UTF8.self).contains("eth_sendRawTransaction") }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        facilitator.process.terminate()  // SIGTERM
        try await Task.sleep(for: .milliseconds(300))
        #expect(facilitator.process.isRunning)  // still draining
        proxy.set(.forward)                      // the receipt shows up
        let (status, answer) = try await inFlight.value
        #expect(status == 200)
        let response = try X402JSON.decode(SettleResponse.self, from: answer)
        #expect(response.success, "\(response)")
        facilitator.process.waitUntilExit()
        #expect(facilitator.process.terminationStatus == 0)
        #expect(try await f.onchainChannel(config).balance == 2500)
    }
}
