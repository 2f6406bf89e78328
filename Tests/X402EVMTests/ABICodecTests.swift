import Testing
@testable import X402EVM

private func word(_ hex: String) -> String { String(repeating: "0", count: 64 - hex.count) + hex }
private func bytes(_ words: String...) -> [UInt8] { try! Hex.decode("0x" + words.joined()) }

@Suite struct ABITypeParsingTests {
    @Test func parsesCanonicalAndAliases() throws {
        #expect(try ABIType(parsing: "((address,uint256)[],bytes)") == .tuple([.array(.tuple([.address, .uint256])), .bytes]))
        #expect(try ABIType(parsing: "uint") == .uint256)
        #expect(try ABIType(parsing: "int") == .int(256))
        #expect(try ABIType(parsing: "bytes32[2][]") == .array(.fixedArray(.bytes32, 2)))
        #expect(try ABIType(parsing: "( address payer , uint40 delay )[3]").canonical == "(address,uint40)[3]")
        #expect(ABIType.array(.fixedArray(.string, 2)).canonical == "string[2][]")
    }

    @Test(arguments: ["uint7", "uint264", "int0", "bytes0", "bytes33", "uint08", "()", "uint256[0]", "(uint256", "uint256]",
                      "address[", "fixed128x18", "tuple", "", "uint256,", "bool bool bool", "uint256[-1]",
                      "uint256[99999999999999999999]", "(uint256 indexed x)"])
    func rejectsInvalidTypeStrings(_ text: String) {
        #expect(throws: ABIError.self) { try ABIType(parsing: text) }
    }

    @Test func rejectsTooDeepNesting() {
        let deep = String(repeating: "(", count: 40) + "uint8" + String(repeating: ")", count: 40)
        #expect(throws: ABIError.tooDeep) { try ABIType(parsing: deep) }
        let deepArray = "uint8" + String(repeating: "[]", count: 40)
        #expect(throws: ABIError.tooDeep) { try ABIType(parsing: deepArray) }
        var t = ABIType.bool
        for _ in 0..<40 { t = .array(t) }
        #expect(throws: ABIError.tooDeep) { try ABI.encode([.bool(true)], as: [t]) }
        #expect(throws: ABIError.tooDeep) { try ABI.decode([t], from: [UInt8](repeating: 0, count: 64)) }
    }
}

