import Testing
import X402EVM

/// Protocol ids and salts are canonical `^0x[0-9a-fA-F]{64}$`; JSON-RPC parsing stays lenient.
@Suite struct CanonicalHexTests {
    static let digits = "66f2b00c9859327c1b959575fc0b0ff71971f15eda6ff270caa3cec308ede223"

    @Test func canonicalBytes32RejectsCapitalX() throws {
        let canonical = try Bytes32(canonicalHex: "0x" + Self.digits)
        #expect(canonical.hex == "0x" + Self.digits)
        #expect(try Bytes32(canonicalHex: "0x" + Self.digits.uppercased()) == canonical)
        #expect(throws: EVMParseError.missingHexPrefix) { try Bytes32(canonicalHex: "0X" + Self.digits) }
        #expect(throws: EVMParseError.missingHexPrefix) { try Bytes32(canonicalHex: Self.digits) }
        #expect(throws: EVMParseError.missingHexPrefix) { try Bytes32(canonicalHex: "") }
        #expect(throws: EVMParseError.invalidLength(expected: 32, actual: 31)) { try Bytes32(canonicalHex: "0x" + Self.digits.dropLast(2)) }
        #expect(throws: EVMParseError.invalidHexCharacter(offset: 0)) { try Bytes32(canonicalHex: "0x " + Self.digits.dropFirst()) }
        // The lenient reader (JSON-RPC results) still takes `0X`.
        #expect(try Bytes32(hex: "0X" + Self.digits) == canonical)
        #expect(try Hex.decode("0X00") == [0])
        #expect(throws: EVMParseError.missingHexPrefix) { try Hex.decode(canonical: "0X00", count: 1) }
        #expect(try Hex.decode(canonical: "0xAb", count: 1) == [0xab])
    }
}
