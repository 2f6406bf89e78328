import PropertyBased
import Testing
@testable import X402JSON

/// The lane's reader: it may refuse what the parser accepts, never the other way round.
@Suite struct JSONRawReaderTests {
    /// The byte-at-a-time definition ``JSONRawReader/isPlainASCII(_:)`` must agree with.
    static func plainASCIIReference(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { $0 >= 0x20 && $0 <= 0x7E && $0 != 0x5C }
    }

    @Test func plainASCIIWordsAgreeWithBytes() async {
        // Mostly hex-like text, with the bytes that are not plain sprinkled in at every offset of a word.
        let alphabet: [UInt8] = Array("0123456789abcdefABCDEF{}[],: x".utf8) + [0x22, 0x5C, 0x09, 0x0A, 0x0D, 0x00, 0x1F, 0x7E, 0x7F, 0x80, 0xFF]
        let gen = Gen<Int>.int(in: 0...(alphabet.count - 1)).array(of: 0...70)
        await propertyCheck(input: gen) { picks in
            let bytes = picks.map { alphabet[$0] }
            #expect(bytes.withUnsafeBytes { JSONRawReader.isPlainASCII($0) } == Self.plainASCIIReference(bytes))
        }
        for bad: UInt8 in [0x00, 0x1F, 0x7F, 0x80, 0xFF, 0x5C] {
            for offset in 0..<17 {
                var bytes = [UInt8](repeating: 0x61, count: 17)
                bytes[offset] = bad
                #expect(!bytes.withUnsafeBytes { JSONRawReader.isPlainASCII($0) })
            }
        }
        #expect(!Array("\"a\tb\"".utf8).withUnsafeBytes { JSONRawReader.isPlainASCII($0) })
        #expect(!Array("{\"a\": \"b c\"}\n".utf8).withUnsafeBytes { JSONRawReader.isPlainASCII($0) })
        #expect(Array("{\"a\": \"b c\"} ".utf8).withUnsafeBytes { JSONRawReader.isPlainASCII($0) })
    }

    @Test func compactEqualsAllowsSpacesOnlyAroundStructure() throws {
        let compact = JSONSerializer.serialize(["a": "x y", "n": 300, "o": ["k": [1, 2]]])
        func equal(_ text: String) -> Bool { Array(text.utf8).withUnsafeBytes { JSONRawReader.compactEquals($0, compact) } }
        #expect(equal(#"{"a":"x y","n":300,"o":{"k":[1,2]}}"#))
        #expect(equal(#"{"a": "x y", "n": 300, "o": {"k": [1, 2]}}"#))          // Python's json.dumps
        #expect(equal("{\n  \"a\" : \"x y\",\n  \"n\" : 300 ,\"o\":{ \"k\":[ 1 ,2 ] } }\n"))
        #expect(!equal(#"{"a":"x  y","n":300,"o":{"k":[1,2]}}"#))              // inside a string
        #expect(!equal(#"{"a":"x y","n":30 0,"o":{"k":[1,2]}}"#))              // splits a number
        #expect(!equal(#"{"n":300,"a":"x y","o":{"k":[1,2]}}"#))               // another key order
        #expect(!equal(#"{"a":"x y","n":300,"o":{"k":[1,2]}"#))                // truncated
        #expect(!equal(#"{"a":"x y","n":300,"o":{"k":[1,2]}}}"#))              // trailing bytes
        // Every parse of an equal input is the value itself.
        #expect(try JSONParser.parse(Array(#"{"a": "x y", "n": 300, "o": {"k": [1, 2]}}"#.utf8)) == JSONParser.parse(compact))
    }

    @Test func readerReadsOnlyItsSubset() {
        func read<T>(_ text: String, _ body: (inout JSONRawReader) -> T) -> T {
            Array(text.utf8).withUnsafeBytes { raw in
                var reader = JSONRawReader(raw)
                return body(&reader)
            }
        }
        let compact = Array(#"{"a":1}"#.utf8)
        #expect(read(#" {"a":1}, "b""#) { $0.consumeExactly(compact) ? $0.position : -1 } == 8)
        #expect(read(#"{"a":1}"#) { $0.consumeExactly(compact) ? $0.position : -1 } == 7)
        for other in [#"{"a":1}x"#, #"{"a":10}"#, #"{"a": 1}"#, #"{"a":1"#] {   // then it reads nothing
            #expect(read(other) { $0.consumeExactly(compact) ? -1 : $0.position } == 0, "\(other)")
        }
        #expect(read("2") { $0.readUInt64() } == 2)
        #expect(read(" 300 ,") { $0.readUInt64() } == 300)
        for bad in ["02", "2.0", "2e0", "-2", "2x", "", "99999999999999999999"] {
            #expect(read(bad) { $0.readUInt64() } == nil, "\(bad)")
        }
        #expect(read(#" "abc" "#) { $0.readString() } == 2..<5)
        #expect(read(#""abc"#) { $0.readString() } == nil)
        for n in 0..<20 {   // the closing quote at every offset of a word
            let text = "\"" + String(repeating: "a", count: n) + "\",\"b\""
            #expect(read(text) { $0.readString() } == 1..<(1 + n))
            #expect(read(String(text.dropLast(5))) { $0.readString() } == nil)
        }
        #expect(read(#"{"a":[1,{"b":"}"}],"c":2} x"#) { $0.skipValue() } == 0..<25)
        #expect(read(#"{"a":{"b":{"c":1}}}"#) { $0.skipValue(maxDepth: 2) } == nil)
        #expect(read(#"{"a":1"#) { $0.skipValue() } == nil)
        #expect(read("true,") { $0.skipValue() } == 0..<4)
        func members(_ text: String) -> Int? {   // a key "x" is refused
            read(text) { reader in
                var keys = 0
                let ok = JSONRawReader.readObject(&reader) { reader, key in
                    guard !reader.equals(key, "x"), reader.skipValue() != nil else { return false }
                    keys += 1
                    return true
                }
                return ok ? keys : nil
            }
        }
        #expect(members(#" {"k": 1, "l": [2]} "#) == 2)
        for bad in ["{}", #"{"k":1"#, #"{"k":1 "l":2}"#, #"{"x":1}"#, #"["k"]"#, #"{"k":1,}"#] {
            #expect(members(bad) == nil, "\(bad)")
        }
        #expect(read(#"{"k": 1, "l": 2}"#) { reader in
            var keys = 0
            guard reader.consume(0x7B) else { return -1 }
            while reader.readKey() != nil, reader.skipValue() != nil {
                keys += 1
                guard reader.nextMember() == true else { break }
            }
            return reader.atEnd() ? keys : -1
        } == 2)
    }
}
