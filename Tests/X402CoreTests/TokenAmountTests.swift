import Foundation
import PropertyBased
import Testing
import X402Core

/// `TokenAmount` (uint256) and `TokenAmount128`: decimal strings on the wire, lenient on decode, checked arithmetic.
@Suite struct TokenAmountTests {
    static let max128 = "340282366920938463463374607431768211455"  // 2^128 − 1
    static let over128 = "340282366920938463463374607431768211456"  // 2^128
    static let max256 = "115792089237316195423570985008687907853269984665640564039457584007913129639935"  // 2^256 − 1
    static let over256 = "115792089237316195423570985008687907853269984665640564039457584007913129639936"  // 2^256

    struct Row: Codable, Equatable {
        var small: TokenAmount128
        var big: TokenAmount
    }

    func decode128(_ json: String) throws -> TokenAmount128 { try X402JSON.decode(TokenAmount128.self, from: json) }
    func decode256(_ json: String) throws -> TokenAmount { try X402JSON.decode(TokenAmount.self, from: json) }

    @Test func encodesCanonicalDecimalStrings() throws {
        #expect(try X402JSON.encodeString(TokenAmount128(1000)) == #""1000""#)
        #expect(try X402JSON.encodeString(TokenAmount.zero) == #""0""#)
        #expect(try X402JSON.encodeString(Row(small: .max, big: .max)) == #"{"small":"\#(Self.max128)","big":"\#(Self.max256)"}"#)
        #expect(TokenAmount128.max.description == Self.max128 && TokenAmount.max.description == Self.max256)
        // Leading zeros are accepted and dropped.
        #expect(try decode128(#""007""#) == 7 && (try decode256(#""0000""#)) == .zero)
        #expect(try X402JSON.encodeString(try decode128(#""000123""#)) == #""123""#)
    }

