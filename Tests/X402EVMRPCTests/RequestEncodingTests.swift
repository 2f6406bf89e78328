import Testing
import X402EVM
@testable import X402EVMRPC
import X402Testing

@Suite struct RequestEncodingTests {
    let alice = try! Address(hex: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
    let token = try! Address(hex: "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
    let topic0 = try! Bytes32(hex: "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")

    /// The exact body the client sends for `call` (compact JSON, members in a fixed order).
    func body<T>(_ call: RPCCall<T>, id: UInt64 = 7) -> String {
        RPCClient.requestObject(id: id, method: call.method, params: call.params).jsonText
    }

    @Test func envelope() {
        #expect(body(.chainId) == #"{"jsonrpc":"2.0","id":7,"method":"eth_chainId","params":[]}"#)
        // Ids up to 2^63 - 1 are exact integers.
        #expect(body(.chainId, id: 0x7FFF_FFFF_FFFF_FFFF) == #"{"jsonrpc":"2.0","id":9223372036854775807,"method":"eth_chainId","params":[]}"#)
    }

    @Test func bodiesAreDeterministic() async throws {
        // The same calls give byte-identical bodies (ids aside), whatever the order fields were set in.
        var a = CallRequest(to: token, data: [1])
        a.value = 5
        a.from = alice
        let b = CallRequest(from: alice, to: token, data: [1], value: 5)
        #expect(body(.call(a)) == body(.call(b)))
        let transport = CannedTransport.echoing { method, _ in method == "eth_call" ? "0x01" : [] }
        let client = RPCClient(transport: transport)
        _ = try await client.call(a)
        _ = try await client.batch(.call(b), .getLogs(LogFilter(addresses: [token], topics: [[topic0]])))
        #expect(transport.bodies == [
            #"{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","to":"0x036cbd53842c5426634e7929541ec2318f3dcf7e","value":"0x5","data":"0x01"},"latest"]}"#,
            #"[{"jsonrpc":"2.0","id":2,"method":"eth_call","params":[{"from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","to":"0x036cbd53842c5426634e7929541ec2318f3dcf7e","value":"0x5","data":"0x01"},"latest"]},{"jsonrpc":"2.0","id":3,"method":"eth_getLogs","params":[{"fromBlock":"latest","toBlock":"latest","address":"0x036cbd53842c5426634e7929541ec2318f3dcf7e","topics":["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"]}]}]"#,
        ])
    }

    @Test func addressAndBlockTagParams() {
        #expect(RPCCall.getBalance(alice).params == [.string("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"), .string("latest")])
        #expect(RPCCall.getTransactionCount(alice, block: .pending).params[1] == .string("pending"))
        #expect(RPCCall.getCode(alice, block: .number(0)).params[1] == .string("0x0"))
        #expect(RPCCall.getCode(alice, block: .number(0x1b4)).params[1] == .string("0x1b4"))
        #expect(BlockTag.finalized.jsonValue == .string("finalized"))
    }

    @Test func callObjectQuantitiesAreMinimalHex() {
        let call = CallRequest(from: alice, to: token, data: [0xa9, 0x05, 0x9c, 0xbb], value: 0, gas: 500_000,
                               maxFeePerGas: UInt256(1_000_000_000))
        #expect(body(.call(call, block: .number(16))) == #"{"jsonrpc":"2.0","id":7,"method":"eth_call","params":[{"from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","to":"0x036cbd53842c5426634e7929541ec2318f3dcf7e","gas":"0x7a120","maxFeePerGas":"0x3b9aca00","value":"0x0","data":"0xa9059cbb"},"0x10"]}"#)
    }

    @Test func estimateGasOmitsBlockUnlessAsked() {
        let call = CallRequest(to: token)
        #expect(RPCCall.estimateGas(call).params.count == 1)
        #expect(RPCCall.estimateGas(call, block: .pending).params.count == 2)
    }

