import Foundation
import Testing
import X402BatchSettlement
import X402Core
import X402EVM

/// `x402 decode`'s checks: a valid SDK header passes, each kind of tampering is reported with its code.
@Suite struct HeaderInspectionTests {
    static var c11a: String { WireVectorTests.compactJSON }

    func inspect(_ json: String) throws -> HeaderInspection { try HeaderInspection(json) }

    func codes(_ json: String) throws -> [String] { try inspect(json).problems.map(\.code) }

    @Test func sdkVoucherHeaderIsValid() throws {
        let fromHeader = try HeaderInspection(WireVectorTests.header)
        #expect(fromHeader.kind == .paymentSignature && fromHeader.isValid)
        #expect(fromHeader.notes.contains("voucher signer (recovered): 0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1"))
        #expect(fromHeader.json == (try JSONParser.parse(Self.c11a)))
        #expect(try inspect(Self.c11a).isValid)
    }

    @Test func tamperedVoucherFieldsAreReported() throws {
        // Another amount: the signature recovers to someone else.
        #expect(try codes(Self.c11a.replacingOccurrences(of: #""maxClaimableAmount":"2000""#, with: #""maxClaimableAmount":"2001""#))
            == [BatchSettlementErrorCode.voucherSignature.rawValue])
        // Another salt: the config no longer hashes to the voucher's channel id (and the signature is over that id).
        let salted = Self.c11a.replacingOccurrences(of: #""salt":"0x0000000000000000000000000000000000000000000000000000000000000000""#,
                                                    with: #""salt":"0x0000000000000000000000000000000000000000000000000000000000000001""#)
        #expect(try codes(salted) == [BatchSettlementErrorCode.channelIdMismatch.rawValue])
        // The config's receiver differs from the accepted payTo.
        let otherPayTo = Self.c11a.replacingOccurrences(of: #""payTo":"0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70""#,
                                                        with: #""payTo":"0x0000000000000000000000000000000000000001""#)
        #expect(try codes(otherPayTo) == [BatchSettlementErrorCode.receiverMismatch.rawValue])
        // A price above the voucher.
        let expensive = Self.c11a.replacingOccurrences(of: #""amount":"1000""#, with: #""amount":"5000""#)
        #expect(try codes(expensive) == [BatchSettlementErrorCode.cumulativeAmountMismatch.rawValue])
        // Not a payload type.
        let unknown = Self.c11a.replacingOccurrences(of: #""type":"voucher""#, with: #""type":"coupon""#)
        #expect(try codes(unknown) == [BatchSettlementErrorCode.payloadType.rawValue])
        // A uint128 overflow in the voucher is a payload error, not a trap.
        let huge = Self.c11a.replacingOccurrences(of: #""maxClaimableAmount":"2000""#, with: #""maxClaimableAmount":"340282366920938463463374607431768211456""#)
        #expect(try codes(huge) == [BatchSettlementErrorCode.payloadType.rawValue])
    }

    @Test func requirementsAndResponsesAreChecked() throws {
        let required = #"{"x402Version":2,"accepts":[{"scheme":"batch-settlement","network":"eip155:84532","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"1000","payTo":"0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70","maxTimeoutSeconds":300,"extra":{"receiverAuthorizer":"0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c","withdrawDelay":60}}]}"#
        let inspection = try inspect(required)
        #expect(inspection.kind == .paymentRequired)
        #expect(inspection.problems.map(\.code) == [BatchSettlementErrorCode.withdrawDelayOutOfRange.rawValue,
                                                     BatchSettlementErrorCode.missingEIP712Domain.rawValue])
        #expect(try codes(required.replacingOccurrences(of: "eip155:84532", with: "base sepolia")).contains("unsupported_network"))
        #expect(try codes(required.replacingOccurrences(of: #""amount":"1000""#, with: #""amount":"-1""#)).contains("invalid_payment_requirements"))

        let response = #"{"success":false,"transaction":"","network":"eip155:84532"}"#
        #expect(try inspect(response).kind == .paymentResponse)
        #expect(try codes(response) == ["invalid_payment_response"])
        #expect(try inspect(#"{"success":true,"transaction":"0x\#(String(repeating: "ab", count: 32))","network":"eip155:84532","amount":"10000"}"#).isValid)
    }

    @Test func unreadableInputIsAnError() {
        for bad in ["", "not base64!", "e30=", "[1,2]", String(repeating: "{", count: 100)] {
            #expect(throws: HeaderInspectionError.self, "\(bad)") { try HeaderInspection(bad) }
        }
    }

    @Test func everySDKHeaderVectorIsReadable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("Vectors/core.json"))
        let headers = try #require(try JSONParser.parse(Array(data))["headers"]?.arrayValue)
        #expect(headers.count >= 100)
        var kinds = Set<X402HeaderKind>()
        for vector in headers {
            let kindName = vector["kind"]?.stringValue ?? ""
            let kind = try #require(X402HeaderKind(rawValue: kindName))
            let header = try #require(vector["header"]?.stringValue)
            let inspection = try HeaderInspection(header)
            #expect(inspection.kind == kind)
            kinds.insert(kind)
        }
        #expect(kinds == Set(X402HeaderKind.allCases))
    }
}
