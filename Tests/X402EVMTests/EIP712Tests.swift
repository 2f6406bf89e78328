import Testing
import X402EVM

@Suite struct EIP712Tests {
    /// The example from the EIP-712 specification (Mail / Person), as published with its hashes.
    static let mailJSON = """
    {"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},
    {"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],
    "Person":[{"name":"name","type":"string"},{"name":"wallet","type":"address"}],
    "Mail":[{"name":"from","type":"Person"},{"name":"to","type":"Person"},{"name":"contents","type":"string"}]},
    "primaryType":"Mail",
    "domain":{"name":"Ether Mail","version":"1","chainId":1,"verifyingContract":"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
    "message":{"from":{"name":"Cow","wallet":"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
    "to":{"name":"Bob","wallet":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},"contents":"Hello, Bob!"}}
    """

    @Test func specificationMailExample() throws {
        let typedData = try EIP712TypedData(json: Self.mailJSON)
        #expect(try typedData.types.encodeType("Mail") == "Mail(Person from,Person to,string contents)Person(string name,address wallet)")
        #expect(try typedData.types.typeHash("Mail").hex == "0xa0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2")
        #expect(try typedData.domainSeparator().hex == "0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f")
        #expect(try typedData.messageHash().hex == "0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e")
        #expect(try typedData.digest().hex == "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2")
    }

    @Test func builtInSwiftEqualsParsedJSON() throws {
        let person: [EIP712Field] = [.init(name: "name", type: "string"), .init(name: "wallet", type: "address")]
        let typedData = try EIP712TypedData(
            types: ["Person": person, "Mail": [.init(name: "from", type: "Person"), .init(name: "to", type: "Person"),
                                               .init(name: "contents", type: "string")]],
            primaryType: "Mail",
            domain: EIP712Domain(name: "Ether Mail", version: "1", chainId: 1,
                                 verifyingContract: try Address(hex: "0xcccccccccccccccccccccccccccccccccccccccc")),
            message: ["from": ["name": "Cow", "wallet": .bytes(try Hex.decode("0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826"))],
                      "to": ["name": "Bob", "wallet": "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"],
                      "contents": "Hello, Bob!"])
        #expect(try typedData.digest() == EIP712TypedData(json: Self.mailJSON).digest())
    }

    @Test func permit2DomainHasNoVersion() throws {
        let domain = EIP712Domain(name: "Permit2", chainId: 84532,
                                  verifyingContract: try Address(hex: "0x000000000022D473030F116dDEE9F6B43aC78BA3"))
        #expect(domain.encodedType == "EIP712Domain(string name,uint256 chainId,address verifyingContract)")
        #expect(domain.separator.hex == "0x010f27a92fb9a32622f44f001dc4d15706a85b33499cfc2ce9033113ab26592c")
    }

    // MARK: Values

    static func word(_ type: String, _ value: EIP712Value) throws(EIP712Error) -> String {
        let types = try EIP712Types(["T": [EIP712Field(name: "v", type: type)]])
        return Array(try types.encodeData("T", ["v": value])[32...]).hexString
    }

    @Test func integerForms() throws {
        let five = "0x" + String(repeating: "0", count: 63) + "5"
        #expect(try Self.word("uint8", 5) == five)
        #expect(try Self.word("uint8", "5") == five)
        #expect(try Self.word("uint8", "0x05") == five)
        #expect(try Self.word("int8", -1) == "0x" + String(repeating: "f", count: 64))
        #expect(try Self.word("int256", "-1") == "0x" + String(repeating: "f", count: 64))
        #expect(try Self.word("int8", -128) == "0x" + String(repeating: "f", count: 62) + "80")
        #expect(try Self.word("uint256", .uint(UInt256.max)) == "0x" + String(repeating: "f", count: 64))
    }

    @Test func integerRangesAreEnforced() {
        #expect(throws: EIP712Error.valueOutOfRange(path: "v", type: "uint8")) { try Self.word("uint8", 256) }
        #expect(throws: EIP712Error.valueOutOfRange(path: "v", type: "uint8")) { try Self.word("uint8", -1) }
        #expect(throws: EIP712Error.valueOutOfRange(path: "v", type: "int8")) { try Self.word("int8", 128) }
        #expect(throws: EIP712Error.valueOutOfRange(path: "v", type: "int8")) { try Self.word("int8", -129) }
        #expect(throws: EIP712Error.valueOutOfRange(path: "v", type: "uint40")) { try Self.word("uint40", "0x10000000000") }
        #expect(throws: EIP712Error.invalidValue(path: "v", type: "uint256")) { try Self.word("uint256", "12a") }
        #expect(throws: EIP712Error.invalidValue(path: "v", type: "uint256")) { try Self.word("uint256", true) }
    }

