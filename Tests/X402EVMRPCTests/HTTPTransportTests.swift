import Foundation
import Synchronization
import Testing
@testable import X402EVMRPC
import X402Testing

/// Answers every JSON-RPC request with `result`, echoing its id.
private func echo(_ result: JSONValue) -> @Sendable (LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
    { received in
        let body = received.body
        func answer(_ request: JSONValue) -> JSONValue {
            ["jsonrpc": "2.0", "id": request["id"] ?? .null, "result": result]
        }
        let request = (try? JSONParser.parse(body)) ?? .null
        if case .array(let entries) = request { return .init(body: JSONSerializer.serialize(.array(entries.map(answer)))) }
        return .init(body: JSONSerializer.serialize(answer(request)))
    }
}

@Suite struct HTTPTransportTests {
    @Test func postsJSONAndKeepsTheConnectionAlive() async throws {
        let seen = Mutex<[String]>([])
        let server = try LoopbackHTTPServer { request in
            let body = request.body
            seen.withLock { $0.append(String(decoding: body, as: UTF8.self)) }
            return echo(.string("0x14a34"))(request)
        }
        defer { server.stop() }
        let client = RPCClient(url: server.url)
        #expect(try await client.chainId() == 84532)
        #expect(try await client.chainId() == 84532)
        let (a, b) = try await client.batch(.chainId, .chainId)
        #expect(try a.get() == 84532 && b.get() == 84532)
        #expect(server.requests.count == 3)
        #expect(server.connections == 1)
        #expect(seen.withLock { $0.first?.contains(#""method":"eth_chainId""#) } == true)
    }

    @Test func non200StatusIsTyped() async throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 503, body: Array("<html>upstream down</html>".utf8)) }
        defer { server.stop() }
        do {
            _ = try await RPCClient(url: server.url).blockNumber()
            Issue.record("expected HTTP error")
        } catch {
            #expect(error == .httpStatus(code: 503, body: "<html>upstream down</html>"))
        }
    }

    @Test func garbageBodyIsMalformed() async throws {
        let server = try LoopbackHTTPServer { _ in .init(body: Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"res".utf8)) }
        defer { server.stop() }
        do {
            _ = try await RPCClient(url: server.url).blockNumber()
            Issue.record("expected malformed")
        } catch {
            guard case .malformedResponse = error else { Issue.record("\(error)"); return }
        }
    }

    @Test func oversizedBodyIsRejected() async throws {
        let server = try LoopbackHTTPServer(echo(.string("0x" + String(repeating: "ab", count: 1000))))
        defer { server.stop() }
        let client = RPCClient(transport: HTTPTransport(url: server.url, maxResponseBytes: 256))
        do {
            _ = try await client.getCode(.zero)
            Issue.record("expected size error")
        } catch {
            #expect(error == .responseTooLarge(limit: 256))
        }
    }

    @Test func connectionRefusedIsTransportError() async throws {
        let server = try LoopbackHTTPServer(echo(.null))
        let url = server.url
        server.stop()
        do {
            // AsyncHTTPClient retries refused connections until the deadline, then reports the last one.
            _ = try await RPCClient(transport: HTTPTransport(url: url, timeout: .milliseconds(300))).blockNumber()
            Issue.record("expected transport error")
        } catch {
            guard case .transport(let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.lowercased().contains("refused"))
        }
    }

    @Test func slowNodeTimesOut() async throws {
        // The handler cannot answer before the client has given up: it waits for the test to finish.
        let release = DispatchSemaphore(value: 0)
        let server = try LoopbackHTTPServer { request in
            release.wait()
            return echo(.string("0x1"))(request)
        }
        defer {
            release.signal()
            server.stop()
        }
        let client = RPCClient(transport: HTTPTransport(url: server.url, timeout: .milliseconds(200)))
        do {
            _ = try await client.blockNumber()
            Issue.record("expected timeout")
        } catch {
            #expect(error == .timedOut)
        }
    }
}
