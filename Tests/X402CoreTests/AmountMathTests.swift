import Testing
@testable import X402Core

/// B.14 through the HTTP layer: the override resolved against the route price, errors typed.
@Suite struct SettlementOverrideResolutionTests {
    @Test func percentagesUseIntegerMath() throws {
        #expect(try X402HTTPResourceServer.resolveOverride("50%", price: "1000", decimals: nil) == "500")
        #expect(try X402HTTPResourceServer.resolveOverride("12.5%", price: "1000", decimals: nil) == "125")
        #expect(try X402HTTPResourceServer.resolveOverride("33.33%", price: "1000", decimals: nil) == "333")
        #expect(try X402HTTPResourceServer.resolveOverride("50.%", price: "1000", decimals: nil) == "500")
        #expect(try X402HTTPResourceServer.resolveOverride("0%", price: "1000", decimals: nil) == "0")
    }

    @Test func threeDecimalPercentIsNotAPercentage() {
        // Falls through to the verbatim branch, which needs an integer.
        #expect(throws: X402Error.self) { try X402HTTPResourceServer.resolveOverride("33.333%", price: "1000", decimals: nil) }
    }

    @Test func dollarAmountsNeedDecimals() throws {
        #expect(try X402HTTPResourceServer.resolveOverride("$0.001", price: "5000", decimals: 6) == "1000")
        #expect(try X402HTTPResourceServer.resolveOverride("$0.0000009", price: "5000", decimals: 6) == "0")
        let error = #expect(throws: X402Error.self) { try X402HTTPResourceServer.resolveOverride("$0.001", price: "5000", decimals: nil) }
        #expect(error?.reason == .invalidPaymentRequirements)
    }

    @Test func atomicAmountsAreVerbatim() throws {
        #expect(try X402HTTPResourceServer.resolveOverride("250", price: "1000", decimals: nil) == "250")
        #expect(try X402HTTPResourceServer.resolveOverride("0250", price: "1000", decimals: nil) == "250")
        #expect(throws: X402Error.self) { try X402HTTPResourceServer.resolveOverride("1.5", price: "1000", decimals: nil) }
        #expect(throws: X402Error.self) { try X402HTTPResourceServer.resolveOverride("abc", price: "1000", decimals: nil) }
    }

    @Test func headerParsing() {
        #expect(SettlementOverrides(headerValue: #"{"amount":"50%"}"#)?.amount == "50%")
        #expect(SettlementOverrides(headerValue: #"{"amount":250}"#)?.amount == "250")
        #expect(SettlementOverrides(headerValue: #"{"other":1}"#)?.amount == nil)
        #expect(SettlementOverrides(headerValue: "not json") == nil)
        #expect(SettlementOverrides(headerValue: #"["50%"]"#) == nil)
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
