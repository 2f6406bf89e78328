import Foundation
import Testing
import X402BatchSettlement
import X402Core
import X402EVMMechanisms
import X402EVM

/// protocol.md C.11a: the voucher PAYMENT-SIGNATURE of step 3 of the end-to-end trace, as the SDK sent it.
@Suite struct WireVectorTests {
    static let header = "eyJ4NDAyVmVyc2lvbiI6MiwicGF5bG9hZCI6eyJ0eXBlIjoidm91Y2hlciIsImNoYW5uZWxDb25maWciOnsicGF5ZXIiOiIweDFhNjQyZjBFM2MzYUY1NDVFN0FjQkQzOGIwNzI1MUIzOTkwOTE0RjEiLCJwYXllckF1dGhvcml6ZXIiOiIweDFhNjQyZjBFM2MzYUY1NDVFN0FjQkQzOGIwNzI1MUIzOTkwOTE0RjEiLCJyZWNlaXZlciI6IjB4MzMyNWE3ODQyNUYxN2E3RTQ4N0ViNTY2NmIyYkZkOTNhQmIwNmM3MCIsInJlY2VpdmVyQXV0aG9yaXplciI6IjB4NTA1MEE0RjRiM2Y5MzM4QzM0NzJkY0MwMUE4N0M3NkExNDRiM2M5YyIsInRva2VuIjoiMHgwMzZDYkQ1Mzg0MmM1NDI2NjM0ZTc5Mjk1NDFlQzIzMThmM2RDRjdlIiwid2l0aGRyYXdEZWxheSI6OTAwLCJzYWx0IjoiMHgwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwIn0sInZvdWNoZXIiOnsiY2hhbm5lbElkIjoiMHg2NmYyYjAwYzk4NTkzMjdjMWI5NTk1NzVmYzBiMGZmNzE5NzFmMTVlZGE2ZmYyNzBjYWEzY2VjMzA4ZWRlMjIzIiwibWF4Q2xhaW1hYmxlQW1vdW50IjoiMjAwMCIsInNpZ25hdHVyZSI6IjB4OTM5OTVhZTkwY2VhZDQ2ZDA2ZGE1Y2VkMTg3MjFkODRlMmQ4NjM5ZmVjYzhlNzI1MDU3ZmIwYWQxYTdjYjY3ZDQwODE3YjQ4NGQ3ODUwZjE1ODBhZTEwZWZjNWFhNGExOTFmZTA4NGFkNzU2OGE0MWFhYjdjMGRkMDgwNDZjYzUxYiJ9fSwiYWNjZXB0ZWQiOnsic2NoZW1lIjoiYmF0Y2gtc2V0dGxlbWVudCIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIiLCJhc3NldCI6IjB4MDM2Q2JENTM4NDJjNTQyNjYzNGU3OTI5NTQxZUMyMzE4ZjNkQ0Y3ZSIsImFtb3VudCI6IjEwMDAiLCJwYXlUbyI6IjB4MzMyNWE3ODQyNUYxN2E3RTQ4N0ViNTY2NmIyYkZkOTNhQmIwNmM3MCIsIm1heFRpbWVvdXRTZWNvbmRzIjozMDAsImV4dHJhIjp7Im5hbWUiOiJVU0RDIiwidmVyc2lvbiI6IjIiLCJyZWNlaXZlckF1dGhvcml6ZXIiOiIweDUwNTBBNEY0YjNmOTMzOEMzNDcyZGNDMDFBODdDNzZBMTQ0YjNjOWMiLCJ3aXRoZHJhd0RlbGF5Ijo5MDAsIm1pbkRlcG9zaXQiOiIxMDAwMCJ9fSwicmVzb3VyY2UiOnsidXJsIjoiaHR0cDovL2xvY2FsaG9zdC9kYXRhIiwiZGVzY3JpcHRpb24iOiIiLCJtaW1lVHlwZSI6IiJ9fQ=="
    static let compactJSON = #"{"x402Version":2,"payload":{"type":"voucher","channelConfig":{"payer":"0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1","payerAuthorizer":"0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1","receiver":"0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70","receiverAuthorizer":"0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c","token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","withdrawDelay":900,"salt":"0x0000000000000000000000000000000000000000000000000000000000000000"},"voucher":{"channelId":"0x66f2b00c9859327c1b959575fc0b0ff71971f15eda6ff270caa3cec308ede223","maxClaimableAmount":"2000","signature":"0x93995ae90cead46d06da5ced18721d84e2d8639fecc8e725057fb0ad1a7cb67d40817b484d7850f1580ae10efc5aa4a191fe084ad7568a41aab7c0dd08046cc51b"}},"accepted":{"scheme":"batch-settlement","network":"eip155:84532","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"1000","payTo":"0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70","maxTimeoutSeconds":300,"extra":{"name":"USDC","version":"2","receiverAuthorizer":"0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c","withdrawDelay":900,"minDeposit":"10000"}},"resource":{"url":"http://localhost/data","description":"","mimeType":""}}"#

