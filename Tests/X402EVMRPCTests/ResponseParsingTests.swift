import Testing
import X402EVM
@testable import X402EVMRPC

/// A client whose node answers every request with `result` (echoing the id).
private func client(result: String) -> RPCClient {
    let value = try! JSONParser.parse(result)
    return RPCClient(transport: CannedTransport { request in reply(to: request, ["result": value]) })
}

/// A client whose node answers every request with this raw body.
private func client(body: String) -> RPCClient {
    RPCClient(transport: CannedTransport(body: body))
}

private func expectError<T>(_ expected: RPCError, _ body: () async throws(RPCError) -> T, sourceLocation: SourceLocation = #_sourceLocation) async {
    do {
        let value = try await body()
        Issue.record("expected \(expected), got \(value)", sourceLocation: sourceLocation)
    } catch {
        #expect(error == expected, sourceLocation: sourceLocation)
    }
}

private func expectInvalidResult<T>(field: String, _ body: () async throws(RPCError) -> T, sourceLocation: SourceLocation = #_sourceLocation) async {
    do {
        let value = try await body()
        Issue.record("expected invalidResult(\(field)), got \(value)", sourceLocation: sourceLocation)
    } catch {
        guard case .invalidResult(let f, _) = error else {
            Issue.record("expected invalidResult(\(field)), got \(error)", sourceLocation: sourceLocation)
            return
        }
        #expect(f == field, sourceLocation: sourceLocation)
    }
}

let receiptJSON = """
{"type":"0x2","status":"0x1","cumulativeGasUsed":"0xb44c","logs":[{"address":"0x5fbdb2315678afecb367f032d93f642f64180aa3",
"topics":["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef","0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266"],
"data":"0x00000000000000000000000000000000000000000000000000000000000003e8","blockHash":"0x8f0dca7a4a4c4c4bff8c5ea8e9b9ae34e4a67d1ce1d1d9ad9e53d3d9a2a40a11",
"blockNumber":"0x5","blockTimestamp":"0x6553f100","transactionHash":"0x1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff001",
"transactionIndex":"0x0","logIndex":"0x0","removed":false}],"logsBloom":"0x00","transactionHash":"0x1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff001",
"transactionIndex":"0x0","blockHash":"0x8f0dca7a4a4c4c4bff8c5ea8e9b9ae34e4a67d1ce1d1d9ad9e53d3d9a2a40a11","blockNumber":"0x5",
"gasUsed":"0xb44c","effectiveGasPrice":"0x3b9aca07","from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
"to":"0x5fbdb2315678afecb367f032d93f642f64180aa3","contractAddress":null}
"""