    @Test func bytesAndAddresses() throws {
        #expect(try Self.word("bytes2", "0xabcd") == "0xabcd" + String(repeating: "0", count: 60))
        #expect(try Self.word("bytes", "0x") == Keccak256.hash([UInt8]()).hex)
        #expect(try Self.word("bool", true) == "0x" + String(repeating: "0", count: 63) + "1")
        #expect(throws: EIP712Error.invalidValue(path: "v", type: "bytes2")) { try Self.word("bytes2", "0xab") }
        #expect(throws: EIP712Error.invalidValue(path: "v", type: "address")) { try Self.word("address", "0x1234") }
        #expect(throws: EIP712Error.invalidValue(path: "v", type: "address")) { try Self.word("address", 5) }
        #expect(throws: EIP712Error.invalidValue(path: "v", type: "string")) { try Self.word("string", 5) }
    }

    @Test func arrays() throws {
        let a = try Self.word("uint8[2]", [1, 2])
        var concatenated = [UInt8](repeating: 0, count: 64)
        concatenated[31] = 1
        concatenated[63] = 2
        #expect(a == Keccak256.hash(concatenated).hex)
        #expect(try Self.word("uint8[]", []) == Keccak256.hash([UInt8]()).hex)
        #expect(throws: EIP712Error.arrayLengthMismatch(path: "v", expected: 2, actual: 3)) { try Self.word("uint8[2]", [1, 2, 3]) }
        #expect(throws: EIP712Error.valueOutOfRange(path: "v[1]", type: "uint8")) { try Self.word("uint8[]", [1, 300]) }
    }

    // MARK: Errors