    @Test func logFilterTopicsWildcardAndOr() {
        let other = Bytes32(0, 0, 0, 1)
        let filter = LogFilter(fromBlock: .number(1), toBlock: .latest, addresses: [token, alice],
                               topics: [[topic0], nil, [alice.word, other]])
        let expected = #"[{"fromBlock":"0x1","toBlock":"latest","address":["0x036cbd53842c5426634e7929541ec2318f3dcf7e","0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"],"topics":["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",null,["0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266","0x0000000000000000000000000000000000000000000000000000000000000001"]]}]"#
        #expect(JSONValue.array(RPCCall.getLogs(filter).params).jsonText == expected)
    }

    @Test func logFilterSingleAddressAndBlockHash() {
        let filter = LogFilter(blockHash: topic0, addresses: [token])
        #expect(filter.jsonValue.jsonText == #"{"blockHash":"0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef","address":"0x036cbd53842c5426634e7929541ec2318f3dcf7e"}"#)
    }

    @Test func feeHistoryAndRawTransactionParams() {
        #expect(JSONValue.array(RPCCall.feeHistory(blockCount: 4, rewardPercentiles: [25, 50.5]).params).jsonText
                == #"["0x4","latest",[25.0,50.5]]"#)
        // JSON has no NaN or infinity.
        #expect(RPCCall.feeHistory(blockCount: 1, rewardPercentiles: [.nan, .infinity, 1e-7]).params[2] == [nil, nil, .number(try! JSONNumber("1e-07"))])
        #expect(RPCCall.sendRawTransaction([0x02, 0xf8]).params == [.string("0x02f8")])
        #expect(RPCCall.getStorageAt(token, slot: 5).params[1] == .string("0x5"))
    }

    @Test func stringEscaping() async throws {
        // Params reach the node escaped and come back intact.
        let transport = CannedTransport.echoing { _, params in params.first ?? .null }
        let text = "a\"b\\c\n\u{01}é😀"
        #expect(try await RPCClient(transport: transport).request("echo", [.string(text)]) == .string(text))
        #expect(transport.bodies[0].contains(#"["a\"b\\c\n\u0001é😀"]"#))
    }

    @Test func idsIncreasePerRequest() async throws {
        let transport = CannedTransport.echoing { _, _ in .string("0x1") }
        let client = RPCClient(transport: transport)
        _ = try await client.chainId()
        _ = try await client.chainId()
        let ids = transport.requests.compactMap { $0["id"] }
        #expect(ids.count == 2 && ids[0] != ids[1])
    }

    @Test func devnetHelperParams() async throws {
        let transport = CannedTransport.echoing { method, _ in method == "evm_snapshot" ? .string("0x3") : .bool(true) }
        let client = RPCClient(transport: transport)
        try await client.devnetIncreaseTime(seconds: 3600)
        try await client.devnetSetBalance(alice, UInt256(10).multipliedReportingOverflow(by: 1_000_000_000_000_000_000).partialValue)
        try await client.devnetSetStorageAt(token, slot: 1, value: Bytes32(0, 0, 0, 9))
        try await client.devnetSetNonce(alice, 255)
        let snapshot = try await client.devnetSnapshot()
        #expect(try await client.devnetRevert(to: snapshot))
        let sent = transport.requests.map { "\($0["method"]!.stringValue!) \($0["params"]!.jsonText)" }
        #expect(sent == [
            #"evm_increaseTime [3600]"#,
            #"anvil_setBalance ["0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","0x8ac7230489e80000"]"#,
            #"anvil_setStorageAt ["0x036cbd53842c5426634e7929541ec2318f3dcf7e","0x1","0x0000000000000000000000000000000000000000000000000000000000000009"]"#,
            #"anvil_setNonce ["0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","0xff"]"#,
            #"evm_snapshot []"#,
            #"evm_revert ["0x3"]"#,
        ])
    }
}
