import Testing
import X402Core

@Suite struct DecimalStringTests {
    static let max256 = "115792089237316195423570985008687907853269984665640564039457584007913129639935"  // 2^256 - 1
    static let pow256 = "115792089237316195423570985008687907853269984665640564039457584007913129639936"  // 2^256

    @Test func comparesBeyond256BitsWithoutOverflow() {
        #expect(DecimalString.compare(Self.max256, Self.pow256) == .ascending)
        #expect(DecimalString.compare(Self.pow256, Self.max256) == .descending)
        #expect(DecimalString.compare(Self.pow256, Self.pow256) == .same)
        #expect(DecimalString.lessThanOrEqual(Self.max256, Self.pow256))
        #expect(!DecimalString.lessThanOrEqual(Self.pow256 + "0", Self.pow256))
    }

    @Test func leadingZerosDoNotChangeTheValue() {
        #expect(DecimalString.compare("0009", "10") == .ascending)
        #expect(DecimalString.compare("000", "0") == .same)
        #expect(DecimalString.compare("10", "9") == .descending)
        #expect(DecimalString.normalized("000120") == "120")
        #expect(DecimalString.normalized("0000") == "0")
    }

    @Test func rejectsNonIntegers() {
        for bad in ["", "-1", "1.5", "1e3", " 1", "0x10", "１"] {
            #expect(DecimalString.compare(bad, "1") == nil, "\(bad)")
            #expect(!DecimalString.lessThanOrEqual(bad, "100"), "\(bad)")
        }
    }

    @Test func multiplyDivideFloors() {
        #expect(DecimalString.multiplyDivide("1000", by: 5000, dividingBy: 10_000) == "500")
        #expect(DecimalString.multiplyDivide("1000", by: 1250, dividingBy: 10_000) == "125")
        #expect(DecimalString.multiplyDivide("999", by: 1, dividingBy: 10_000) == "0")
        #expect(DecimalString.multiplyDivide("7", by: 1, dividingBy: 2) == "3")
        // Exact far beyond 64 and 256 bits: (2^256 - 1) × (2^64 - 1) / (2^64 - 1) = 2^256 - 1.
        #expect(DecimalString.multiplyDivide(Self.max256, by: .max, dividingBy: .max) == Self.max256)
        #expect(DecimalString.multiplyDivide(Self.pow256, by: 3, dividingBy: 1) ==
                "347376267711948586270712955026063723559809953996921692118372752023739388919808")
        #expect(DecimalString.multiplyDivide("1", by: 1, dividingBy: 0) == nil)
    }

    @Test func decimalToAtomicTruncates() {
        #expect(DecimalString.atomicAmount(fromDecimal: "0.01", decimals: 6) == "10000")
        #expect(DecimalString.atomicAmount(fromDecimal: "1.5", decimals: 6) == "1500000")
        #expect(DecimalString.atomicAmount(fromDecimal: "0.0000001", decimals: 6) == "0")
        #expect(DecimalString.atomicAmount(fromDecimal: "12", decimals: 0) == "12")
        #expect(DecimalString.atomicAmount(fromDecimal: "1.", decimals: 6) == nil)
        #expect(DecimalString.atomicAmount(fromDecimal: "-1", decimals: 6) == nil)
    }
}

@Suite struct SettlementOverrideResolverTests {
    @Test func percentagesUseIntegerMath() throws {
        #expect(try SettlementOverrideResolver.resolve("50%", price: "1000", decimals: nil) == "500")
        #expect(try SettlementOverrideResolver.resolve("12.5%", price: "1000", decimals: nil) == "125")
        #expect(try SettlementOverrideResolver.resolve("33.33%", price: "1000", decimals: nil) == "333")
        #expect(try SettlementOverrideResolver.resolve("50.%", price: "1000", decimals: nil) == "500")
        #expect(try SettlementOverrideResolver.resolve("0%", price: "1000", decimals: nil) == "0")
    }

    @Test func threeDecimalPercentIsNotAPercentage() {
        // Falls through to the verbatim branch, which needs an integer.
        #expect(throws: X402Error.self) { try SettlementOverrideResolver.resolve("33.333%", price: "1000", decimals: nil) }
    }

    @Test func dollarAmountsNeedDecimals() throws {
        #expect(try SettlementOverrideResolver.resolve("$0.001", price: "5000", decimals: 6) == "1000")
        #expect(try SettlementOverrideResolver.resolve("$0.0000009", price: "5000", decimals: 6) == "0")
        let error = #expect(throws: X402Error.self) { try SettlementOverrideResolver.resolve("$0.001", price: "5000", decimals: nil) }
        #expect(error?.reason == .invalidPaymentRequirements)
    }

    @Test func atomicAmountsAreVerbatim() throws {
        #expect(try SettlementOverrideResolver.resolve("250", price: "1000", decimals: nil) == "250")
        #expect(try SettlementOverrideResolver.resolve("0250", price: "1000", decimals: nil) == "250")
        #expect(throws: X402Error.self) { try SettlementOverrideResolver.resolve("1.5", price: "1000", decimals: nil) }
        #expect(throws: X402Error.self) { try SettlementOverrideResolver.resolve("abc", price: "1000", decimals: nil) }
    }

    @Test func headerParsing() {
        #expect(SettlementOverrideResolver.amount(fromHeader: #"{"amount":"50%"}"#) == "50%")
        #expect(SettlementOverrideResolver.amount(fromHeader: #"{"amount":250}"#) == "250")
        #expect(SettlementOverrideResolver.amount(fromHeader: #"{"other":1}"#) == nil)
        #expect(SettlementOverrideResolver.amount(fromHeader: "not json") == nil)
        #expect(SettlementOverrideResolver.amount(fromHeader: #"["50%"]"#) == nil)
    }
}

@Suite struct ErrorReasonTests {
    @Test func wireFormIsAPlainString() throws {
        let verify = VerifyResponse.invalid(.insufficientFunds, message: "low")
        #expect(try X402JSON.encodeString(verify) == #"{"isValid":false,"invalidReason":"insufficient_funds","invalidMessage":"low"}"#)
        let decoded = try X402JSON.decode(SettleResponse.self, from: #"{"success":false,"errorReason":"invalid_scheme_specific_code","transaction":"","network":"eip155:1"}"#)
        #expect(decoded.errorReason == "invalid_scheme_specific_code")
        #expect(decoded.errorReason != .settlementPending)
        #expect(ErrorReason.settlementPending.rawValue == "settlement_pending")
    }

    @Test func errorsKeepTheirCause() {
        struct Cause: Error {}
        let wrapped = X402Error.wrapping(Cause(), as: .unexpectedSettleError)
        #expect(wrapped.reason == .unexpectedSettleError)
        #expect(wrapped.underlying is Cause)
        let inner = X402Error(.insufficientFunds, "low")
        #expect(X402Error.wrapping(inner, as: .unexpectedSettleError).reason == .insufficientFunds)
    }
}
