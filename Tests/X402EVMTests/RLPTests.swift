import PropertyBased
import Testing
@testable import X402EVM

@Suite struct RLPTests {
    static func b(_ text: String) -> RLPItem { .bytes(Array(text.utf8)) }

    // Classic vectors from the Ethereum RLP specification, plus boundary cases checked with Python `rlp`.
    static let known: [(RLPItem, String)] = [
        (.bytes([]), "0x80"),
        (.bytes([0x00]), "0x00"),
        (.bytes([0x0f]), "0x0f"),
        (.bytes([0x7f]), "0x7f"),
        (.bytes([0x80]), "0x8180"),
        (.bytes([0xff]), "0x81ff"),
        (.uint(UInt64(0)), "0x80"),
        (.uint(UInt64(1024)), "0x820400"),
        (b("dog"), "0x83646f67"),
        (.list([b("cat"), b("dog")]), "0xc88363617483646f67"),
        (.list([]), "0xc0"),
        // The set-theoretical representation of three.
        (.list([.list([]), .list([.list([])]), .list([.list([]), .list([.list([])])])]), "0xc7c0c1c0c3c0c1c0"),
        (.list([.list([.bytes([]), .bytes([0]), .bytes([0x7f]), .bytes([0x80]), .bytes([0xff])]),
                .list([.bytes([UInt8](repeating: 0x78, count: 70)), .list([])])]),
         "0xf853c780007f818081fff849b846" + String(repeating: "78", count: 70) + "c0"),
    ]

    @Test(arguments: known)
    func knownEncodings(item: RLPItem, hex: String) throws {
        #expect(item.encoded.hexString == hex)
        #expect(item.encodedCount == item.encoded.count)
        #expect(try RLP.decode(Hex.decode(hex)) == item)
    }

    @Test(arguments: [(55, "0xb7"), (56, "0xb838"), (1024, "0xb90400")])
    func stringLengthBoundaries(count: Int, header: String) throws {
        let item = RLPItem.bytes([UInt8](repeating: 0x61, count: count))
        #expect(item.encoded.hexString.hasPrefix(header + "61"))
        #expect(try RLP.decode(item.encoded) == item)
    }

    @Test func listLengthBoundary() throws {
        // A 60-byte string inside a list: payload 62 bytes, long list form.
        let item = RLPItem.list([.bytes([UInt8](repeating: 0x61, count: 60))])
        #expect(item.encoded.hexString.hasPrefix("0xf83eb83c61"))
        #expect(try RLP.decode(item.encoded) == item)
    }

    static let malformed: [(String, RLPError)] = [
        ("0x", .empty),
        ("0x81", .truncated),
        ("0x8200", .truncated),
        ("0xb8", .truncated),
        ("0xb838" + String(repeating: "61", count: 55), .truncated),
        ("0xbf" + "ffffffffffffffff", .truncated),
        ("0xc1", .truncated),
        ("0xc283", .truncated),            // inner string runs past the list
        ("0xc2c2c0", .truncated),          // inner list runs past the outer list
        ("0x8000", .trailingBytes(1)),
        ("0xc0c0", .trailingBytes(1)),
        ("0x8100", .nonCanonicalSingleByte),
        ("0x817f", .nonCanonicalSingleByte),
        ("0xb801" + "61", .nonCanonicalLength),          // long form for length 1
        ("0xb837" + String(repeating: "61", count: 55), .nonCanonicalLength),
        ("0xb90038" + String(repeating: "61", count: 56), .nonCanonicalLength),  // leading zero in length
        ("0xf800", .nonCanonicalLength),
        ("0xf90038" + String(repeating: "00", count: 56), .nonCanonicalLength),
    ]

    @Test(arguments: malformed)
    func rejectsMalformed(hex: String, error: RLPError) throws {
        let bytes = try Hex.decode(hex)
        #expect(throws: error) { try RLP.decode(bytes) }
    }

    @Test func nestingLimit() throws {
        func nested(_ depth: Int) -> RLPItem { depth == 0 ? .list([]) : .list([nested(depth - 1)]) }
        // nested(7) has 8 lists.
        #expect(try RLP.decode(nested(7).encoded, maxDepth: 8) == nested(7))
        #expect(throws: RLPError.tooDeep(limit: 7)) { try RLP.decode(nested(7).encoded, maxDepth: 7) }
        // A hostile input, 100 000 nested lists, must fail cleanly rather than exhaust the stack.
        var headers: [[UInt8]] = []
        var size = 1
        for _ in 0..<100_000 {
            let header = Self.listHeader(size)
            headers.append(header)
            size += header.count
        }
        let hostile: [UInt8] = Array(headers.reversed().joined()) + [0xc0]
        #expect(throws: RLPError.tooDeep(limit: RLP.defaultMaxDepth)) { try RLP.decode(hostile) }
    }

