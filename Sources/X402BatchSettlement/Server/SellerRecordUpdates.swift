import X402Core
import X402EVM

extension SellerChannel {
    /// Copies the chain fields of `state` into the mirror and marks it synced at `now` (ms).
    public mutating func mirror(_ state: ChannelStateSnapshot, now: UInt64) {
        balance = state.balance.value
        totalClaimed = state.totalClaimed.value
        withdrawRequestedAt = state.withdrawRequestedAt
        refundNonce = state.refundNonce.value
        onchainSyncedAt = now
    }
}

extension SellerRules {
    /// B.11 step 2 (after_verify), the record part: re-checks the expected cumulative amount against the record as
    /// it is now (another request may have moved it), then stores the voucher and, when the facilitator verified,
    /// its chain snapshot. A first request creates the record with the voucher's implied base as charged total.
    public static func recordVerified(_ record: inout SellerChannel?, kind: BatchSettlementPayloadKind, config: ChannelConfig,
                                      voucher: SignedVoucher, price: UInt128, facilitatorState: ChannelStateSnapshot?, now: UInt64)
        throws(SellerRuleError) {
        let m = voucher.maxClaimableAmount.value
        guard let expected = expectedMaxClaimable(kind: kind, charged: record?.chargedCumulativeAmount, price: price, signed: m),
              expected == m else { throw SellerRuleError(.cumulativeAmountMismatch) }
        var next = record ?? SellerChannel(
            channelId: voucher.channelId, config: config,
            chargedCumulativeAmount: kind == .refund ? m : (m > price ? m - price : 0))
        next.signedMaxClaimable = m
        next.signature = voucher.signature.bytes
        next.lastRequestTimestamp = now
        if let facilitatorState { next.mirror(facilitatorState, now: now) }
        record = next
    }

    /// B.11 step 7 (after_settle of a deposit): charges the request, stores its voucher and mirrors the
    /// facilitator's post-deposit snapshot. Returns the new charged total.
    @discardableResult
    public static func recordDeposit(_ record: inout SellerChannel?, voucher: SignedVoucher, charge: UInt128,
                                     settledState: ChannelStateSnapshot?, now: UInt64) throws(SellerRuleError) -> UInt128 {
        guard var next = record else { throw SellerRuleError(.missingChannel) }
        let (charged, overflow) = next.chargedCumulativeAmount.addingReportingOverflow(charge)
        guard !overflow, charged <= voucher.maxClaimableAmount.value else { throw SellerRuleError(.chargeExceedsSignedCumulative) }
        next.chargedCumulativeAmount = charged
        next.signedMaxClaimable = voucher.maxClaimableAmount.value
        next.signature = voucher.signature.bytes
        next.lastRequestTimestamp = now
        if let settledState { next.mirror(settledState, now: now) }
        record = next
        return charged
    }

    /// B.11 step 7 (after_settle of a refund): a drained channel (`balance ≤ charged`) is deleted; otherwise the
    /// post-refund snapshot is mirrored.
    public static func recordRefund(_ record: inout SellerChannel?, settledState: ChannelStateSnapshot, now: UInt64) {
        guard var next = record else { return }
        if settledState.balance.value <= next.chargedCumulativeAmount {
            record = nil
            return
        }
        next.mirror(settledState, now: now)
        record = next
    }
}