    @Test func roundTripsAndBoundaries() async throws {
        let row = try X402JSON.decode(Row.self, from: #"{"small":"\#(Self.max128)","big":"\#(Self.max256)"}"#)
        #expect(row == Row(small: .max, big: .max))
        #expect(row.small.value == .max && row.big.value == .max)
        #expect(try X402JSON.decode(Row.self, from: try X402JSON.encode(row)) == row)
        #expect(try decode256(#""\#(Self.over128)""#).value == UInt256(high: 1, low: 0))
        for rejected in [#""\#(Self.over128)""#, Self.over128, #""\#(Self.max256)""#] {
            #expect(throws: X402JSONError.self) { try decode128(rejected) }
        }
        for rejected in [#""\#(Self.over256)""#, Self.over256, #""1\#(Self.max256)""#] {
            #expect(throws: X402JSONError.self) { try decode256(rejected) }
        }
        // Random values survive text and JSON.
        await propertyCheck(input: Gen<UInt64>.value(in: 0...UInt64.max), Gen<UInt64>.value(in: 0...UInt64.max)) { hi, lo throws in
            let amount = TokenAmount128(UInt128(hi) << 64 | UInt128(lo))
            #expect(TokenAmount128(decimal: amount.description) == amount)
            #expect(try X402JSON.decode(TokenAmount128.self, from: try X402JSON.encode(amount)) == amount)
            let wide = TokenAmount(UInt256(high: UInt128(lo), low: UInt128(hi) << 64 | UInt128(lo)))
            #expect(TokenAmount(wide.description) == wide)
            #expect(try X402JSON.decode(TokenAmount.self, from: try X402JSON.encode(wide)) == wide)
        }
    }

    @Test func acceptsJSONIntegers() throws {
        #expect(try decode128("1000") == 1000)
        #expect(try decode128("0") == .zero)
        #expect(try decode128(Self.max128) == .max)  // exact beyond 64 bits with X402JSON
        #expect(try decode256(Self.max256) == .max)
        #expect(try X402JSON.decode(Row.self, from: #"{"small":5,"big":6}"#) == Row(small: 5, big: 6))
        // Foundation's decoder works too (integers up to 64 bits as numbers, any size as strings).
        let foundation = try JSONDecoder().decode(Row.self, from: Data(#"{"small":"\#(Self.max128)","big":18446744073709551615}"#.utf8))
        #expect(foundation == Row(small: .max, big: TokenAmount(UInt256(UInt64.max))))
    }

    @Test func rejectsEverythingElseWithATypedError() throws {
        let bad = [#"-1"#, #""-1""#, #"1.5"#, #""1.5""#, #"1e3"#, #"1E3"#, #""1e3""#, #""""#, #"" 1""#, #""1 ""#, #""0x10""#,
                   #""+1""#, #""١""#, "true", "null", "[]", "{}", #"-0"#, "1.0"]
        for json in bad {
            #expect(throws: X402JSONError.self, "\(json)") { try decode128(json) }
            #expect(throws: X402JSONError.self, "\(json)") { try decode256(json) }
        }
        // Foundation's decoder turns the numbers 1e3, 1.0 and -0 into integers before the type sees them;
        // everything else is a typed DecodingError there too.
        for json in bad where !["1e3", "1E3", "1.0", "-0"].contains(json) {
            #expect(throws: DecodingError.self, "\(json)") { try JSONDecoder().decode([TokenAmount128].self, from: Data("[\(json)]".utf8)) }
        }
        // The message names the field and the rule.
        let shape = { (json: String) -> String in
            do { _ = try X402JSON.decode(Row.self, from: json); return "" } catch { return "\(error)" }
        }
        let overflow = shape(#"{"small":"\#(Self.over128)","big":"1"}"#)
        #expect(overflow.contains("small") && overflow.contains("uint128") && overflow.contains("exceeds 2^128"))
        let negative = shape(#"{"small":"1","big":"-1"}"#)
        #expect(negative.contains("big") && negative.contains("uint256") && negative.contains("not a decimal integer"))
        let fraction = shape(#"{"small":1.5,"big":"1"}"#)
        #expect(fraction.contains("small") && fraction.contains("found number 1.5"))
        let boolean = shape(#"{"small":true,"big":"1"}"#)
        #expect(boolean.contains("found boolean"))
        // Untrusted text is cut short in messages.
        #expect(shape(#"{"small":"\#(String(repeating: "9", count: 5000))","big":"1"}"#).count < 400)
    }

    @Test func decimalInitializers() {
        #expect(TokenAmount128(decimal: "0") == .zero && TokenAmount128(decimal: "000") == .zero)
        #expect(TokenAmount128(decimal: Self.max128) == .max && TokenAmount128(decimal: Self.over128) == nil)
        #expect(TokenAmount(decimal: Self.max256) == .max && TokenAmount(decimal: Self.over256) == nil)
        #expect(TokenAmount(decimal: Self.over128)?.description == Self.over128)
        for text in ["", " 1", "1 ", "-1", "+1", "1.5", "1e3", "0x10", "١"] {
            #expect(TokenAmount128(decimal: text) == nil, "\(text)")
            #expect(TokenAmount(decimal: text) == nil, "\(text)")
        }
        #expect(TokenAmount128("42") == 42 && TokenAmount("42") == 42)
        #expect(TokenAmount128(decimal: "12345"[...].dropFirst()) == 2345)
    }

    @Test func conversionsAndOrdering() {
        #expect(TokenAmount128(UInt128(7)).value == 7 && TokenAmount(UInt256(7)).value == UInt256(7))
        #expect(TokenAmount(widening: .max).value == UInt256(UInt128.max))
        #expect(TokenAmount128(exactly: TokenAmount(widening: .max)) == .max)
        #expect(TokenAmount128(exactly: TokenAmount(UInt256(high: 1, low: 0))) == nil)
        #expect([TokenAmount128(3), .max, .zero, 2].sorted() == [.zero, 2, 3, .max])
        #expect(TokenAmount.max > TokenAmount(widening: .max))
    }

    @Test func overflowingArithmeticIsAnError() throws {
        #expect(try TokenAmount128(1000).adding(500) == 1500)
        #expect(try TokenAmount128(1000).subtracting(1000) == .zero)
        #expect(throws: TokenAmountError.overflow) { try TokenAmount128.max.adding(1) }
        #expect(throws: TokenAmountError.underflow) { try TokenAmount128.zero.subtracting(1) }
        #expect(try TokenAmount128(UInt128.max - 1).adding(1) == .max)
        #expect(TokenAmount128.max.addingReportingOverflow(2) == (1, true))
        #expect(TokenAmount128(5).subtractingReportingOverflow(6) == (.max, true))

        #expect(try TokenAmount(widening: .max).adding(1).description == Self.over128)
        #expect(throws: TokenAmountError.overflow) { try TokenAmount.max.adding(1) }
        #expect(throws: TokenAmountError.underflow) { try TokenAmount(1).subtracting(2) }
        #expect(TokenAmount.max.addingReportingOverflow(1) == (.zero, true))
        #expect(TokenAmount(9).subtractingReportingOverflow(4) == (5, false))
        #expect(TokenAmountError.overflow.description == "token amount overflow")
    }
}