@Suite struct ResponseParsingTests {
    @Test func quantities() async throws {
        #expect(try await client(result: #""0x14a34""#).chainId() == 84532)
        #expect(try await client(result: #""0x0""#).blockNumber() == 0)
        // 2^255: exact, beyond any machine integer.
        let big = try await client(result: #""0x8000000000000000000000000000000000000000000000000000000000000000""#).getBalance(.zero)
        #expect(big == UInt256(high: 1 << 127, low: 0))
    }

    @Test func strictQuantities() async {
        await expectInvalidResult(field: "result") { () async throws(RPCError) in try await client(result: #""0x""#).chainId() }
        await expectInvalidResult(field: "result") { () async throws(RPCError) in try await client(result: #""14a34""#).chainId() }
        await expectInvalidResult(field: "result") { () async throws(RPCError) in try await client(result: #""0xzz""#).chainId() }
        await expectInvalidResult(field: "result") { () async throws(RPCError) in try await client(result: "84532").chainId() }
        // Fits UInt256 but not the UInt64 a block number must be.
        await expectInvalidResult(field: "result") { () async throws(RPCError) in try await client(result: #""0x10000000000000000""#).blockNumber() }
        // 65 significant digits overflow UInt256.
        await expectInvalidResult(field: "result") { () async throws(RPCError) in
            try await client(result: #""0x1\#(String(repeating: "0", count: 64))""#).gasPrice()
        }
    }

    @Test func dataAndHashes() async throws {
        #expect(try await client(result: #""0x""#).getCode(.zero) == [])
        #expect(try await client(result: #""0x6080AB""#).call(CallRequest(to: .zero)) == [0x60, 0x80, 0xab])
        await expectInvalidResult(field: "result") { () async throws(RPCError) in try await client(result: #""0x608""#).getCode(.zero) }
        let hash = try await client(result: #""0x1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff001""#).sendRawTransaction([1])
        #expect(hash.hex == "0x1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff001")
        await expectInvalidResult(field: "result") { () async throws(RPCError) in try await client(result: #""0x1b2c""#).sendRawTransaction([1]) }
        // Short storage words are left-padded to 32 bytes.
        #expect(try await client(result: #""0x05""#).getStorageAt(.zero, slot: 0) == Bytes32(0, 0, 0, 5))
    }

    @Test func receipt() async throws {
        let receipt = try #require(try await client(result: receiptJSON).getTransactionReceipt(.zero))
        #expect(receipt.succeeded)
        #expect(receipt.gasUsed == 0xb44c && receipt.blockNumber == 5 && receipt.type == 2)
        #expect(receipt.effectiveGasPrice == UInt256(0x3b9aca07))
        #expect(receipt.contractAddress == nil)
        #expect(receipt.to == (try Address(hex: "0x5fbdb2315678afecb367f032d93f642f64180aa3")))
        #expect(receipt.logs.count == 1)
        let log = receipt.logs[0]
        let sender = try Address(hex: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")
        #expect(log.topics.count == 2 && log.topics[1] == sender.word)
        #expect(UInt256(word: try Bytes32(log.data)) == 1000)
        #expect(log.logIndex == 0 && log.blockNumber == 5 && log.transactionHash == receipt.transactionHash && !log.removed)
    }

    @Test func receiptRevertedAndPending() async throws {
        let reverted = receiptJSON.replacingOccurrences(of: #""status":"0x1""#, with: #""status":"0x0""#)
        #expect(try await client(result: reverted).getTransactionReceipt(.zero)?.succeeded == false)
        #expect(try await client(result: "null").getTransactionReceipt(.zero) == nil)
        let weird = receiptJSON.replacingOccurrences(of: #""status":"0x1""#, with: #""status":"0x2""#)
        await expectInvalidResult(field: "status") { () async throws(RPCError) in try await client(result: weird).getTransactionReceipt(.zero) }
        let noStatus = receiptJSON.replacingOccurrences(of: #""status":"0x1","#, with: "")
        await expectInvalidResult(field: "status") { () async throws(RPCError) in try await client(result: noStatus).getTransactionReceipt(.zero) }
        let badTopic = receiptJSON.replacingOccurrences(of: "0x000000000000000000000000f39fd6e5", with: "0x0000f39fd6e5")
        await expectInvalidResult(field: "topics") { () async throws(RPCError) in try await client(result: badTopic).getTransactionReceipt(.zero) }
        await expectInvalidResult(field: "transactionHash") { () async throws(RPCError) in try await client(result: "[1]").getTransactionReceipt(.zero) }
    }

    @Test func block() async throws {
        let json = """
        {"number":"0x1b4","hash":"0xdc0818cf78f21a8e70579cb46a43643f78291264dda342ae31049421c82d21ae",
        "parentHash":"0xe99e022112df268087ea7eafaf4790497fd21dbeeb6bd7a1721df161a6657a54","timestamp":"0x55ba467c",
        "baseFeePerGas":"0x7","gasLimit":"0x1c9c380","gasUsed":"0x0","transactions":["0x1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff001"]}
        """
        let block = try #require(try await client(result: json).getBlockByNumber(.latest))
        #expect(block.number == 436 && block.timestamp == 0x55ba467c && block.baseFeePerGas == 7)
        #expect(block.transactionHashes.count == 1)
        #expect(try await client(result: "null").getBlockByNumber(.number(1_000_000)) == nil)
    }

    @Test func transaction() async throws {
        let json = """
        {"hash":"0x1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff001","type":"0x0","nonce":"0x2",
        "from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","to":null,"value":"0xde0b6b3a7640000","input":"0x6080",
        "gas":"0x7a120","gasPrice":"0x3b9aca00","blockNumber":null,"blockHash":null,"transactionIndex":null}
        """
        let tx = try #require(try await client(result: json).getTransactionByHash(.zero))
        #expect(tx.to == nil && tx.nonce == 2 && tx.value == UInt256(1_000_000_000_000_000_000) && tx.input == [0x60, 0x80])
        #expect(tx.blockNumber == nil && tx.gasPrice == UInt256(1_000_000_000) && tx.maxFeePerGas == nil)
    }

    @Test func feeHistory() async throws {
        let json = #"{"oldestBlock":"0x3","baseFeePerGas":["0x7","0x8","0x9"],"gasUsedRatio":[0,0.5],"reward":[["0x1"],["0x2"]]}"#
        let history = try await client(result: json).feeHistory(blockCount: 2, rewardPercentiles: [50])
        #expect(history.oldestBlock == 3 && history.baseFeePerGas == [7, 8, 9])
        #expect(history.gasUsedRatio == [0, 0.5] && history.reward == [[1], [2]])
    }

    @Test func logsArray() async throws {
        #expect(try await client(result: "[]").getLogs(LogFilter()) == [])
        await expectInvalidResult(field: "result") { () async throws(RPCError) in try await client(result: "{}").getLogs(LogFilter()) }
        await expectInvalidResult(field: "address") { () async throws(RPCError) in
            try await client(result: #"[{"address":"0x12","topics":[],"data":"0x"}]"#).getLogs(LogFilter())
        }
    }
}

@Suite struct ErrorResponseTests {
    @Test func revertDataAsBytes() async {
        // anvil / geth: code 3, revert bytes in data (here the custom error InvalidSignature()).
        let c = client(body: #"{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"0x8baa579f"}}"#)
        do {
            _ = try await c.call(CallRequest(to: .zero))
            Issue.record("expected a revert")
        } catch {
            #expect(error.revertData == [0x8b, 0xaa, 0x57, 0x9f])
            #expect(error.jsonRPCError?.code == 3)
            #expect(error.jsonRPCError?.message == "execution reverted")
        }
    }

    @Test func revertDataVariants() {
        // Hardhat nests it; Nethermind prefixes it; geth's bare revert has none.
        #expect(JSONRPCError(code: -32603, message: "reverted", data: .object(["data": .string("0x01")])).revertData == [1])
        #expect(JSONRPCError(code: -32015, message: "VM execution error.", data: .string("Reverted 0x0102")).dataBytes == [1, 2])
        #expect(JSONRPCError(code: -32000, message: "execution reverted").revertData == [])
        #expect(JSONRPCError(code: -32601, message: "method not found").revertData == nil)
        #expect(JSONRPCError(code: -32000, message: "nonce too low", data: .string("not hex")).dataBytes == nil)
    }

    @Test func serverErrorMatchesOrNullID() async {
        let expected = RPCError.server(JSONRPCError(code: -32601, message: "the method foo does not exist"))
        await expectError(expected) { () async throws(RPCError) in
            try await client(body: #"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"the method foo does not exist"}}"#).request("foo")
        }
        await expectError(RPCError.server(JSONRPCError(code: -32700, message: "Parse error"))) { () async throws(RPCError) in
            try await client(body: #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}"#).chainId()
        }
    }

    @Test func malformedBodies() async {
        for body in ["", "not json", "<html>502 Bad Gateway</html>", "[1,2", "42", "\"0x1\"", "null"] {
            do {
                _ = try await client(body: body).chainId()
                Issue.record("accepted \(body)")
            } catch {
                guard case .malformedResponse = error else { Issue.record("\(body): \(error)"); continue }
            }
        }
    }

    @Test func idMismatch() async throws {
        await expectError(.idMismatch(expected: 1, received: "999")) { () async throws(RPCError) in
            try await client(body: #"{"jsonrpc":"2.0","id":999,"result":"0x1"}"#).chainId()
        }
        await expectError(.idMismatch(expected: 1, received: "null")) { () async throws(RPCError) in
            try await client(body: #"{"jsonrpc":"2.0","result":"0x1"}"#).chainId()
        }
        // Stringified ids (some proxies) still match.
        #expect(try await client(body: #"{"jsonrpc":"2.0","id":"1","result":"0x1"}"#).chainId() == 1)
    }

    @Test func missingResultVersusNull() async {
        await expectError(.missingResult) { () async throws(RPCError) in
            try await client(body: #"{"jsonrpc":"2.0","id":1}"#).getTransactionReceipt(.zero)
        }
        // null result where a value is required is a decoding error, not a crash.
        await expectInvalidResult(field: "result") { () async throws(RPCError) in
            try await client(body: #"{"jsonrpc":"2.0","id":1,"result":null}"#).chainId()
        }
    }

    @Test func invalidEnvelope() async {
        for body in [
            #"{"jsonrpc":"1.0","id":1,"result":"0x1"}"#,
            #"{"jsonrpc":"2.0","id":1,"error":"boom"}"#,
            #"{"jsonrpc":"2.0","id":1,"error":{"message":"no code"}}"#,
            #"{"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"x"}}"#,
        ] {
            do {
                _ = try await client(body: body).chainId()
                Issue.record("accepted \(body)")
            } catch {
                guard case .malformedResponse = error else { Issue.record("\(body): \(error)"); continue }
            }
        }
    }

    @Test func transportErrorsPassThrough() async {
        let c = RPCClient(transport: CannedTransport { _ throws(RPCError) in throw .httpStatus(code: 429, body: "slow down") })
        await expectError(.httpStatus(code: 429, body: "slow down")) { () async throws(RPCError) in try await c.blockNumber() }
    }
}