@Suite struct ABIEncodingTests {
    /// The Solidity docs example `f(uint256,uint32[],bytes10,bytes)` with (0x123, [0x456, 0x789], "1234567890", "Hello, world!").
    @Test func solidityDocsExample() throws {
        let encoded = try ABI.encode(
            [.uint(0x123), .array([.uint(0x456), .uint(0x789)]), .fixedBytes(Array("1234567890".utf8)), .bytes(Array("Hello, world!".utf8))],
            as: [.uint256, .array(.uint(32)), .fixedBytes(10), .bytes])
        #expect(encoded == bytes(word("123"), word("80"), "3132333435363738393000000000000000000000000000000000000000000000",
                                 word("e0"), word("2"), word("456"), word("789"), word("d"),
                                 "48656c6c6f2c20776f726c642100000000000000000000000000000000000000"))
    }

    @Test func negativeIntegersAreSignExtended() throws {
        #expect(try ABI.encode(.int(-1), as: .int(8)) == [UInt8](repeating: 0xff, count: 32))
        #expect(try ABI.decode(.int(8), from: [UInt8](repeating: 0xff, count: 32)) == .int(-1))
        #expect(try ABI.encode(.int(Int256.min), as: .int(256)) == [0x80] + [UInt8](repeating: 0, count: 31))
        #expect(try ABI.decode(.int(16), from: ABI.encode(.int(-32768), as: .int(16))) == .int(-32768))
    }

    @Test func outOfRangeValuesAreErrors() {
        #expect(throws: ABIError.valueOutOfRange(type: "uint8")) { try ABI.encode(.uint(256), as: .uint(8)) }
        #expect(throws: ABIError.valueOutOfRange(type: "int8")) { try ABI.encode(.int(128), as: .int(8)) }
        #expect(throws: ABIError.valueOutOfRange(type: "int8")) { try ABI.encode(.int(-129), as: .int(8)) }
        #expect(throws: ABIError.valueOutOfRange(type: "uint40")) { try ABI.encode(.uint64(1 << 40), as: .uint(40)) }
        #expect(throws: ABIError.typeMismatch(expected: "bytes4")) { try ABI.encode(.fixedBytes([1, 2, 3]), as: .fixedBytes(4)) }
        #expect(throws: ABIError.typeMismatch(expected: "address")) { try ABI.encode(.uint(1), as: .address) }
        #expect(throws: ABIError.typeMismatch(expected: "uint8[2]")) { try ABI.encode(.array([.uint(1)]), as: .fixedArray(.uint(8), 2)) }
        #expect(throws: ABIError.typeMismatch(expected: "(bool,bool)")) { try ABI.encode(.tuple([.bool(true)]), as: .tuple([.bool, .bool])) }
        #expect(throws: ABIError.argumentCountMismatch(expected: 2, actual: 1)) { try ABI.encode([.bool(true)], as: [.bool, .bool]) }
        #expect(throws: ABIError.invalidType("()")) { try ABI.encode([.tuple([])], as: [.tuple([])]) }
    }

    @Test func int256Text() throws {
        #expect(try Int256(decimal: "-57896044618658097711785492504343953926634992332820282019728792003956564819968") == .min)
        #expect(Int256.max.description == "57896044618658097711785492504343953926634992332820282019728792003956564819967")
        #expect(throws: EVMParseError.overflow) { try Int256(decimal: "57896044618658097711785492504343953926634992332820282019728792003956564819968") }
        #expect(try Int256(decimal: "-0") == .zero)
        #expect(Int256(-5) < Int256(3) && Int256(-5).int64 == -5 && Int256.min.int64 == nil)
    }
}

/// The decoder is strict and never traps on hostile input.
@Suite struct ABIDecodingTests {
    @Test func rejectsDirtyPaddingAndNonCanonicalWords() {
        #expect(throws: ABIError.nonZeroPadding(at: 0)) { try ABI.decode(.address, from: bytes("01" + word("").dropFirst(2))) }
        #expect(throws: ABIError.nonZeroPadding(at: 0)) { try ABI.decode(.uint(8), from: bytes(word("100"))) }
        #expect(throws: ABIError.nonZeroPadding(at: 0)) { try ABI.decode(.int(8), from: bytes(word("80"))) }  // +128 in int8
        #expect(throws: ABIError.nonZeroPadding(at: 0)) { try ABI.decode(.fixedBytes(1), from: bytes("aa01" + word("").dropFirst(4))) }
        #expect(throws: ABIError.invalidBool(at: 0)) { try ABI.decode(.bool, from: bytes(word("2"))) }
        // bytes contents: padding present and zero.
        #expect(throws: ABIError.nonZeroPadding(at: 0x41)) { try ABI.decode(.bytes, from: bytes(word("20"), word("1"), "aaff" + word("").dropFirst(4))) }
        #expect(throws: ABIError.truncated(offset: 0x40, needed: 32, available: 1)) { try ABI.decode(.bytes, from: bytes(word("20"), word("1"), "aa")) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: ABIError.invalidUTF8(at: 0x20)) { try ABI.decode(.string, from: bytes(word("20"), word("2"), "c328" + word("").dropFirst(4))) }
    }

    @Test func rejectsTruncatedData() throws {
        let good = try ABI.encode([.uint(1), .bytes([1, 2, 3]), .array([.string("x")])], as: [.uint256, .bytes, .array(.string)])
        for n in 0..<good.count {
            #expect(throws: ABIError.self) { try ABI.decode([.uint256, .bytes, .array(.string)], from: good.prefix(n)) }
        }
        #expect(try ABI.decode([.uint256, .bytes, .array(.string)], from: good + [0xff]).count == 3)  // trailing bytes ignored
    }

