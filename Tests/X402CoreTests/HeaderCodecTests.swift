import Foundation
import PropertyBased
import Testing
@testable import X402Core
import X402EVMMechanisms

@Suite struct Base64Tests {
    @Test func matchesFoundationOnRandomBytes() async {
        await propertyCheck(input: Gen<UInt8>.value(in: 0...255).array(of: 0...200)) { bytes throws in
            let encoded = Base64.encode(bytes)
            #expect(encoded == Data(bytes).base64EncodedString())
            #expect(try Base64.decode(encoded) == bytes)
        }
    }

    @Test func everyShortLengthAndInvalidOffset() throws {
        // The decoder's word-store loop stops a quad before the end: every length and every bad position around it.
        for n in 0..<24 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let encoded = Base64.encode(bytes)
            #expect(try Base64.decode(encoded) == bytes, "\(n)")
            for k in 0..<encoded.utf8.count where !encoded.utf8.dropFirst(k).starts(with: [0x3D]) {
                var broken = Array(encoded.utf8)
                broken[k] = 0x2D   // '-'
                #expect(throws: Base64Error.invalidCharacter(offset: k)) { try Base64.decode(bytes: broken) }
            }
        }
    }

    @Test func rfc4648Vectors() throws {
        for (plain, b64) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")] {
            #expect(Base64.encode(Array(plain.utf8)) == b64)
            #expect(try Base64.decode(b64) == Array(plain.utf8))
        }
    }

    @Test func rejectsEverythingButStrictStandardBase64() {
        #expect(throws: Base64Error.invalidLength(3)) { try Base64.decode("Zm9") }
        #expect(throws: Base64Error.invalidCharacter(offset: 2)) { try Base64.decode("+/-_") }
        #expect(throws: Base64Error.invalidCharacter(offset: 3)) { try Base64.decode("Zm9_") }
        #expect(throws: Base64Error.invalidCharacter(offset: 2)) { try Base64.decode("Zm 9") }
        #expect(throws: Base64Error.invalidPadding) { try Base64.decode("Zg==Zm9v") }
        #expect(throws: Base64Error.invalidPadding) { try Base64.decode("Z===") }
        #expect(throws: Base64Error.invalidPadding) { try Base64.decode("Zm=v") }
        #expect(throws: Base64Error.nonCanonical) { try Base64.decode("Zh==") }
        #expect(throws: Base64Error.nonCanonical) { try Base64.decode("Zm9=") }
        #expect(throws: Base64Error.invalidCharacter(offset: 0)) { try Base64.decode("é==") }
    }
}

@Suite struct HeaderCodecTests {
    static let requirement = PaymentRequirements(
        scheme: "batch-settlement", network: .baseSepolia, asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
        amount: "1000", payTo: "0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70",
        extra: ["name": "USDC", "version": "2", "withdrawDelay": 900])

    @Test func absentOptionalsAreOmittedNeverNull() throws {
        let pr = PaymentRequired(resource: ResourceInfo(url: "http://x/"), accepts: [Self.requirement])
        let json = String(decoding: try X402JSON.encode(pr), as: UTF8.self)
        #expect(!json.contains("null"))
        #expect(json == #"{"x402Version":2,"resource":{"url":"http://x/"},"accepts":[{"scheme":"batch-settlement","network":"eip155:84532","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"1000","payTo":"0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70","maxTimeoutSeconds":300,"extra":{"name":"USDC","version":"2","withdrawDelay":900}}]}"#)
        #expect(try HeaderCodec.decodePaymentRequired(try HeaderCodec.encodePaymentRequired(pr)) == pr)
    }

    @Test func unknownKeysAreToleratedAndMissingExtraIsEmpty() throws {
        let json = #"{"x402Version":2,"future":{"a":1},"accepts":[{"scheme":"s","network":"n","asset":"a","amount":"1","payTo":"p","maxTimeoutSeconds":5,"new":true}]}"#
        let pr = try HeaderCodec.decodePaymentRequired(Base64.encode(Array(json.utf8)))
        #expect(pr.accepts[0].extra.isEmpty)
        #expect(pr.resource == nil)
    }

