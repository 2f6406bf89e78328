import Testing
@testable import X402EVM

@Suite struct ABISignatureTests {
    @Test func functionFromHumanReadableSignature() throws {
        let f = try ABIFunction("function transfer(address to, uint256 amount) external returns (bool)")
        #expect(f.signature == "transfer(address,uint256)")
        #expect(f.selectorHex == "0xa9059cbb")
        #expect(f.outputTypes == [.bool])
        let to = try Address(hex: "0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70")
        let call = try f.encodeCall([.address(to), .uint(1000)])
        #expect(call.count == 68)
        #expect(try f.decodeCall(call) == [.address(to), .uint(1000)])
        #expect(throws: ABIError.selectorMismatch(expected: f.selector, actual: [0xa9, 0x05])) { try f.decodeCall([0xa9, 0x05]) }
        #expect(try f.decodeOutput(f.encodeOutput([.bool(true)])) == [.bool(true)])
        #expect(try ABIFunction("balanceOf(address)", outputs: "(uint256 balance)").outputTypes == [.uint256])
        #expect(try ABIFunction("deposit((address,address,address,address,address,uint40,bytes32),uint128,address,bytes)").selectorHex == "0x140f1e75")
    }

    @Test(arguments: ["transfer", "transfer(", "transfer(address,)", "1abc()", "f(uint256) returns", "f(uint256) returns (", "f() trailing (x"])
    func rejectsMalformedSignatures(_ text: String) {
        #expect(throws: ABIError.self) { try ABIFunction(text) }
    }

    @Test func eventLogRoundTripAndTopicCheck() throws {
        let transfer = try ABIEvent("Transfer(address indexed from, address indexed to, uint256 value)")
        #expect(transfer.topic0.hex == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
        let from = try Address(hex: "0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1"), to = Address.zero
        let log = try transfer.encodeLog([.address(from), .address(to), .uint(42)])
        #expect(log.topics == [transfer.topic0, from.word, to.word])
        #expect(try transfer.decodeLog(topics: log.topics, data: log.data) == [.address(from), .address(to), .uint(42)])
        #expect(throws: ABIError.topicMismatch) { try transfer.decodeLog(topics: Array(log.topics.prefix(2)), data: log.data) }
        #expect(throws: ABIError.topicMismatch) { try transfer.decodeLog(topics: [.zero] + log.topics.dropFirst(), data: log.data) }
        // A topic with dirty upper bytes is not an address.
        var dirty = from.word.bytes
        dirty[0] = 1
        #expect(throws: ABIError.nonZeroPadding(at: 0)) {
            try transfer.decodeLog(topics: [transfer.topic0, try Bytes32(dirty), to.word], data: log.data)
        }
        #expect(throws: ABIError.invalidType("more than 3 indexed parameters")) {
            try ABIEvent("E(uint8 indexed a, uint8 indexed b, uint8 indexed c, uint8 indexed d)")
        }
    }

    @Test func indexedDynamicValuesComeBackAsTheirHash() throws {
        let e = try ABIEvent("Named(string indexed name, (uint8,uint8) indexed pair, bytes data)")
        let log = try e.encodeLog([.string("x402"), .tuple([.uint(1), .uint(2)]), .bytes([1])])
        #expect(log.topics[1] == Keccak256.hash("x402"))
        #expect(try e.decodeLog(topics: log.topics, data: log.data)
            == [.fixedBytes(Keccak256.hash("x402").bytes), .fixedBytes(log.topics[2].bytes), .bytes([1])])
    }

    @Test func customErrorsAndRevertReasons() throws {
        let custom = try ABICustomError("InsufficientBalance(uint256 available, uint256 required)")
        let data = try custom.encode([.uint(1), .uint(2)])
        #expect(RevertReason.decode(data, known: [custom]) == .custom(name: "InsufficientBalance", args: [.uint(1), .uint(2)]))
        #expect(RevertReason.decode(data) == .unknown(data))
        // A known selector with undecodable arguments is not claimed as that error.
        #expect(RevertReason.decode(data.prefix(10), known: [custom]) == .unknown(Array(data.prefix(10))))

        let errorString = try Hex.decode("0x08c379a0" + "0000000000000000000000000000000000000000000000000000000000000020"
            + "000000000000000000000000000000000000000000000000000000000000000d"
            + "696e73756666696369656e742100000000000000000000000000000000000000")
        #expect(RevertReason.decode(errorString) == .errorString("insufficient!"))
        #expect(RevertReason.decode(errorString.dropLast(1)) == .unknown(Array(errorString.dropLast(1))))
        let panic = try Hex.decode("0x4e487b71" + "0000000000000000000000000000000000000000000000000000000000000011")
        #expect(RevertReason.decode(panic) == .panic(0x11))
        #expect(RevertReason.decode([]) == .empty)
        #expect(RevertReason.decode([1, 2]) == .unknown([1, 2]))
        #expect(RevertReason.errorStringError.selectorHex == "0x08c379a0")
        #expect(RevertReason.panicError.selectorHex == "0x4e487b71")
    }
}
