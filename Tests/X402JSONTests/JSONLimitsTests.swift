import Testing
@testable import X402JSON

/// Worst-case inputs: byte-wise keys, O(1) duplicate detection, and the size / key / depth caps.
@Suite struct JSONLimitsTests {
    static let nfc = "\u{E9}"        // é, one scalar
    static let nfd = "e\u{301}"      // e + combining acute: canonically equivalent, different bytes

    @Test func canonicallyEquivalentKeysAreDistinct() throws {
        #expect(Self.nfc == Self.nfd)  // Swift's String == says equal; the wire must not
        let value = try JSONParser.parse(#"{"\#(Self.nfc)":1,"\#(Self.nfd)":2}"#)
        let object = try #require(value.objectValue)
        #expect(object.count == 2)
        #expect(object[Self.nfc] == 1 && object[Self.nfd] == 2)
        #expect(JSONValue.string(Self.nfc) != JSONValue.string(Self.nfd))
        #expect(!Self.nfc.utf8Equals(Self.nfd))
        // A real duplicate is still one.
        #expect { try JSONParser.parse(#"{"\#(Self.nfd)":1,"\#(Self.nfd)":2}"#) } throws: {
            ($0 as? JSONParseError)?.kind == .duplicateKey(Self.nfd)
        }
    }

    @Test func subsetMatchingComparesBytes() throws {
        let server = JSONValue.object(["name": .string(Self.nfc), "version": "2"])
        #expect(JSONValue.object(["name": .string(Self.nfc), "version": "2", "more": 1]).contains(server))
        #expect(!JSONValue.object(["name": .string(Self.nfd), "version": "2"]).contains(server))
    }

    @Test func keysPerObjectAreCapped() throws {
        func object(_ n: Int) -> String { "{" + (0..<n).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}" }
        let limit = JSONLimits.default.maxObjectKeys
        #expect(try JSONParser.parse(object(limit)).objectValue?.count == limit)
        #expect { try JSONParser.parse(object(limit + 1)) } throws: { ($0 as? JSONParseError)?.kind == .tooManyKeys }
        // The header-sized attack from the review (5,000 and 20,000 keys): rejected, typed.
        for n in [5_000, 20_000] {
            #expect { try JSONParser.parse(object(n)) } throws: { ($0 as? JSONParseError)?.kind == .tooManyKeys }
        }
        // A caller may allow more; lookups stay hashed.
        let big = try JSONParser.parse(object(20_000), limits: JSONLimits(maxBytes: 1 << 20, maxDepth: 8, maxObjectKeys: 50_000))
        #expect(big["k19999"] == 19999 && big["k0"] == 0 && big.objectValue?.keys.last == "k19999")
    }

    @Test func totalSizeIsCapped() throws {
        let limits = JSONLimits(maxBytes: 100, maxDepth: 8, maxObjectKeys: 8)
        let ok = "\"" + String(repeating: "a", count: 98) + "\""
        #expect(try JSONParser.parse(ok, limits: limits) == .string(String(repeating: "a", count: 98)))
        #expect { try JSONParser.parse(ok + " ", limits: limits) } throws: { ($0 as? JSONParseError)?.kind == .tooLarge }
        #expect { try JSONParser.parse(Array((ok + " ").utf8), limits: limits) } throws: { ($0 as? JSONParseError)?.kind == .tooLarge }
        // The default cap (1 MiB) holds a body of one mebibyte of keys.
        let huge = Array(repeating: UInt8(ascii: " "), count: (1 << 20) + 1)
        #expect { try JSONParser.parse(huge) } throws: { ($0 as? JSONParseError)?.kind == .tooLarge }
        #expect { try X402JSON.decode(JSONValue.self, from: huge) } throws: {
            if case .malformed(let e)? = $0 as? X402JSONError { e.kind == .tooLarge } else { false }
        }
    }

    @Test func elementsPerArrayAreCapped() throws {
        func array(_ n: Int) -> String { "[" + Array(repeating: "1", count: n).joined(separator: ",") + "]" }
        let limit = JSONLimits.default.maxArrayElements
        #expect(try JSONParser.parse(array(limit)).arrayValue?.count == limit)
        #expect { try JSONParser.parse(array(limit + 1)) } throws: { ($0 as? JSONParseError)?.kind == .tooManyElements }
        #expect(try JSONParser.parse(array(limit + 1), limits: .rpc).arrayValue?.count == limit + 1)
    }

    @Test func depthIsCapped() throws {
        let limits = JSONLimits(maxBytes: 1 << 20, maxDepth: 3, maxObjectKeys: 8)
        #expect(throws: Never.self) { try JSONParser.parse("[[[1]]]", limits: limits) }
        #expect { try JSONParser.parse("[[[[1]]]]", limits: limits) } throws: { ($0 as? JSONParseError)?.kind == .tooDeep }
        #expect { try JSONParser.parse(#"{"a":{"b":{"c":{"d":1}}}}"#, limits: limits) } throws: { ($0 as? JSONParseError)?.kind == .tooDeep }
    }

    @Test func objectEditingKeepsOrderAndPosition() {
        var o: JSONObject = ["a": 1, "b": 2, "c": 3]
        o["b"] = 20
        o["d"] = 4
        o["a"] = nil
        #expect(o.keys == ["b", "c", "d"] && o["b"] == 20)
        #expect(!o.insertNew("c", 30) && o["c"] == 3)
        #expect(o == ["d": 4, "c": 3, "b": 20])  // order-insensitive equality
        #expect(o != ["d": 4, "c": 3, "b": 21])
    }
}

/// The parser's own UTF-8 validation agrees with the standard library's on random and edge-case bytes.
@Suite struct UTF8ValidationTests {
    @Test func agreesWithTheStandardLibrary() {
        var rng = SystemRandomNumberGenerator()
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xA0, 0x9F, 0xED, 0xEF,
                                    0xF0, 0x90, 0x8F, 0xF4, 0xF5, 0xFF]
        for _ in 0..<50_000 {
            let length = Int.random(in: 0...6, using: &rng)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            let ours = bytes.withUnsafeBufferPointer { UTF8Validation.isValid($0) }
            #expect(ours == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        }
    }
}

/// Keys the parser interns come back byte-identical; near misses are parsed as ordinary keys.
@Suite struct KnownKeyInterningTests {
    @Test func internedAndOrdinaryKeysParseToTheirBytes() throws {
        let keys = ["url", "type", "payer", "scheme", "network", "accepted", "signature", "channelId", "x402Version",
                    "maxTimeoutSeconds", "maxClaimableAmount", "claimAuthorizerSignature", "refundAuthorizerSignature"]
        var rng = SystemRandomNumberGenerator()
        for key in keys {
            var variants = [key, key.uppercased(), String(key.dropLast()), key + "x", "x" + key.dropFirst()]
            var mutated = Array(key.utf8)
            mutated[Int.random(in: 0..<mutated.count, using: &rng)] ^= 0x01
            variants.append(String(decoding: mutated, as: UTF8.self))
            for variant in variants {
                let object = try #require(try JSONParser.parse(#"{"\#(variant)":1}"#).objectValue)
                #expect(object.keys.count == 1 && object.keys[0].utf8Equals(variant) && object[variant] == 1, "\(variant)")
            }
        }
    }
}
