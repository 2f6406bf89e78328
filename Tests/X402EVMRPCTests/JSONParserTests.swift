import Testing
@testable import X402EVMRPC

@Suite struct JSONParserTests {
    func parse(_ text: String) throws(JSONParser.Failure) -> RPCJSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func values() throws {
        #expect(try parse(#" {"a": [1, -2, 3.5, 1e3, true, false, null], "b": {}, "c": []} "#) == .object([
            "a": .array([.integer(1), .integer(-2), .double(3.5), .double(1000), .bool(true), .bool(false), .null]),
            "b": .object([:]), "c": .array([]),
        ]))
        #expect(try parse("9223372036854775807") == .integer(.max))
        // Beyond Int64: a double, never a trap.
        #expect(try parse("18446744073709551616") == .double(18446744073709551616))
        #expect(try parse("-0") == .integer(0))
    }

    @Test func stringEscapes() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        #expect(try parse(#""\u00e9\u20AC""#) == .string("é€"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse("\"héllo 😀\"") == .string("héllo 😀"))
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul",
        "\"unterminated", "\"bad \\x escape\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\u12\"",
        "\"tab\tinside\"", "[1] 2", "{\"a\":1}}", "NaN", "'single'",
    ])
    func rejects(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try parse(text) }
    }

    @Test func nestingIsCapped() throws {
        let ok = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: Never.self) { try parse(ok) }
        let hostile = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParser.Failure.tooDeep) { try parse(hostile) }
        let objects = String(repeating: "{\"a\":", count: 10_000)
        #expect(throws: JSONParser.Failure.tooDeep) { try parse(objects) }
    }

    @Test func serializeParseRoundTrip() throws {
        // Deterministic pseudo-random documents (SplitMix64), serialized by the client's writer.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let alphabet: [Character] = ["a", "Z", "0", "\"", "\\", "/", "\n", "\t", "\u{01}", "\u{1F}", "é", "€", "😀", " "]
        func randomValue(depth: Int) -> RPCJSONValue {
            switch next() % (depth > 3 ? 5 : 7) {
            case 0: return .null
            case 1: return .bool(next() % 2 == 0)
            case 2: return .integer(Int64(bitPattern: next()))
            case 3: return .double(Double(bitPattern: next() >> 2 | 0x3000_0000_0000_0000))
            case 4: return .string(String((0..<Int(next() % 12)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }))
            case 5: return .array((0..<Int(next() % 4)).map { _ in randomValue(depth: depth + 1) })
            default:
                var members: [String: RPCJSONValue] = [:]
                for k in 0..<Int(next() % 4) { members["k\(k)\(alphabet[Int(next() % UInt64(alphabet.count))])"] = randomValue(depth: depth + 1) }
                return .object(members)
            }
        }
        for _ in 0..<500 {
            let value = randomValue(depth: 0)
            #expect(try JSONParser.parse(value.serialized) == value, "\(value.jsonText)")
        }
    }
}
