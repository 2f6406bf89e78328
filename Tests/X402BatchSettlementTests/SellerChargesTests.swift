import Testing
import X402BatchSettlement
import X402Core
import X402EVM

/// Committing a charge, the voucher-only PAYMENT-RESPONSE (B.13) and refund enrichment (B.11 step 5).
@Suite struct SellerChargesTests {
    typealias R = SellerRulesTests

    static func record(charged: UInt128 = 2000, balance: UInt128 = 10_000, signature: [UInt8] = []) -> SellerChannel {
        SellerChannel(channelId: R.config.channelId(in: R.domain), config: R.config, chargedCumulativeAmount: charged,
                      signedMaxClaimable: charged, signature: signature, balance: balance, totalClaimed: 500,
                      withdrawRequestedAt: 0, refundNonce: UInt256(1), onchainSyncedAt: 1, lastRequestTimestamp: 1)
    }

    @Test func commitAddsTheActualChargeUpToTheSignedCeiling() throws {
        var record: SellerChannel? = Self.record()
        let voucher = R.voucher(3000)
        // A 50% override of a 1000 price: 500 charged, the voucher still signed 3000.
        let (before, after) = try SellerRules.commitCharge(&record, voucher: voucher, charge: 500, now: 77)
        #expect(before.chargedCumulativeAmount == 2000 && after.chargedCumulativeAmount == 2500)
        #expect(record == after && after.signedMaxClaimable == 3000 && after.signature == voucher.signature.bytes)
        #expect(after.lastRequestTimestamp == 77)
        // Past the ceiling: refused, the record unchanged.
        #expect(throws: SellerRuleError(.chargeExceedsSignedCumulative)) {
            try SellerRules.commitCharge(&record, voucher: voucher, charge: 501, now: 78)
        }
        #expect(record == after)
        var missing: SellerChannel?
        #expect(throws: SellerRuleError(.missingChannel)) { try SellerRules.commitCharge(&missing, voucher: voucher, charge: 1, now: 1) }
        // Overflow of the charged total is a refusal, not a trap.
        var full: SellerChannel? = Self.record(charged: .max)
        #expect(throws: SellerRuleError(.chargeExceedsSignedCumulative)) {
            try SellerRules.commitCharge(&full, voucher: R.voucher(.max), charge: 1, now: 1)
        }
    }

    @Test func voucherResponseHeaderIsTheEncodedResponse() throws {
        var big = Self.record(charged: .max - 5, balance: .max)
        big.totalClaimed = UInt128(UInt64.max) + 1
        big.withdrawRequestedAt = 1_800_000_000
        big.refundNonce = UInt256(UInt64.max) * UInt256(UInt64.max)
        var zero = Self.record(charged: 0, balance: 0)
        zero.totalClaimed = 0
        zero.refundNonce = .zero
        for (before, charge) in [(Self.record(), UInt128(1000)), (big, 5), (zero, 0)] {
            var after = before
            after.chargedCumulativeAmount = before.chargedCumulativeAmount + charge
            for network: Network in ["eip155:84532", "eip155:8453", "x:\"quoted\\"] {   // the last one escaped
                let response = SellerRules.voucherResponse(before: before, after: after, charge: charge, network: network)
                #expect(SellerRules.voucherResponseHeader(before: before, after: after, charge: charge, network: network)
                        == (try HeaderCodec.encodePaymentResponse(response)))
            }
        }
    }

    @Test func voucherResponseMatchesTheDocumentedShape() throws {
        var record: SellerChannel? = Self.record()
        let (before, after) = try SellerRules.commitCharge(&record, voucher: R.voucher(3000), charge: 1000, now: 2)
        let response = SellerRules.voucherResponse(before: before, after: after, charge: 1000, network: "eip155:84532")
        let json = String(decoding: try X402JSON.encode(response), as: UTF8.self)
        let id = R.config.channelId(in: R.domain).hex
        #expect(json == """
            {"success":true,"payer":"\(R.payerKey.address.lowercased)","transaction":"","network":"eip155:84532","amount":"",\
            "extra":{"channelState":{"channelId":"\(id)","balance":"10000","totalClaimed":"500","withdrawRequestedAt":0,\
            "refundNonce":"1","chargedCumulativeAmount":"3000"},"chargedAmount":"1000"}}
            """)
    }

    @Test func refundEnrichment() throws {
        let refundVoucher = R.voucher(2000)
        let record = Self.record(signature: refundVoucher.signature.bytes)
        func enrich(_ amount: String?, record: SellerChannel? = record, voucher: SignedVoucher = refundVoucher,
                    key: PrivateKey? = nil) throws(SellerRuleError) -> EnrichedRefundPayload {
            try SellerRules.enrichRefund(RefundPayload(channelConfig: R.config, voucher: voucher, amount: amount), record: record,
                                         authorizerKey: key, domain: R.domain)
        }
        let full = try enrich(nil)
        #expect(full.amount == 8000 && full.refundNonce == 1 && full.refundAuthorizerSignature == nil)
        #expect(full.claims == [ClaimRowPayload(channel: R.config, maxClaimableAmount: 2000, signature: refundVoucher.signature,
                                                totalClaimed: 2000)])
        #expect(try enrich("3000").amount == 3000)
        for bad in ["0", "", "-5", "1e3", "３"] { #expect(throws: SellerRuleError(.refundAmountInvalid)) { try enrich(bad) } }
        #expect(throws: SellerRuleError(.refundNoBalance)) { try enrich("8001") }
        let drained = R.voucher(10_000)  // everything charged: nothing left to refund
        #expect(throws: SellerRuleError(.refundNoBalance)) {
            try enrich(nil, record: Self.record(charged: 10_000, signature: drained.signature.bytes), voucher: drained)
        }
        #expect(throws: SellerRuleError(.missingChannel)) { try enrich(nil, record: nil) }
        #expect(throws: SellerRuleError(.cumulativeAmountMismatch)) { try enrich(nil, voucher: R.voucher(2500)) }
        #expect(throws: SellerRuleError(.voucherSignature)) { try enrich(nil, record: Self.record(signature: [1, 2, 3])) }
        // A voucher accepted by key with the other `v` (same r ‖ s): the refund and its claim carry the exact one.
        var twin = refundVoucher
        twin.signature.bytes[64] = twin.signature.bytes[64] == 27 ? 28 : 27
        for (stored, sent) in [(twin, twin), (twin, refundVoucher), (refundVoucher, twin)] {
            let fixed = try enrich(nil, record: Self.record(signature: stored.signature.bytes), voucher: sent)
            #expect(fixed.voucher.signature == refundVoucher.signature && fixed.claims.map(\.signature) == [refundVoucher.signature])
        }
        var otherS = refundVoucher
        otherS.signature.bytes[40] ^= 1
        #expect(throws: SellerRuleError(.voucherSignature)) { try enrich(nil, voucher: otherS) }

        // With the receiver-authorizer key both signatures are added and verify.
        let authorizer = try PrivateKey(hex: "0x" + String(repeating: "42", count: 32))
        var config = R.config
        config.receiverAuthorizer = authorizer.address
        var ownRecord = record
        ownRecord.config = config
        ownRecord.channelId = config.channelId(in: R.domain)
        let ownVoucher = SignedVoucher(channelId: ownRecord.channelId, maxClaimableAmount: 2000, signature: refundVoucher.signature)
        let signed = try SellerRules.enrichRefund(RefundPayload(channelConfig: config, voucher: ownVoucher, amount: "100"), record: ownRecord,
                                                  authorizerKey: authorizer, domain: R.domain)
        let refundDigest = Refund(channelId: ownRecord.channelId, nonce: UInt256(1), amount: 100).digest(in: R.domain)
        #expect(recovers(digest: refundDigest, signature: try #require(signed.refundAuthorizerSignature).bytes, to: authorizer.address))
        let claimDigest = ClaimBatch(entries: [ClaimEntry(channelId: ownRecord.channelId, maxClaimableAmount: 2000, totalClaimed: 2000)])
            .digest(in: R.domain)
        #expect(recovers(digest: claimDigest, signature: try #require(signed.claimAuthorizerSignature).bytes, to: authorizer.address))
    }
}

extension SellerChargesTests {
    @Test func correctiveRequirementsCarryTheSellersState() throws {
        let requirement = PaymentRequirements(scheme: "batch-settlement", network: "eip155:84532", asset: R.token.checksummed, amount: "1000",
                                              payTo: R.receiver.checksummed, maxTimeoutSeconds: 300,
                                              extra: ["receiverAuthorizer": .string(R.authorizer.checksummed), "withdrawDelay": 900])
        let stored = R.voucher(2000)
        let record = Self.record(signature: stored.signature.bytes)
        // The client signed 3500 from a stale base of 2500; the seller charged 2000, so it expected 3000.
        let corrected = SellerRules.correctiveRequirements(requirement, record: record, config: R.config, voucher: R.voucher(3500), kind: .voucher)
        let extra = try BatchSettlementRequirementsExtra(extra: corrected.extra)
        #expect(extra.channelState?.chargedCumulativeAmount == 2000 && extra.channelState?.balance == 10_000)
        #expect(extra.channelState?.refundNonce == 1 && extra.channelState?.channelId == record.channelId)
        #expect(extra.voucherState?.signedMaxClaimable == 2000 && extra.voucherState?.signature?.bytes == stored.signature.bytes)
        #expect(corrected.extra["withdrawDelay"] == 900 && corrected.amount == "1000")
        // The client can check the returned voucher against its own key before adopting the base.
        let digest = Voucher(channelId: record.channelId, maxClaimableAmount: 2000).digest(in: R.domain)
        #expect(recovers(digest: digest, signature: try #require(extra.voucherState?.signature).bytes, to: R.payerKey.address))

        // No record: provisional, from the client's own voucher (a 500 voucher under a 1000 price: base 0).
        let provisional = SellerRules.correctiveRequirements(requirement, record: nil, config: R.config, voucher: R.voucher(500), kind: .voucher)
        let p = try BatchSettlementRequirementsExtra(extra: provisional.extra)
        #expect(p.channelState?.balance == 0 && p.channelState?.chargedCumulativeAmount == 0 && p.voucherState?.signedMaxClaimable == 500)
    }
}
