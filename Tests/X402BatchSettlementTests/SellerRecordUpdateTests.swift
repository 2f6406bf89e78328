import Testing
import X402BatchSettlement
import X402Core
import X402EVM

/// How verify and settle outcomes change the seller's record (protocol.md B.11 steps 2 and 7).
@Suite struct SellerRecordUpdateTests {
    typealias R = SellerRulesTests
    static let id = R.config.channelId(in: R.domain)
    static let snapshot = ChannelStateSnapshot(channelId: id, balance: 10_000, totalClaimed: 500, withdrawRequestedAt: 0, refundNonce: 2)

    @Test func firstVoucherCreatesTheRecordAndLaterOnesMustMatchIt() throws {
        var record: SellerChannel?
        // A deposit's first voucher of 1000 at price 1000: base 0.
        try SellerRules.recordVerified(&record, kind: .deposit, config: R.config, voucher: R.voucher(1000), price: 1000,
                                       facilitatorState: Self.snapshot, now: 5)
        #expect(record?.chargedCumulativeAmount == 0 && record?.signedMaxClaimable == 1000 && record?.balance == 10_000)
        #expect(record?.onchainSyncedAt == 5 && record?.refundNonce == UInt256(2))
        // Charged 1000 after settle; the next voucher must be 2000, not 2500.
        try SellerRules.recordDeposit(&record, voucher: R.voucher(1000), charge: 1000, settledState: nil, now: 6)
        #expect(throws: SellerRuleError(.cumulativeAmountMismatch)) {
            try SellerRules.recordVerified(&record, kind: .voucher, config: R.config, voucher: R.voucher(2500), price: 1000,
                                           facilitatorState: nil, now: 7)
        }
        #expect(record?.signedMaxClaimable == 1000)  // unchanged by the refusal
        // Verified locally (no snapshot): the mirror keeps its sync time.
        try SellerRules.recordVerified(&record, kind: .voucher, config: R.config, voucher: R.voucher(2000), price: 1000,
                                       facilitatorState: nil, now: 8)
        #expect(record?.signedMaxClaimable == 2000 && record?.onchainSyncedAt == 5 && record?.lastRequestTimestamp == 8)
    }

    @Test func depositSettleChargesAndMirrors() throws {
        var record: SellerChannel? = SellerChannel(channelId: Self.id, config: R.config, chargedCumulativeAmount: 3000)
        var after = Self.snapshot
        after.balance = 20_000
        #expect(try SellerRules.recordDeposit(&record, voucher: R.voucher(4000), charge: 1000, settledState: after, now: 9) == 4000)
        #expect(record?.balance == 20_000 && record?.onchainSyncedAt == 9 && record?.signedMaxClaimable == 4000)
        #expect(throws: SellerRuleError(.chargeExceedsSignedCumulative)) {
            try SellerRules.recordDeposit(&record, voucher: R.voucher(4500), charge: 1000, settledState: after, now: 10)
        }
        var missing: SellerChannel?
        #expect(throws: SellerRuleError(.missingChannel)) {
            try SellerRules.recordDeposit(&missing, voucher: R.voucher(1000), charge: 1000, settledState: nil, now: 1)
        }
    }

    @Test func refundSettleDeletesADrainedChannel() {
        var record: SellerChannel? = SellerChannel(channelId: Self.id, config: R.config, chargedCumulativeAmount: 3000, balance: 10_000)
        var partial = Self.snapshot
        partial.balance = 5000
        partial.refundNonce = 3
        SellerRules.recordRefund(&record, settledState: partial, now: 11)
        #expect(record?.balance == 5000 && record?.refundNonce == UInt256(3))
        var drained = Self.snapshot
        drained.balance = 3000
        SellerRules.recordRefund(&record, settledState: drained, now: 12)
        #expect(record == nil)
    }
}