    @Test func decodesEveryFieldAndReencodesToTheSameBytes() throws {
        #expect(Self.header.utf8.count == 1536)
        let pp = try HeaderCodec.decodePaymentSignature(Self.header)
        #expect(pp.x402Version == 2)
        #expect(pp.resource == ResourceInfo(url: "http://localhost/data", description: "", mimeType: ""))
        #expect(pp.extensions == nil)

        let accepted = pp.accepted
        #expect(accepted.scheme == BatchSettlement.scheme)
        #expect(accepted.network == .baseSepolia)
        #expect(try accepted.network.evmChainId() == 84532)
        #expect(accepted.asset == "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
        #expect(accepted.amount == "1000")
        #expect(accepted.payTo == "0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70")
        #expect(accepted.maxTimeoutSeconds == 300)
        let extra = try BatchSettlementRequirementsExtra(extra: accepted.extra)
        #expect(extra.name == "USDC" && extra.version == "2")
        #expect(extra.receiverAuthorizer == (try Address(hex: "0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c")))
        #expect(extra.withdrawDelay == 900)
        #expect(extra.minDeposit == "10000" && extra.minDepositAmount == 10000)
        #expect(extra.transferMethod == .eip3009 && extra.channelState == nil && extra.voucherState == nil)

        guard case .voucher(let v) = try BatchSettlementPayload(pp) else {
            Issue.record("expected a voucher payload")
            return
        }
        let payer = try Address(hex: "0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1")
        #expect(v.channelConfig == ChannelConfig(
            payer: payer, payerAuthorizer: payer,
            receiver: try Address(hex: "0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70"),
            receiverAuthorizer: try Address(hex: "0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c"),
            token: try Address(hex: "0x036CbD53842c5426634e7929541eC2318f3dCF7e"), withdrawDelay: 900, salt: .zero))
        #expect(v.voucher.channelId == (try Bytes32(hex: "0x66f2b00c9859327c1b959575fc0b0ff71971f15eda6ff270caa3cec308ede223")))
        #expect(v.voucher.maxClaimableAmount == 2000)
        #expect(v.voucher.signature.hex == "0x93995ae90cead46d06da5ced18721d84e2d8639fecc8e725057fb0ad1a7cb67d40817b484d7850f1580ae10efc5aa4a191fe084ad7568a41aab7c0dd08046cc51b")
        #expect(v.voucher.signature.bytes.count == 65)

        // Rebuild the payload from the typed value: the bytes must be the SDK's exactly.
        var rebuilt = pp
        rebuilt.payload = BatchSettlementPayload.voucher(v).jsonObject()
        #expect(String(decoding: try X402JSON.encode(rebuilt), as: UTF8.self) == Self.compactJSON)
        #expect(try HeaderCodec.encodePaymentSignature(rebuilt) == Self.header)
    }

    @Test func errorCodesMatchTheSDK() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("Vectors/core.json"))
        let sdk = try #require(try JSONParser.parse(Array(data)).objectValue?["batchSettlementErrorCodes"]?.arrayValue)
        let ours = BatchSettlementErrorCode.allCases.map(\.rawValue).sorted()
        #expect(ours == sdk.compactMap(\.stringValue))
        #expect(BatchSettlementErrorCode.allCases.allSatisfy { $0.rawValue.hasPrefix(BatchSettlementErrorCode.prefix) })
        #expect(BatchSettlementErrorCode.cumulativeAmountMismatch.suffix == "cumulative_amount_mismatch")
        #expect(GenericErrorCode.settlementPending.rawValue == "settlement_pending")
    }
}
