import Testing
import X402BatchSettlement
import X402Core
import X402EVMMechanisms
import X402EVM

@Suite struct WirePayloadTests {
    static let config = #"{"payer":"0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1","payerAuthorizer":"0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1","receiver":"0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70","receiverAuthorizer":"0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c","token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","withdrawDelay":900,"salt":"0x0000000000000000000000000000000000000000000000000000000000000000"}"#
    static let channelId = "0x66f2b00c9859327c1b959575fc0b0ff71971f15eda6ff270caa3cec308ede223"
    static let sig = "0x" + String(repeating: "ab", count: 65)
    static let voucher = #"{"channelId":"\#(channelId)","maxClaimableAmount":"1000","signature":"\#(sig)"}"#

    func payload(_ json: String) throws -> BatchSettlementPayload {
        try BatchSettlementPayload(json: try #require(try JSONParser.parse(json).objectValue))
    }

    /// Decoding then encoding reproduces the SDK-shaped JSON exactly (key order included).
    func roundTrip(_ json: String) throws -> BatchSettlementPayload {
        let p = try payload(json)
        #expect(JSONSerializer.string(.object(p.jsonObject())) == json)
        return p
    }

    @Test func depositWithERC3009() throws {
        let json = #"{"type":"deposit","channelConfig":\#(Self.config),"voucher":\#(Self.voucher),"deposit":{"amount":"10000","authorization":{"erc3009Authorization":{"validAfter":"0","validBefore":"1795234803","salt":"0x6709eb0000000000000000000000000000000000000000000000000000006456","signature":"\#(Self.sig)"}}}}"#
        guard case .deposit(let d) = try roundTrip(json), case .erc3009(let a) = d.deposit.authorization else {
            Issue.record("not an ERC-3009 deposit")
            return
        }
        #expect(d.deposit.amount == 10000)
        #expect(a.validBefore == 1_795_234_803 && a.validBefore.value == UInt256(1_795_234_803))
        #expect(a.signature.bytes.count == 65)
    }

    @Test func depositWithPermit2() throws {
        let json = #"{"type":"deposit","channelConfig":\#(Self.config),"voucher":\#(Self.voucher),"deposit":{"amount":"10000","authorization":{"permit2Authorization":{"from":"0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1","permitted":{"token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"10000"},"spender":"0x4020425FAf3B746C082C2f942b4E5159887B0005","nonce":"123456789012345678901234567890","deadline":"1770000000","witness":{"channelId":"\#(Self.channelId)"},"signature":"\#(Self.sig)"}}}}"#
        guard case .deposit(let d) = try roundTrip(json), case .permit2(let p) = d.deposit.authorization else {
            Issue.record("not a Permit2 deposit")
            return
        }
        #expect(p.spender == BatchSettlement.permit2CollectorAddress)
        #expect(p.nonce.description == "123456789012345678901234567890")
    }

    @Test func voucherRefundClaimSettle() throws {
        #expect(try roundTrip(#"{"type":"voucher","channelConfig":\#(Self.config),"voucher":\#(Self.voucher)}"#).kind == .voucher)
        guard case .refund(let full) = try roundTrip(#"{"type":"refund","channelConfig":\#(Self.config),"voucher":\#(Self.voucher)}"#) else {
            Issue.record("not a refund")
            return
        }
        #expect(full.amount == nil)
        guard case .refund(let partial) = try roundTrip(#"{"type":"refund","channelConfig":\#(Self.config),"voucher":\#(Self.voucher),"amount":"3000"}"#) else {
            Issue.record("not a refund")
            return
        }
        #expect(partial.amountValue == 3000)
        // A malformed amount is kept so the server can answer refund_amount_invalid.
        guard case .refund(let bad) = try payload(#"{"type":"refund","channelConfig":\#(Self.config),"voucher":\#(Self.voucher),"amount":"-3"}"#) else {
            Issue.record("not a refund")
            return
        }
        #expect(bad.amount == "-3" && bad.amountValue == nil)

        let row = #"{"voucher":{"channel":\#(Self.config),"maxClaimableAmount":"2500"},"signature":"\#(Self.sig)","totalClaimed":"2500"}"#
        guard case .enrichedRefund(let e) = try roundTrip(#"{"type":"refund","channelConfig":\#(Self.config),"voucher":\#(Self.voucher),"amount":"3000","refundNonce":"0","claims":[\#(row)],"refundAuthorizerSignature":"\#(Self.sig)","claimAuthorizerSignature":"\#(Self.sig)"}"#) else {
            Issue.record("not an enriched refund")
            return
        }
        #expect(e.claims.count == 1 && e.claims[0].totalClaimed == 2500 && e.claims[0].channel.withdrawDelay == 900)
        guard case .claim(let c) = try roundTrip(#"{"type":"claim","claims":[\#(row),\#(row)]}"#) else {
            Issue.record("not a claim")
            return
        }
        #expect(c.claims.count == 2 && c.claimAuthorizerSignature == nil)
        #expect(try roundTrip(#"{"type":"settle","receiver":"0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70","token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e"}"#).kind == .settle)
    }

    @Test func discriminationFailuresAreTyped() throws {
        #expect(throws: BatchSettlementPayloadError.unknownType(nil)) { try payload(#"{"channelConfig":{}}"#) }
        #expect(throws: BatchSettlementPayloadError.unknownType("exact")) { try payload(#"{"type":"exact"}"#) }
        #expect(throws: BatchSettlementPayloadError.missingKeys(type: .deposit, keys: ["deposit"])) {
            try payload(#"{"type":"deposit","channelConfig":\#(Self.config),"voucher":\#(Self.voucher)}"#)
        }
        #expect(throws: BatchSettlementPayloadError.missingKeys(type: .settle, keys: ["token"])) { try payload(#"{"type":"settle","receiver":"0x00"}"#) }
        let malformed: [String] = [
            // both authorizations
            #"{"type":"deposit","channelConfig":\#(Self.config),"voucher":\#(Self.voucher),"deposit":{"amount":"1","authorization":{}}}"#,
            // amount beyond uint128
            #"{"type":"voucher","channelConfig":\#(Self.config),"voucher":{"channelId":"\#(Self.channelId)","maxClaimableAmount":"340282366920938463463374607431768211456","signature":"0x00"}}"#,
            // bad signature hex, channel id not a string, bad address
            #"{"type":"voucher","channelConfig":\#(Self.config),"voucher":{"channelId":"\#(Self.channelId)","maxClaimableAmount":"1","signature":"0xzz"}}"#,
            #"{"type":"voucher","channelConfig":\#(Self.config),"voucher":{"channelId":66,"maxClaimableAmount":"1","signature":"0x"}}"#,
            #"{"type":"settle","receiver":"0x1234","token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e"}"#,
            #"{"type":"refund","channelConfig":\#(Self.config),"voucher":\#(Self.voucher),"amount":true}"#,
        ]
        for json in malformed {
            #expect { try payload(json) } throws: { error in
                guard case .malformed = error as? BatchSettlementPayloadError else { return false }
                return (error as? BatchSettlementPayloadError)?.errorCode == .payloadType
            }
        }
    }

