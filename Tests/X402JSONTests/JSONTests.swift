import Foundation
import PropertyBased
import Testing
@testable import X402JSON

@Suite struct JSONTests {
    @Test func bigIntegersAndKeyOrderSurviveRoundTrip() throws {
        let text = #"{"z":340282366920938463463374607431768211457,"a":[1,-0.5,1e400,true,null],"m":{"y":"é😀","b":"\u0001\"\\/"}}"#
        let value = try JSONParser.parse(text)
        #expect(value["z"]?.numberValue?.text == "340282366920938463463374607431768211457")
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        // `\/` is read as `/` and written unescaped, control characters as lowercase \u00XX.
        #expect(JSONSerializer.string(value) == #"{"z":340282366920938463463374607431768211457,"a":[1,-0.5,1e400,true,null],"m":{"y":"é😀","b":"\u0001\"\\/"}}"#)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "NaN", "Infinity", "tru", "nul",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"\u{01}\"", "{\"a\" 1}", "{1:2}", "[1 2]", "1 2", "\"\\ud800\"",
        "\"\\udc00x\"", "\"\\ud800\\u0041\"", "{\"a\":1,\"a\":2}", "'a'",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect { try JSONParser.parse(deep) } throws: { ($0 as? JSONParseError)?.kind == .tooDeep }
        let ok = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        #expect(throws: Never.self) { try JSONParser.parse(ok) }
    }

    @Test func surrogatePairsDecode() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
    }

    @Test func objectEqualityIgnoresOrderAndSubsetMatching() throws {
        let a = try JSONParser.parse(#"{"a":1,"b":{"c":2,"d":3},"e":4}"#)
        let b = try JSONParser.parse(#"{"e":4,"b":{"d":3,"c":2},"a":1}"#)
        #expect(a == b)
        #expect(a.contains(try JSONParser.parse(#"{"b":{"c":2}}"#)))
        #expect(!a.contains(try JSONParser.parse(#"{"b":{"c":3}}"#)))
        #expect(!a.contains(try JSONParser.parse(#"{"x":1}"#)))
    }

    @Test func decoderIsStrictAboutIntegers() throws {
        struct S: Codable { var n: UInt64; var i: Int8? }
        #expect(try X402JSON.decode(S.self, from: #"{"n":18446744073709551615,"extra":1}"#).n == .max)
        #expect(throws: X402JSONError.self) { try X402JSON.decode(S.self, from: #"{"n":18446744073709551616}"#) }
        #expect(throws: X402JSONError.self) { try X402JSON.decode(S.self, from: #"{"n":1.0}"#) }
        #expect(throws: X402JSONError.self) { try X402JSON.decode(S.self, from: #"{"n":"1"}"#) }
        #expect(throws: X402JSONError.self) { try X402JSON.decode(S.self, from: #"{"n":1,"i":300}"#) }
        #expect(try X402JSON.decode(S.self, from: #"{"n":1,"i":null}"#).i == nil)
    }

    @Test func foundationCodersInteroperate() throws {
        let value = try JSONParser.parse(#"{"a":[1,"x",true,null,{"b":-2}],"c":18446744073709551615}"#)
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
    }

    @Test func randomValuesRoundTrip() async {
        let gen = Gen<UInt8>.value(in: 0...255).array(of: 0...40)
        await propertyCheck(input: gen) { bytes throws in
            // Build a value from random bytes: strings with arbitrary scalars, numbers, nesting.
            var items: [JSONValue] = []
            for (k, b) in bytes.enumerated() {
                switch b % 4 {
                case 0: items.append(.string(String(decoding: bytes[k...].prefix(8), as: UTF8.self)))
                case 1: items.append(.number(JSONNumber(Int(b) * 1_000_003 - 9_000_000)))
                case 2: items.append(.object(["k\(b)": .array(items.suffix(2))]))
                default: items.append(.bool(b & 8 == 0))
                }
            }
            let value = JSONValue.array(items)
            #expect(try JSONParser.parse(JSONSerializer.serialize(value)) == value)
        }
    }
}