    @Test func typedErrors() throws {
        let big = String(repeating: "A", count: HeaderCodec.maxEncodedLength + 4)
        #expect(throws: HeaderCodecError.tooLarge(length: big.utf8.count, limit: HeaderCodec.maxEncodedLength)) {
            try HeaderCodec.decodePaymentSignature(big)
        }
        #expect(throws: HeaderCodecError.empty) { try HeaderCodec.decodePaymentSignature("  ") }
        #expect(throws: HeaderCodecError.invalidUTF8) { try HeaderCodec.decodePaymentSignature(Base64.encode([0x7B, 0xFF, 0x7D])) }
        #expect(throws: HeaderCodecError.invalidBase64(.invalidCharacter(offset: 3))) { try HeaderCodec.decodePaymentSignature("eyJ-") }
        #expect { try HeaderCodec.decodePaymentSignature(Base64.encode(Array("{\"a\":".utf8))) } throws: {
            if case .malformedJSON = $0 as? HeaderCodecError { true } else { false }
        }
        #expect { try HeaderCodec.decodePaymentSignature(Base64.encode(Array("{\"x402Version\":2}".utf8))) } throws: {
            if case .invalidShape = $0 as? HeaderCodecError { true } else { false }
        }
        #expect(throws: HeaderCodecError.unsupportedVersion(1)) {
            try HeaderCodec.decodePaymentRequired(Base64.encode(Array("{\"x402Version\":1,\"accepts\":[]}".utf8)))
        }
        // Surrounding spaces/tabs are HTTP whitespace, not part of the value.
        let ok = try HeaderCodec.encodePaymentResponse(SettleResponse(success: true, network: .base))
        #expect(try HeaderCodec.decodePaymentResponse(" \t" + ok + " ").success)
    }

    @Test func settleResponseJSONValueIsItsEncoding() throws {
        let full = SettleResponse(success: false, errorReason: .invalidPayload, errorMessage: "m", payer: "0xab", transaction: "0x01",
                                  network: .base, amount: "7", extensions: ["e": 1], extra: ["channelState": ["balance": "1"]])
        for response in [full, SettleResponse(success: true, network: .base)] {
            #expect(response.jsonValue == (try X402JSON.encodeValue(response)))
            #expect(JSONSerializer.serialize(response.jsonValue) == (try X402JSON.encode(response)))
            #expect(try HeaderCodec.decodePaymentResponse(try HeaderCodec.encodePaymentResponse(response)) == response)
        }
    }

    @Test func headerNamesAreCaseInsensitive() {
        #expect(X402Header.matches("payment-signature", X402Header.paymentSignature))
        #expect(!X402Header.matches("payment-signaturex", X402Header.paymentSignature))
        #expect(X402Header.value(of: "PAYMENT-RESPONSE", in: [("Content-Type", "a"), ("Payment-Response", "b")]) == "b")
        #expect(X402Header.value(of: "settlement-overrides", in: ["Settlement-Overrides": "{}"]) == "{}")
    }

    @Test func requirementMatchingRule() throws {
        var accepted = Self.requirement
        accepted.extra["channelState"] = ["balance": "1"]
        #expect(Self.requirement.isMatched(by: accepted))
        accepted.extra["withdrawDelay"] = 901
        #expect(!Self.requirement.isMatched(by: accepted))
        var other = Self.requirement
        other.payTo = other.payTo.lowercased()
        #expect(!Self.requirement.isMatched(by: other))
    }

    @Test func facilitatorTypesRoundTrip() throws {
        let supported = try X402JSON.decode(SupportedResponse.self, from: #"{"kinds":[{"x402Version":2,"scheme":"batch-settlement","network":"eip155:84532","extra":{"receiverAuthorizer":"0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c"}}],"signers":{"eip155:*":["0xab"]}}"#)
        #expect(supported.extensions == [])
        #expect(supported.kind(scheme: "batch-settlement", network: .baseSepolia)?.extra?["receiverAuthorizer"] == "0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c")
        #expect(try X402JSON.decode(SupportedResponse.self, from: try X402JSON.encode(supported)) == supported)
        let payload = PaymentPayload(payload: ["type": "voucher"], accepted: Self.requirement)
        let body = try X402JSON.encodeString(FacilitatorRequest(paymentPayload: payload, paymentRequirements: Self.requirement))
        #expect(body.hasPrefix(#"{"x402Version":2,"paymentPayload":{"x402Version":2,"payload":{"type":"voucher"},"accepted":"#))
        let verify = try X402JSON.decode(VerifyResponse.self, from: #"{"isValid":false,"invalidReason":"r"}"#)
        #expect(try X402JSON.encodeString(verify) == #"{"isValid":false,"invalidReason":"r"}"#)
    }
}