    /// protocol.md B.11: ids are canonical `^0x[0-9a-fA-F]{64}$`; a short id is `…_channel_id_invalid` too.
    @Test func shortChannelIdIsInvalidChannelId() throws {
        let json = #"{"type":"voucher","channelConfig":\#(Self.config),"voucher":{"channelId":"0x66","maxClaimableAmount":"1","signature":"0x"}}"#
        #expect(throws: BatchSettlementPayloadError.invalidChannelId(type: .voucher, .invalidLength(expected: 32, actual: 1))) {
            try payload(json)
        }
    }

    /// `0X…` (capital X) ids and salts are rejected wherever the wire carries them.
    @Test func capitalXPrefixIsRejected() throws {
        let upperId = "0X" + Self.channelId.dropFirst(2)
        let upperVoucher = #"{"channelId":"\#(upperId)","maxClaimableAmount":"1000","signature":"\#(Self.sig)"}"#
        for kind in ["voucher", "refund"] {
            let json = #"{"type":"\#(kind)","channelConfig":\#(Self.config),"voucher":\#(upperVoucher)}"#
            let expected = BatchSettlementPayloadError.invalidChannelId(type: kind == "voucher" ? .voucher : .refund, .missingHexPrefix)
            #expect(throws: expected) { try payload(json) }
            #expect(expected.errorCode == .channelIdInvalid)
        }
        let erc3009 = #"{"amount":"10000","authorization":{"erc3009Authorization":{"validAfter":"0","validBefore":"1795234803","salt":"SALT","signature":"\#(Self.sig)"}}}"#
        #expect(throws: BatchSettlementPayloadError.invalidChannelId(type: .deposit, .missingHexPrefix)) {
            try payload(#"{"type":"deposit","channelConfig":\#(Self.config),"voucher":\#(upperVoucher),"deposit":\#(erc3009.replacing("SALT", with: "0x" + String(repeating: "11", count: 32)))}"#)
        }

        func isMalformed(_ json: String, _ key: String) {
            #expect { try payload(json) } throws: { error in
                guard case .malformed(_, let detail) = error as? BatchSettlementPayloadError else { return false }
                return detail.contains(key) && (error as? BatchSettlementPayloadError)?.errorCode == .payloadType
            }
        }
        // ERC-3009 authorization salt.
        isMalformed(#"{"type":"deposit","channelConfig":\#(Self.config),"voucher":\#(Self.voucher),"deposit":\#(erc3009.replacing("SALT", with: "0X" + String(repeating: "11", count: 32)))}"#, "salt")
        // Channel config salt, in a voucher payload and in a claim row.
        let upperSaltConfig = Self.config.replacing(#""salt":"0x"#, with: #""salt":"0X"#)
        #expect(upperSaltConfig != Self.config)
        isMalformed(#"{"type":"voucher","channelConfig":\#(upperSaltConfig),"voucher":\#(Self.voucher)}"#, "salt")
        let row = #"{"voucher":{"channel":\#(upperSaltConfig),"maxClaimableAmount":"2500"},"signature":"\#(Self.sig)","totalClaimed":"2500"}"#
        isMalformed(#"{"type":"claim","claims":[\#(row)]}"#, "salt")
        // Permit2 witness channel id.
        let permit2 = #"{"amount":"10000","authorization":{"permit2Authorization":{"from":"0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1","permitted":{"token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"10000"},"spender":"0x4020425FAf3B746C082C2f942b4E5159887B0005","nonce":"1","deadline":"1770000000","witness":{"channelId":"\#(upperId)"},"signature":"\#(Self.sig)"}}}"#
        isMalformed(#"{"type":"deposit","channelConfig":\#(Self.config),"voucher":\#(Self.voucher),"deposit":\#(permit2)}"#, "channelId")
        // Channel snapshots (verify/settle extra) and bare ids.
        #expect(throws: X402JSONError.self) {
            try X402JSON.decode(ChannelStateSnapshot.self, from: #"{"channelId":"\#(upperId)","balance":"1","totalClaimed":"0"}"#)
        }
        #expect(throws: X402JSONError.self) { try X402JSON.decode(Bytes32.self, from: #""\#(upperId)""#) }
        #expect(try X402JSON.decode(Bytes32.self, from: #""\#(Self.channelId)""#).hex == Self.channelId)
    }

    @Test func channelStateDecodesBothForms() throws {
        let wire = #"{"channelId":"\#(Self.channelId)","balance":"10000","totalClaimed":"0","withdrawRequestedAt":0,"refundNonce":"0","chargedCumulativeAmount":"2500"}"#
        let s = try X402JSON.decode(ChannelStateSnapshot.self, from: wire)
        #expect(s.chargedCumulativeAmount == 2500)
        #expect(try X402JSON.encodeString(s) == wire)
        let lenient = try X402JSON.decode(ChannelStateSnapshot.self, from: #"{"channelId":"\#(Self.channelId)","balance":10000,"totalClaimed":"0","withdrawRequestedAt":"1700000000","refundNonce":3}"#)
        #expect(lenient.refundNonce == 3 && lenient.withdrawRequestedAt == 1_700_000_000 && lenient.balance == 10000)
        #expect(try X402JSON.encodeString(lenient).contains(#""withdrawRequestedAt":1700000000,"refundNonce":"3"}"#))
        let defaults = try X402JSON.decode(ChannelStateSnapshot.self, from: #"{"channelId":"\#(Self.channelId)","balance":"1","totalClaimed":"0"}"#)
        #expect(defaults.refundNonce == .zero && defaults.withdrawRequestedAt == 0 && defaults.chargedCumulativeAmount == nil)
        #expect(throws: X402JSONError.self) {
            try X402JSON.decode(ChannelStateSnapshot.self, from: #"{"channelId":"\#(Self.channelId)","balance":"-1","totalClaimed":"0"}"#)
        }
    }

    @Test func correctiveExtraAndPaymentResponseExtra() throws {
        // B.12: corrective 402 requirement extra.
        let extraJSON = #"{"name":"USDC","version":"2","receiverAuthorizer":"0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c","withdrawDelay":900,"minDeposit":"10000","channelState":{"channelId":"\#(Self.channelId)","balance":"10000","totalClaimed":"0","withdrawRequestedAt":0,"refundNonce":"0","chargedCumulativeAmount":"2500"},"voucherState":{"signedMaxClaimable":"3000","signature":"\#(Self.sig)"},"unknown":1}"#
        let extra = try BatchSettlementRequirementsExtra(extra: try #require(try JSONParser.parse(extraJSON).objectValue))
        #expect(extra.channelState?.chargedCumulativeAmount == 2500)
        #expect(extra.voucherState?.signedMaxClaimable == 3000)
        var withoutUnknown = try #require(try JSONParser.parse(extraJSON).objectValue)
        withoutUnknown["unknown"] = nil
        #expect(try extra.jsonObject() == withoutUnknown)
        #expect(throws: X402JSONError.self) {
            try BatchSettlementRequirementsExtra(extra: ["withdrawDelay": 900])
        }

        // B.13: voucher-only PAYMENT-RESPONSE.
        let responseJSON = #"{"success":true,"payer":"0x1a642f0e3c3af545e7acbd38b07251b3990914f1","transaction":"","network":"eip155:84532","amount":"","extra":{"channelState":{"channelId":"\#(Self.channelId)","balance":"10000","totalClaimed":"0","withdrawRequestedAt":0,"refundNonce":"0","chargedCumulativeAmount":"2000"},"chargedAmount":"1000"}}"#
        let response = try HeaderCodec.decodePaymentResponse(Base64.encode(Array(responseJSON.utf8)))
        let rx = try BatchSettlementResponseExtra(extra: try #require(response.extra))
        #expect(rx.chargedAmount == 1000 && rx.channelState?.chargedCumulativeAmount == 2000)
        #expect(try X402JSON.encodeString(response) == responseJSON)
        #expect(try rx.jsonObject() == response.extra)
    }
}

/// The requirements-extra decoder follows the SDK client's rules (protocol.md B.9.1).
@Suite struct RequirementsExtraRulesTests {
    static let authorizer = "0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c"

    func decode(_ extra: JSONObject) throws -> BatchSettlementRequirementsExtra {
        try BatchSettlementRequirementsExtra(extra: extra)
    }

    @Test func zeroReceiverAuthorizerIsRejected() {
        #expect(throws: X402JSONError.self) {
            try decode(["receiverAuthorizer": "0x0000000000000000000000000000000000000000", "withdrawDelay": 900])
        }
    }

    @Test func withdrawDelayMustFitUInt40() throws {
        #expect(try decode(["receiverAuthorizer": .string(Self.authorizer), "withdrawDelay": 1_099_511_627_775]).withdrawDelay == (1 << 40) - 1)
        #expect(throws: X402JSONError.self) {
            try decode(["receiverAuthorizer": .string(Self.authorizer), "withdrawDelay": 1_099_511_627_776])
        }
        #expect(throws: X402JSONError.self) {
            try decode(["receiverAuthorizer": .string(Self.authorizer), "withdrawDelay": .number(try JSONNumber("100000000000000000000000"))])
        }
        #expect(throws: X402JSONError.self) { try decode(["receiverAuthorizer": .string(Self.authorizer), "withdrawDelay": -1]) }
    }

    @Test func missingOrNonIntegerWithdrawDelayFallsBackTo900() throws {
        #expect(try decode(["receiverAuthorizer": .string(Self.authorizer)]).withdrawDelay == 900)
        #expect(try decode(["receiverAuthorizer": .string(Self.authorizer), "withdrawDelay": "3600"]).withdrawDelay == 900)
        #expect(try decode(["receiverAuthorizer": .string(Self.authorizer), "withdrawDelay": true]).withdrawDelay == 900)
        #expect(try decode(["receiverAuthorizer": .string(Self.authorizer), "withdrawDelay": 3600]).withdrawDelay == 3600)
    }
}
