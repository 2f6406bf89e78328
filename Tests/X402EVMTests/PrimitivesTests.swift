import PropertyBased
import Testing
@testable import X402EVM

@Suite struct HexTests {
    @Test func decodesAnyCaseWithPrefix() throws {
        #expect(try Hex.decode("0xDEadBEef") == [0xde, 0xad, 0xbe, 0xef])
        #expect(try Hex.decode("0X00ff") == [0x00, 0xff])
        #expect(try Hex.decode("0x") == [])
    }

    @Test func rejectsMalformedHex() {
        #expect(throws: EVMParseError.missingHexPrefix) { try Hex.decode("deadbeef") }
        #expect(throws: EVMParseError.missingHexPrefix) { try Hex.decode("") }
        #expect(throws: EVMParseError.missingHexPrefix) { try Hex.decode("0") }
        #expect(throws: EVMParseError.oddHexLength) { try Hex.decode("0xabc") }
        #expect(throws: EVMParseError.invalidHexCharacter(offset: 2)) { try Hex.decode("0xabzz") }
        #expect(throws: EVMParseError.invalidHexCharacter(offset: 0)) { try Hex.decode("0x g") }
        #expect(throws: EVMParseError.invalidLength(expected: 32, actual: 2)) { try Hex.decode("0xabcd", count: 32) }
    }

    @Test func tableDecodingAgreesAndRawBytes32IsCanonical() throws {
        // Every digit value and case, and a bad digit at every offset (its exact offset still reported).
        let digits = "0123456789abcdefABCDEF"
        let text = "0x" + (0..<40).map { String(digits[digits.index(digits.startIndex, offsetBy: $0 % 22)]) }.joined()
        #expect(try Hex.decode(text) == stride(from: 2, to: 42, by: 2).map { i in
            UInt8(String(Array(text)[i...i + 1]), radix: 16)! })
        for k in 2..<text.count {
            var broken = Array(text.utf8)
            broken[k] = 0x67   // 'g'
            #expect(throws: EVMParseError.invalidHexCharacter(offset: k - 2)) { try Hex.decode(String(decoding: broken, as: UTF8.self)) }
        }
        func raw(_ s: String) -> Bytes32? { Array(s.utf8).withUnsafeBytes { Bytes32(canonicalHexUTF8: $0) } }
        let id = "0x" + String(repeating: "aB09", count: 16)
        #expect(raw(id) == (try Bytes32(canonicalHex: id)))
        for bad in ["0X" + id.dropFirst(2), String(id.dropLast()), id + "0", String(id.dropLast()) + "g", ""] {
            #expect(raw(bad) == nil, "\(bad)")
            #expect((try? Bytes32(canonicalHex: bad)) == nil, "\(bad)")
        }
    }

    @Test func encodeIsLowercasePrefixed() {
        #expect(Hex.encode([0xAB, 0x01]) == "0xab01")
        #expect(Hex.encode([0xAB, 0x01], prefix: false) == "ab01")
        #expect(Hex.encode([UInt8]()) == "0x")
    }

    @Test func roundTripsRandomBytes() async {
        await propertyCheck(input: Gen.uint8().array(of: 0...300)) { bytes in
            #expect((try? Hex.decode(Hex.encode(bytes))) == bytes)
            #expect((try? Hex.decode("0x" + Hex.encode(bytes, prefix: false).uppercased())) == bytes)
        }
    }
}

@Suite struct AddressTests {
    // EIP-55 published examples.
    static let checksummed = [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ]

    @Test(arguments: checksummed)
    func eip55(_ text: String) throws {
        let lower = try Address(hex: text.lowercased())
        #expect(lower.checksummed == text)
        #expect(try Address(hex: "0x" + text.dropFirst(2).uppercased()) == lower)
    }

    @Test func zeroAndWord() throws {
        #expect(Address.zero.checksummed == "0x0000000000000000000000000000000000000000")
        #expect(Address.zero.isZero)
        let a = try Address(hex: "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
        #expect(a.word.hex == "0x000000000000000000000000036cbd53842c5426634e7929541ec2318f3dcf7e")
        #expect(Address(word: a.word) == a)
        #expect(a.lowercased == "0x036cbd53842c5426634e7929541ec2318f3dcf7e")
    }

    @Test func rejectsWrongLengths() {
        #expect(throws: EVMParseError.invalidLength(expected: 20, actual: 19)) {
            try Address(hex: "0x" + String(repeating: "ab", count: 19))
        }
        #expect(throws: EVMParseError.missingHexPrefix) { try Address(hex: String(repeating: "ab", count: 20)) }
    }

    @Test func roundTripsRandomBytes() async {
        await propertyCheck(input: Gen.uint8().array(of: 20)) { bytes in
            guard let address = try? Address(bytes) else { Issue.record("20 bytes rejected"); return }
            #expect(address.bytes == bytes)
            #expect((try? Address(hex: address.checksummed)) == address)
            #expect((try? Address(hex: address.lowercased)) == address)
        }
    }
}

