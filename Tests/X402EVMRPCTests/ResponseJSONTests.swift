import Testing
@testable import X402EVMRPC

/// How the client reads response bodies through X402JSON: strict JSON, exact numbers, bounded nesting
/// and size. Every rejection is `RPCError.malformedResponse`, never a trap.
@Suite struct ResponseJSONTests {
    /// A client whose node answers every request with this raw body.
    func client(body: String, limits: JSONLimits = .rpc) -> RPCClient {
        RPCClient(transport: CannedTransport(body: body), responseLimits: limits)
    }

    /// The raw `result` of a response whose result member is `resultText`.
    func result(_ resultText: String) async throws(RPCError) -> JSONValue {
        try await client(body: #"{"jsonrpc":"2.0","id":1,"result":"# + resultText + "}").request("x")
    }

    func expectMalformed(_ body: String, limits: JSONLimits = .rpc, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            let value = try await client(body: body, limits: limits).request("x")
            Issue.record("accepted \(body.prefix(80)): \(value)", sourceLocation: sourceLocation)
        } catch {
            guard case .malformedResponse = error else {
                Issue.record("\(body.prefix(80)): \(error)", sourceLocation: sourceLocation)
                return
            }
        }
    }

    @Test func valuesAndExactNumbers() async throws {
        #expect(try await result(#" {"a": [1, -2, 3.5, 1e3, true, false, null], "b": {}, "c": []} "#) == [
            "a": [1, -2, .number(try JSONNumber("3.5")), .number(try JSONNumber("1e3")), true, false, nil],
            "b": [:], "c": [],
        ])
        // Beyond Int64 and UInt64: the exact text, never a Double.
        let big = try await result("123456789012345678901234567890")
        #expect(big.numberValue?.text == "123456789012345678901234567890")
        #expect(try await result("18446744073709551615").numberValue?.uint64 == .max)
        #expect(try await result("-9223372036854775808").numberValue?.int64 == .min)
        #expect(try await result("1.50e+3").numberValue?.text == "1.50e+3")
    }

    @Test func stringEscapes() async throws {
        #expect(try await result(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        #expect(try await result(#""\u00e9\u20AC""#) == .string("é€"))
        #expect(try await result(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try await result("\"héllo 😀\"") == .string("héllo 😀"))
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul",
        "\"unterminated", "\"bad \\x escape\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\u12\"",
        "\"tab\tinside\"", "[1] 2", "{\"a\":1}}", "NaN", "'single'",
    ])
    func rejectsMalformedResults(_ text: String) async {
        await expectMalformed(#"{"jsonrpc":"2.0","id":1,"result":"# + text + "}")
    }

    @Test func rejectsDuplicateKeysAndInvalidUTF8() async {
        // Two parsers could disagree on which duplicate wins; the node's answer is refused instead.
        await expectMalformed(#"{"jsonrpc":"2.0","id":1,"result":"0x1","result":"0x2"}"#)
        await expectMalformed(#"{"jsonrpc":"2.0","id":1,"result":{"a":1,"a":2}}"#)
        let badUTF8 = CannedTransport { _ in Array(#"{"jsonrpc":"2.0","id":1,"result":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8) }
        do {
            _ = try await RPCClient(transport: badUTF8).request("x")
            Issue.record("accepted invalid UTF-8")
        } catch {
            guard case .malformedResponse = error else { Issue.record("\(error)"); return }
        }
    }

    @Test func nestingIsCapped() async throws {
        // The envelope is one level; results may nest up to the limit's depth below it.
        let depth = JSONLimits.rpc.maxDepth - 1
        let ok = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(try await result(ok).arrayValue?.count == 1)
        let tooDeep = String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
        await expectMalformed(#"{"jsonrpc":"2.0","id":1,"result":"# + tooDeep + "}")
        // Hostile bodies fail fast instead of exhausting the stack.
        await expectMalformed(String(repeating: "[", count: 100_000))
        await expectMalformed(String(repeating: "{\"a\":", count: 10_000))
        // A client configured for deeper responses (e.g. call traces) accepts them.
        let deep = JSONLimits(maxBytes: 1 << 20, maxDepth: 300, maxObjectKeys: 16)
        let value = try await client(body: #"{"jsonrpc":"2.0","id":1,"result":"# + tooDeep + "}", limits: deep).request("x")
        #expect(value.arrayValue?.count == 1)
    }

    @Test func sizeAndKeyLimits() async {
        let small = JSONLimits(maxBytes: 64, maxDepth: 8, maxObjectKeys: 4)
        await expectMalformed(#"{"jsonrpc":"2.0","id":1,"result":"0x"# + String(repeating: "ab", count: 40) + #""}"#, limits: small)
        await expectMalformed(#"{"jsonrpc":"2.0","id":1,"result":{"a":1,"b":2,"c":3,"d":4,"e":5}}"#, limits: small)
    }

    @Test func paramsSurviveTheRoundTrip() async throws {
        // Deterministic pseudo-random params (SplitMix64): serialised by the client, parsed by the
        // node double, echoed back and parsed by the client again, they come back equal.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let alphabet: [Character] = ["a", "Z", "0", "\"", "\\", "/", "\n", "\t", "\u{01}", "\u{1F}", "é", "€", "😀", " "]
        func randomValue(depth: Int) -> JSONValue {
            switch next() % (depth > 3 ? 5 : 7) {
            case 0: return .null
            case 1: return .bool(next() % 2 == 0)
            case 2: return .int(Int64(bitPattern: next()))
            case 3: return .number(try! JSONNumber(Double(bitPattern: next() >> 2 | 0x3000_0000_0000_0000).description))
            case 4: return .string(String((0..<Int(next() % 12)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }))
            case 5: return .array((0..<Int(next() % 4)).map { _ in randomValue(depth: depth + 1) })
            default:
                var members = JSONObject()
                for k in 0..<Int(next() % 4) { members["k\(k)\(alphabet[Int(next() % UInt64(alphabet.count))])"] = randomValue(depth: depth + 1) }
                return .object(members)
            }
        }
        let client = RPCClient(transport: CannedTransport.echoing { _, params in .array(params) })
        for _ in 0..<300 {
            let params = (0..<Int(next() % 3)).map { _ in randomValue(depth: 0) }
            let echoed = try await client.request("echo", params)
            #expect(echoed == .array(params), "\(JSONValue.array(params).jsonText)")
            // Object members keep their order, so the bytes match too.
            #expect(echoed.jsonText == JSONValue.array(params).jsonText)
        }
    }
}