    static func listHeader(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        RLP.appendHeader(count: count, offset: 0xc0, to: &out)
        return out
    }

    @Test func typedAccessors() throws {
        #expect(try RLPItem.uint(UInt256.max).uint256() == .max)
        #expect(try RLPItem.uint(UInt64.max).uint64() == .max)
        #expect(try RLPItem.bytes([]).uint64() == 0)
        #expect(throws: RLPError.nonCanonicalInteger) { try RLPItem.bytes([0, 1]).uint64() }
        #expect(throws: RLPError.nonCanonicalInteger) { try RLPItem.bytes([0]).uint256() }
        #expect(throws: RLPError.integerOverflow) { try RLPItem.bytes([1] + [UInt8](repeating: 0, count: 8)).uint64() }
        #expect(throws: RLPError.integerOverflow) { try RLPItem.bytes([UInt8](repeating: 1, count: 33)).uint256() }
        #expect(throws: RLPError.expectedBytes) { try RLPItem.list([]).bytes() }
        #expect(throws: RLPError.expectedList) { try RLPItem.bytes([]).list() }
        #expect(throws: RLPError.unexpectedItemCount(expected: 2, actual: 0)) { try RLPItem.list([]).list(count: 2) }
        #expect(try RLPItem.address(nil).optionalAddress() == nil)
        #expect(try RLPItem.address(Address(hex: PartC.payer)).optionalAddress() == Address(hex: PartC.payer))
        #expect(throws: RLPError.invalidLength(expected: 20, actual: 19)) {
            try RLPItem.bytes([UInt8](repeating: 1, count: 19)).optionalAddress()
        }
        #expect(throws: RLPError.invalidLength(expected: 32, actual: 31)) {
            try RLPItem.bytes([UInt8](repeating: 1, count: 31)).word()
        }
    }

    /// Random trees survive encode → decode unchanged, and `encodedCount` is exact.
    @Test func roundTripRandomTrees() async {
        await propertyCheck(input: Gen.uint8().array(of: 0...300)) { program in
            let item = Self.tree(from: program)
            let encoded = item.encoded
            #expect(encoded.count == item.encodedCount)
            #expect((try? RLP.decode(encoded)) == item)
        }
    }

    /// Arbitrary bytes never trap the decoder, and whatever it accepts re-encodes to the same bytes
    /// (the accepted encoding is the canonical one).
    @Test func arbitraryBytesDecodeStrictly() async {
        await propertyCheck(count: 2000, input: Gen.uint8().array(of: 0...40)) { bytes in
            if let item = try? RLP.decode(bytes) {
                #expect(item.encoded == bytes)
            }
        }
    }

    /// Short inputs over the bytes where RLP's rules change (prefix boundaries, small values): dense coverage of
    /// the non-canonical forms that uniformly random bytes rarely hit.
    @Test func boundaryBytesDecodeStrictly() async {
        let alphabet: [UInt8] = [0x00, 0x01, 0x02, 0x37, 0x38, 0x7f, 0x80, 0x81, 0x82, 0xb7, 0xb8, 0xb9, 0xc0, 0xc1,
                                 0xc2, 0xf7, 0xf8, 0xf9, 0xff]
        await propertyCheck(count: 3000, input: Gen.element(of: alphabet).compactMap { $0 }.array(of: 0...8)) { bytes in
            if let item = try? RLP.decode(bytes) {
                #expect(item.encoded == bytes)
            }
        }
    }

    /// Mutating one byte of a valid encoding either fails with a typed error or yields another canonical encoding.
    @Test func mutatedEncodingsStayCanonical() async {
        await propertyCheck(input: Gen.uint8().array(of: 1...200), Gen.int(in: 0...10_000), Gen.uint8()) { program, at, value in
            var encoded = Self.tree(from: program).encoded
            encoded[at % encoded.count] = value
            if let item = try? RLP.decode(encoded) {
                #expect(item.encoded == encoded)
            }
        }
    }

    /// Interprets bytes as instructions building a tree, so shrinking the bytes shrinks the tree.
    static func tree(from program: [UInt8]) -> RLPItem {
        var stack: [[RLPItem]] = [[]]
        var i = 0
        while i < program.count {
            let op = program[i]
            i += 1
            switch op % 4 {
            case 0 where stack.count < 20:
                stack.append([])
            case 1 where stack.count > 1:
                let items = stack.removeLast()
                stack[stack.count - 1].append(.list(items))
            case 2:
                // A string whose length class varies: short, near 55/56, or long.
                let length = [0, 1, 2, 55, 56, 57, 300][Int(op >> 2) % 7]
                stack[stack.count - 1].append(.bytes((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(op)) }))
            default:
                stack[stack.count - 1].append(.bytes([op >> 1]))
            }
        }
        while stack.count > 1 {
            let items = stack.removeLast()
            stack[stack.count - 1].append(.list(items))
        }
        return .list(stack[0])
    }
}
