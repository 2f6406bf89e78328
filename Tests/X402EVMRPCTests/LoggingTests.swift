import Logging
import Synchronization
import Testing
import X402Testing
@testable import X402EVMRPC

@Suite struct LoggingTests {
    @Test func callsAreLoggedWithMethodIDAndDuration() async throws {
        let capture = LogCapture()
        let client = RPCClient(transport: CannedTransport.echoing { _, _ in "0x14a34" }, logger: capture.logger)
        #expect(try await client.getBalance(.zero) == 84532)
        let request = try #require(capture.records("JSON-RPC request").first)
        #expect(request.level == .trace)
        #expect(request.metadata["rpc.method"] == "eth_getBalance" && request.metadata["rpc.id"] == "1")
        #expect(request.metadata["rpc.params"] == #"["0x0000000000000000000000000000000000000000","latest"]"#)
        let done = try #require(capture.records("JSON-RPC call").first)
        #expect(done.level == .debug)
        #expect(done.metadata["rpc.method"] == "eth_getBalance" && done.metadata["rpc.id"] == "1")
        #expect(done.metadata["rpc.duration_ms"] != nil && done.metadata["rpc.response_bytes"] != nil)
        // Nothing above debug: failures are the caller's to report.
        #expect(capture.records.allSatisfy { $0.level <= .debug })
    }

    @Test func failuresAreLoggedAtDebug() async {
        let capture = LogCapture()
        let body = #"{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"0x8baa579f"}}"#
        let client = RPCClient(transport: CannedTransport(body: body), logger: capture.logger)
        _ = try? await client.call(CallRequest(to: .zero))
        let failed = capture.records("JSON-RPC call failed")
        #expect(failed.count == 1)
        #expect(failed.first?.level == .debug && failed.first?.metadata["rpc.method"] == "eth_call")
        #expect(failed.first?.metadata["rpc.error"]?.description.contains("0x8baa579f") == true)
        #expect(capture.records("JSON-RPC call").isEmpty)
    }

    @Test func batchesLogSizeFailuresAndEntries() async throws {
        let capture = LogCapture()
        let transport = CannedTransport.echoing { method, _ in method == "eth_chainId" ? "0x1" : "not hex" }
        let client = RPCClient(transport: transport, logger: capture.logger)
        let (a, b) = try await client.batch(.chainId, .getCode(.zero))
        #expect(try a.get() == 1)
        #expect(throws: RPCError.self) { try b.get() }
        let batch = try #require(capture.records("JSON-RPC batch").first)
        #expect(batch.metadata["rpc.batch_size"] == "2" && batch.metadata["rpc.failures"] == "1")
        #expect(batch.metadata["rpc.methods"] == ["eth_chainId", "eth_getCode"])
        #expect(capture.records("JSON-RPC batch request").count == 2)
        #expect(capture.records("JSON-RPC batch entry failed").first?.metadata["rpc.method"] == "eth_getCode")
    }

    @Test func secretsAreNeverLogged() async throws {
        let capture = LogCapture()
        let server = try LoopbackHTTPServer { _ in .init(body: Array(#"{"jsonrpc":"2.0","id":1,"result":true}"#.utf8)) }
        defer { server.stop() }
        // Infura/Alchemy-style URL with the key in the path, user info, and a key header.
        let url = server.url.replacingOccurrences(of: "http://", with: "http://user:PASSWORD@") + "/v3/PATHKEY?apikey=QUERYKEY"
        let transport = HTTPTransport(url: url, headers: [("Authorization", "Bearer HEADERKEY")], logger: capture.logger)
        let client = RPCClient(transport: transport, logger: capture.logger)
        #expect(try await client.request("personal_unlockAccount", ["0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "PASSPHRASE", 60]) == true)
        let text = capture.records.map(\.text).joined(separator: "\n")
        for secret in ["PASSWORD", "PATHKEY", "QUERYKEY", "HEADERKEY", "PASSPHRASE"] {
            #expect(!text.contains(secret), "\(secret) logged")
        }
        let roundTrip = try #require(capture.records("JSON-RPC HTTP round trip").first)
        #expect(roundTrip.metadata["http.endpoint"] == "http://127.0.0.1:\(server.port)")
        #expect(capture.records("JSON-RPC request").first?.metadata["rpc.params"] == "<redacted>")
    }

    @Test func transportFailuresAreLogged() async throws {
        let capture = LogCapture()
        let server = try LoopbackHTTPServer { _ in .init(status: 502, body: Array("bad gateway".utf8)) }
        defer { server.stop() }
        let client = RPCClient(url: server.url, logger: capture.logger)
        _ = try? await client.blockNumber()
        #expect(capture.records("JSON-RPC HTTP round trip failed").first?.metadata["rpc.error"]?.description.contains("502") == true)
        #expect(capture.records("JSON-RPC call failed").count == 1)
    }

    @Test func longParamsAreTruncated() {
        let value = RPCLog.params(method: "eth_sendRawTransaction", [.string("0x" + String(repeating: "ab", count: 5000))])
        #expect(value.description.count < RPCLog.maxParamsText + 40)
        #expect(value.description.hasSuffix("…(10006 bytes)"))
    }

    @Test func formatting() {
        #expect(RPCLog.milliseconds(.milliseconds(12) + .microseconds(345)) == "12.345")
        #expect(RPCLog.milliseconds(.zero) == "0.000")
        #expect(RPCLog.milliseconds(.seconds(2) + .microseconds(7)) == "2000.007")
        #expect(RPCLog.endpoint("https://user:pw@mainnet.infura.io/v3/KEY?x=1") == "https://mainnet.infura.io")
        #expect(RPCLog.endpoint("http://127.0.0.1:8545") == "http://127.0.0.1:8545")
        #expect(RPCLog.endpoint("wss://host:8546/path#frag") == "wss://host:8546")
        #expect(RPCLog.endpoint("host.example?key=1") == "host.example")
    }
}