    @Test func hugeLengthsAndOffsetsAreErrorsWithoutAllocation() {
        let max = String(repeating: "f", count: 64)
        #expect(throws: ABIError.invalidOffset(at: 0)) { try ABI.decode(.bytes, from: bytes(max)) }
        #expect(throws: ABIError.invalidOffset(at: 0)) { try ABI.decode(.bytes, from: bytes(word("ffffffffffffffff"), word("0"))) }
        #expect(throws: ABIError.invalidLength(at: 0x20)) { try ABI.decode(.bytes, from: bytes(word("20"), max)) }
        #expect(throws: ABIError.invalidLength(at: 0x20)) { try ABI.decode(.bytes, from: bytes(word("20"), word("7fffffffffffffff"))) }
        // An array length of 2^62 with 64 bytes of data: refused before reserving storage.
        #expect(throws: ABIError.invalidLength(at: 0x20)) { try ABI.decode(.array(.uint256), from: bytes(word("20"), word("4000000000000000"))) }
        #expect(throws: ABIError.invalidLength(at: 0x20)) { try ABI.decode(.array(.uint256), from: bytes(word("20"), word("2"), word("1"))) }
        // Length fits the data only if elements were smaller than their head (3-word static tuples).
        #expect(throws: ABIError.invalidLength(at: 0x20)) {
            try ABI.decode(.array(.tuple([.uint256, .uint256, .uint256])), from: bytes(word("20"), word("2"), word("1"), word("2"), word("3"), word("4")))
        }
        // A huge static fixed array type needs its full size up front.
        #expect(throws: ABIError.self) { try ABI.decode(.fixedArray(.fixedArray(.uint256, 1 << 30), 1 << 30), from: bytes(word("1"))) }
    }

    @Test func offsetsMustPointPastTheHeads() {
        // (bytes,bytes) whose second offset points back into the head area.
        #expect(throws: ABIError.invalidOffset(at: 0x20)) {
            try ABI.decode([.bytes, .bytes], from: bytes(word("40"), word("20"), word("0")))
        }
        // A dynamic array element offset pointing at itself.
        #expect(throws: ABIError.invalidOffset(at: 0x40)) {
            try ABI.decode(.array(.bytes), from: bytes(word("20"), word("1"), word("0")))
        }
    }

    /// Every element of a long `bytes[][]`-style encoding pointing at the same huge tail would cost
    /// O(n²) work without a budget; aliasing within the limits still decodes.
    @Test func aliasedOffsetsRunOutOfBudget() throws {
        let n = 2000
        // uint256[][]: n offsets all pointing at one inner array of length n.
        var words = [word("20"), word(String(n, radix: 16))]
        let innerOffset = 32 * n
        for _ in 0..<n { words.append(word(String(innerOffset, radix: 16))) }
        words.append(word(String(n, radix: 16)))
        for i in 0..<n { words.append(word(String(i, radix: 16))) }
        let data = try! Hex.decode("0x" + words.joined())
        #expect(throws: ABIError.decodingBudgetExceeded) { try ABI.decode(.array(.array(.uint256)), from: data) }
        // Two offsets sharing one tail: tolerated (non-canonical but harmless).
        let shared = bytes(word("40"), word("40"), word("1"), "ab" + word("").dropFirst(2))
        #expect(try ABI.decode([.bytes, .bytes], from: shared) == [.bytes([0xab]), .bytes([0xab])])
    }

    @Test func decodesEverythingBackFromAnEmptyArray() throws {
        #expect(try ABI.decode(.array(.tuple([.string, .bytes])), from: bytes(word("20"), word("0"))) == .array([]))
    }
}
