import Testing
import X402EVM
@testable import X402EVMRPC

@Suite struct BatchTests {
    @Test func heterogeneousBatchMatchesIdsOutOfOrder() async throws {
        // The node answers in reverse order, and the middle entry with an error.
        let transport = CannedTransport { request in
            let entries = request.arrayValue ?? []
            let answers: [JSONValue] = entries.reversed().map { entry in
                switch entry["method"]?.stringValue {
                case "eth_chainId": return .object(["jsonrpc": .string("2.0"), "id": entry["id"]!, "result": .string("0x14a34")])
                case "eth_call": return .object(["jsonrpc": .string("2.0"), "id": entry["id"]!, "error": .object([
                    "code": .int(3), "message": .string("execution reverted"), "data": .string("0xdeadbeef")])])
                default: return .object(["jsonrpc": .string("2.0"), "id": entry["id"]!, "result": .string("0x2a")])
                }
            }
            return JSONSerializer.serialize(.array(answers))
        }
        let client = RPCClient(transport: transport)
        let (chain, call, balance) = try await client.batch(.chainId, .call(CallRequest(to: .zero)), .getBalance(.zero))
        #expect(try chain.get() == 84532)
        #expect(try balance.get() == 42)
        guard case .failure(let error) = call else { Issue.record("expected revert"); return }
        #expect(error.revertData == [0xde, 0xad, 0xbe, 0xef])
        // One HTTP request carrying three entries with distinct ids.
        #expect(transport.requests.count == 1)
        let ids = transport.requests[0].arrayValue?.compactMap { $0["id"]?.numberValue?.uint64 } ?? []
        #expect(Set(ids).count == 3)
    }

    @Test func homogeneousBatchKeepsCallOrder() async throws {
        let transport = CannedTransport { request in
            // Each balance is the request id times 10, answered in reverse order.
            let answers: [JSONValue] = (request.arrayValue ?? []).reversed().map { entry in
                guard let id = entry["id"]?.numberValue?.uint64 else { return .null }
                return .object(["jsonrpc": .string("2.0"), "id": .int(id), "result": .string(UInt256(id * 10).hexQuantity)])
            }
            return JSONSerializer.serialize(.array(answers))
        }
        let client = RPCClient(transport: transport)
        let results = try await client.batch((0..<5).map { _ in RPCCall.getBalance(.zero) })
        let sentIDs = (transport.requests[0].arrayValue ?? []).map { $0["id"]?.numberValue?.uint64 ?? 0 }
        #expect(try results.map { try $0.get() } == sentIDs.map { UInt256($0 * 10) })
    }

    @Test func missingEntryAndBadEntryAreLocal() async throws {
        // Answers only the first entry, and the second one with bad hex.
        let transport = CannedTransport { request in
            let entries = request.arrayValue ?? []
            return JSONSerializer.serialize(.array([
                .object(["jsonrpc": .string("2.0"), "id": entries[0]["id"]!, "result": .string("0x1")]),
                .object(["jsonrpc": .string("2.0"), "id": entries[1]["id"]!, "result": .string("0xnothex")]),
                // An error the node could not tie to any entry.
                .object(["jsonrpc": .string("2.0"), "id": .null, "error": .object(["code": .int(-32600), "message": .string("Invalid Request")])]),
            ]))
        }
        let (a, b, c) = try await RPCClient(transport: transport).batch(.chainId, .blockNumber, .gasPrice)
        #expect(try a.get() == 1)
        guard case .failure(.invalidResult) = b else { Issue.record("\(b)"); return }
        guard case .failure(.missingResponse) = c else { Issue.record("\(c)"); return }
    }

    @Test func wholeBatchFailures() async {
        let rejected = RPCClient(transport: CannedTransport(body: #"{"jsonrpc":"2.0","id":null,"error":{"code":-32005,"message":"batch too large"}}"#))
        do {
            _ = try await rejected.batch(.chainId, .blockNumber)
            Issue.record("expected failure")
        } catch {
            #expect(error == .server(JSONRPCError(code: -32005, message: "batch too large")))
        }
        for body in [#"[{"jsonrpc":"2.0","id":12345,"result":"0x1"}]"#, "[1]", "{\"id\":1}", "oops"] {
            do {
                _ = try await RPCClient(transport: CannedTransport(body: body)).batch(.chainId, .blockNumber)
                Issue.record("accepted \(body)")
            } catch {
                guard case .malformedResponse = error else { Issue.record("\(body): \(error)"); continue }
            }
        }
    }

    @Test func duplicateEntryIsRejected() async {
        let transport = CannedTransport { request in
            let id = request.arrayValue?.first?["id"] ?? .null
            let entry: JSONValue = ["jsonrpc": "2.0", "id": id, "result": "0x1"]
            return JSONSerializer.serialize([entry, entry])
        }
        do {
            _ = try await RPCClient(transport: transport).batch(.chainId, .blockNumber)
            Issue.record("accepted duplicate")
        } catch {
            guard case .malformedResponse = error else { Issue.record("\(error)"); return }
        }
    }

    @Test func emptyBatchSendsNothing() async throws {
        let transport = CannedTransport(body: "unused")
        let results = try await RPCClient(transport: transport).batch([RPCCall<UInt64>]())
        #expect(results.isEmpty && transport.requests.isEmpty)
    }
}