@Suite struct Bytes32Tests {
    @Test func roundTripsRandomBytes() async {
        await propertyCheck(input: Gen.uint8().array(of: 32)) { bytes in
            guard let word = try? Bytes32(bytes) else { Issue.record("32 bytes rejected"); return }
            #expect(word.bytes == bytes)
            #expect((try? Bytes32(hex: word.hex)) == word)
            #expect(UInt256(word: word).word == word)
        }
    }

    @Test func rejectsWrongLengths() {
        #expect(throws: EVMParseError.invalidLength(expected: 32, actual: 31)) { try Bytes32([UInt8](repeating: 1, count: 31)) }
        #expect(throws: EVMParseError.invalidLength(expected: 32, actual: 33)) { try Bytes32(hex: "0x" + String(repeating: "00", count: 33)) }
    }
}

@Suite struct UInt256Tests {
    static let maxDecimal = "115792089237316195423570985008687907853269984665640564039457584007913129639935"

    @Test func decimalRoundTrip() throws {
        #expect(try UInt256(decimal: Self.maxDecimal) == .max)
        #expect(UInt256.max.description == Self.maxDecimal)
        #expect(try UInt256(decimal: "0").description == "0")
        #expect(try UInt256(decimal: "000123").description == "123")
        #expect(try UInt256(decimal: "340282366920938463463374607431768211456") == UInt256(high: 1, low: 0))
    }

    @Test func rejectsBadDecimals() throws {
        #expect(throws: EVMParseError.overflow) { try UInt256(decimal: "115792089237316195423570985008687907853269984665640564039457584007913129639936") }
        #expect(throws: EVMParseError.invalidDecimal) { try UInt256(decimal: "") }
        #expect(throws: EVMParseError.invalidDecimal) { try UInt256(decimal: "-1") }
        #expect(throws: EVMParseError.invalidDecimal) { try UInt256(decimal: "1.5") }
        #expect(throws: EVMParseError.invalidDecimal) { try UInt256(decimal: "1e6") }
        #expect(throws: EVMParseError.invalidDecimal) { try UInt256(decimal: " 1") }
        #expect(throws: EVMParseError.overflow) { try UInt128(decimalAmount: "340282366920938463463374607431768211456") }
        #expect(try UInt128(decimalAmount: "340282366920938463463374607431768211455") == .max)
    }

    @Test func hexQuantities() throws {
        #expect(try UInt256(hexQuantity: "0x0") == .zero)
        #expect(try UInt256(hexQuantity: "0x1b") == 27)
        #expect(try UInt256(hexQuantity: "0x0000ff") == 255)
        #expect(UInt256(255).hexQuantity == "0xff")
        #expect(UInt256(16).hexQuantity == "0x10")
        #expect(UInt256.zero.hexQuantity == "0x0")
        #expect(UInt256.max.hexQuantity == "0x" + String(repeating: "f", count: 64))
        #expect(throws: EVMParseError.overflow) { try UInt256(hexQuantity: "0x1" + String(repeating: "0", count: 64)) }
        #expect(throws: EVMParseError.missingHexPrefix) { try UInt256(hexQuantity: "12") }
        #expect(throws: (any Error).self) { try UInt256(hexQuantity: "0x") }
        #expect(throws: EVMParseError.invalidHexCharacter(offset: 1)) { try UInt256(hexQuantity: "0x1g") }
    }

    @Test func arithmeticReportsOverflow() {
        #expect(UInt256.max.addingReportingOverflow(1).overflow)
        #expect(UInt256.zero.subtractingReportingOverflow(1).overflow)
        #expect(UInt256(high: 1, low: 0).multipliedReportingOverflow(by: UInt256(high: 1, low: 0)).overflow)
        #expect(UInt256.max.multipliedReportingOverflow(by: 2).overflow)
        #expect(!UInt256(UInt128.max).multipliedReportingOverflow(by: UInt256(UInt128.max)).overflow)
        let carried = UInt256(UInt128.max) + 1
        #expect(carried == UInt256(high: 1, low: 0))
        #expect(carried - 1 == UInt256(UInt128.max))
    }

    @Test func divisionMatchesMultiplication() async {
        await propertyCheck(input: Gen.uint64(), Gen.uint64(), Gen.uint64().map { $0 | 1 }) { a, b, d in
            let x = UInt256(UInt128(a) << 64 | UInt128(b)) * UInt256(a)
            let divisor = UInt256(d) * UInt256(d)
            let (q, r) = x.quotientAndRemainder(dividingBy: divisor)
            #expect(r < divisor)
            #expect(q * divisor + r == x)
            let (q64, r64) = x.quotientAndRemainder(dividingBy: d)
            #expect(q64 * UInt256(d) + UInt256(r64) == x)
        }
    }

    @Test func bigEndianBytes() throws {
        #expect(try UInt256(bigEndian: [0x01, 0x00]) == 256)
        #expect(UInt256(256).minimalBigEndianBytes == [0x01, 0x00])
        #expect(UInt256.zero.minimalBigEndianBytes == [])
        #expect(throws: EVMParseError.overflow) { try UInt256(bigEndian: [UInt8](repeating: 1, count: 33)) }
    }
}