    @Test func errorPathsNameTheValue() throws {
        let types = try EIP712Types([
            "Outer": [.init(name: "items", type: "Inner[]")],
            "Inner": [.init(name: "who", type: "address"), .init(name: "n", type: "uint8")],
        ])
        #expect(throws: EIP712Error.missingField(path: "items[1].n")) {
            try types.hashStruct("Outer", ["items": [["who": .string("0x" + String(repeating: "1", count: 40)), "n": 1],
                                                     ["who": .string("0x" + String(repeating: "2", count: 40))]]])
        }
        #expect(throws: EIP712Error.invalidValue(path: "items[0]", type: "Inner")) { try types.hashStruct("Outer", ["items": [5]]) }
    }

    @Test func typeDeclarationErrors() {
        #expect(throws: EIP712Error.unknownType("Missing")) {
            try EIP712Types(["A": [.init(name: "m", type: "Missing[]")]]).typeHash("A")
        }
        #expect(throws: EIP712Error.unknownType("uint7")) {
            try EIP712Types(["A": [.init(name: "m", type: "uint7")]]).typeHash("A")
        }
        #expect(throws: EIP712Error.invalidFieldDeclaration(type: "A", field: "m")) {
            try EIP712Types(["A": [.init(name: "m", type: "uint8[x]")]])
        }
        #expect(throws: EIP712Error.invalidFieldDeclaration(type: "A", field: "m n")) {
            try EIP712Types(["A": [.init(name: "m n", type: "uint8")]])
        }
        #expect(throws: EIP712Error.duplicateField(type: "A", field: "m")) {
            try EIP712Types(["A": [.init(name: "m", type: "uint8"), .init(name: "m", type: "bool")]])
        }
        #expect(throws: EIP712Error.invalidTypeName("uint256")) { try EIP712Types(["uint256": []]) }
        #expect(throws: EIP712Error.invalidTypeName("A(B)")) { try EIP712Types(["A(B)": []]) }
    }

    @Test func recursionThroughArraysIsAllowedDirectCyclesAreNot() throws {
        let tree = try EIP712Types(["Node": [.init(name: "v", type: "uint8"), .init(name: "kids", type: "Node[]")]])
        #expect(try tree.encodeType("Node") == "Node(uint8 v,Node[] kids)")
        _ = try tree.hashStruct("Node", ["v": 1, "kids": [["v": 2, "kids": []]]])

        let cycle = try EIP712Types(["A": [.init(name: "b", type: "B")], "B": [.init(name: "a", type: "A")]])
        #expect(try cycle.encodeType("A") == "A(B b)B(A a)")
        #expect(throws: EIP712Error.cyclicType("A")) { try cycle.hashStruct("A", ["b": ["a": [:]]]) }
    }

    @Test func deepValuesAreRejectedNotCrashing() throws {
        let tree = try EIP712Types(["Node": [.init(name: "kids", type: "Node[]")]])
        var value: EIP712Value = ["kids": []]
        for _ in 0..<200 { value = ["kids": [value]] }
        #expect(throws: EIP712Error.nestingTooDeep) { try tree.hashStruct("Node", value) }
    }

    @Test func documentErrors() {
        #expect(throws: EIP712Error.invalidDocument(key: "primaryType")) {
            try EIP712TypedData(json: #"{"types":{},"domain":{},"message":{}}"#)
        }
        #expect(throws: EIP712Error.unknownType("Mail")) {
            try EIP712TypedData(json: #"{"types":{},"primaryType":"Mail","domain":{},"message":{}}"#)
        }
        #expect(throws: EIP712Error.unknownDomainField("owner")) {
            try EIP712TypedData(json: #"{"types":{"A":[]},"primaryType":"A","domain":{"owner":"x"},"message":{}}"#)
        }
        #expect(throws: EIP712Error.invalidFieldDeclaration(type: "A", field: "")) {
            try EIP712TypedData(json: #"{"types":{"A":[{"name":"x"}]},"primaryType":"A","domain":{},"message":{}}"#)
        }
    }

    @Test func inferredDomainTypeUsesStandardOrder() throws {
        let json = #"{"types":{"A":[]},"primaryType":"A","domain":{"salt":"0x\#(String(repeating: "ab", count: 32))","chainId":"0x1","name":"n"},"message":{}}"#
        let typedData = try EIP712TypedData(json: json)
        #expect(typedData.types.definitions["EIP712Domain"]?.map(\.name) == ["name", "chainId", "salt"])
        let domain = EIP712Domain(name: "n", chainId: 1, salt: try Bytes32(hex: "0x" + String(repeating: "ab", count: 32)))
        #expect(try typedData.domainSeparator() == domain.separator)
    }

    // MARK: JSON reader

    @Test func jsonReaderIsStrict() {
        // Read with the package's one JSON parser; offsets are its own, the kind of failure is what matters.
        func kind(_ e: EIP712Error) -> String {
            switch e {
            case .malformedJSON: "malformed"
            case .nonIntegerNumber: "nonInteger"
            case .nestingTooDeep: "tooDeep"
            default: "\(e)"
            }
        }
        for (text, expected) in [
            ("{\"a\":1,}", "malformed"), ("{\"a\":01}", "malformed"), ("{\"a\":1.5}", "nonInteger"),
            ("{\"a\":1e3}", "nonInteger"), ("{\"a\":1,\"a\":2}", "malformed"), ("\"\\ud800\"", "malformed"),
            ("[1] x", "malformed"), ("", "malformed"), ("\"abc", "malformed"), ("tru", "malformed"),
            (String(repeating: "[", count: 10_000), "tooDeep"),
        ] {
            #expect(throws: (any Error).self, "\(text)") { try EIP712Value(json: text) }
            do { _ = try EIP712Value(json: text) } catch { #expect(kind(error) == expected, "\(text)") }
        }
        // A duplicate key is reported where the key starts.
        #expect(throws: EIP712Error.malformedJSON(offset: 7)) { try EIP712Value(json: "{\"a\":1,\"a\":2}") }
        #expect(throws: EIP712Error.malformedJSON(offset: 1)) { try EIP712Value(jsonUTF8: [0x22, 0xff, 0x22]) }
    }

    @Test func jsonReaderValues() throws {
        #expect(try EIP712Value(json: #" {"s":"a\"\\\/\n\u00e9\ud83d\ude00","n":-12,"b":[true,false,null]} "#)
            == ["s": "a\"\\/\né😀", "n": -12, "b": [true, false, nil]])
        #expect(try EIP712Value(json: "115792089237316195423570985008687907853269984665640564039457584007913129639935")
            == .uint(UInt256.max))
        #expect(throws: EIP712Error.self) {
            try EIP712Value(json: "115792089237316195423570985008687907853269984665640564039457584007913129639936")
        }
    }
}
