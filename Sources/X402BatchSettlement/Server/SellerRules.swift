import X402Core
import X402EVM

/// Codes the seller emits beyond the SDK 2.25 set (``BatchSettlementErrorCode``); same prefix, same wire form.
public enum BatchSettlementServerErrorCode: String, CaseIterable, Sendable {
    /// The payer started a timed withdrawal that could finalize before the seller's next claim lands: the
    /// voucher is refused (and the channel claimed at once).
    case withdrawalPending = "invalid_batch_settlement_evm_withdrawal_pending"
}

extension ErrorReason {
    /// The wire code of a batch-settlement error.
    public init(_ code: BatchSettlementErrorCode) { self.init(rawValue: code.rawValue) }
    /// The wire code of a seller-only batch-settlement error.
    public init(_ code: BatchSettlementServerErrorCode) { self.init(rawValue: code.rawValue) }
}

/// What local verification decided about a voucher (protocol.md B.11 step 1.5).
public enum LocalVerification: Equatable, Sendable {
    /// Valid against the fresh mirrored state: no facilitator call needed.
    case verified
    /// Ask the facilitator (no record, stale state, no payerAuthorizer, or the mirrored balance does not
    /// cover the voucher: the chain may know more).
    case needsFacilitator
    /// Invalid whatever the chain says (config or signature), with the facilitator's code.
    case invalid(BatchSettlementErrorCode)
}

/// The seller's per-request rules of protocol.md B.10–B.11 that need no I/O.
public enum SellerRules {
    /// How long a request may hold its channel: `clamp(maxTimeoutSeconds × 1000, 5 000, 600 000)` ms.
    public static func reservationTTL(maxTimeoutSeconds: Int) -> UInt64 {
        let ms = UInt64(clamping: max(0, maxTimeoutSeconds)).multipliedReportingOverflow(by: 1000)
        return min(600_000, max(5_000, ms.overflow ? .max : ms.partialValue))
    }

    /// How long mirrored chain state counts as fresh: `min(300 000, max(30 000, withdrawDelay × 1000 / 3))` ms.
    public static func onchainStateTTL(withdrawDelay: UInt64) -> UInt64 {
        let ms = withdrawDelay.multipliedReportingOverflow(by: 1000)
        return min(300_000, max(30_000, ms.overflow ? .max : ms.partialValue / 3))
    }

    /// B.11 steps 1.3–1.4: the `maxClaimableAmount` this payload must carry. `charged` is the stored
    /// `chargedCumulativeAmount` (nil without a record: the SDK then trusts the voucher's own base). Nil when
    /// the expectation does not fit a uint128 (the voucher can never match it).
    public static func expectedMaxClaimable(kind: BatchSettlementPayloadKind, charged: UInt128?, price: UInt128,
                                            signed m: UInt128) -> UInt128? {
        let isRefund = kind == .refund
        let base = charged ?? (isRefund ? m : (m > price ? m - price : 0))
        if isRefund { return base }
        let (expected, overflow) = base.addingReportingOverflow(price)
        return overflow ? nil : expected
    }

    /// Whether a payer's pending withdrawal could finalize before a claim sent now lands: `now + claimLeadTime`
    /// (ms) at or past `withdrawRequestedAt + withdrawDelay` (s). Such a channel takes no more vouchers.
    public static func withdrawalBlocksVouchers(_ channel: SellerChannel, now: UInt64, claimLeadTime: UInt64) -> Bool {
        guard channel.withdrawRequestedAt > 0 else { return false }
        let (finalizable, overflow) = channel.withdrawRequestedAt.addingReportingOverflow(channel.config.withdrawDelay)
        if overflow { return false }
        let (deadlineMs, overflowMs) = finalizable.multipliedReportingOverflow(by: 1000)
        return !overflowMs && now &+ claimLeadTime >= deadlineMs
    }

    /// B.11 step 1.5: verifies a voucher against the mirrored state when that state is fresh and the channel
    /// has a payerAuthorizer (ECDSA only; ERC-1271 payers always go to the facilitator). `stateTTL` (ms) overrides
    /// ``onchainStateTTL(withdrawDelay:)``; `channelIdChecked` says the caller has already checked that `voucher.channelId`
    /// is `config`'s id in `domain` (it is not hashed again). `signerKey`, when given, is the public key of
    /// `config.payerAuthorizer`: the signature is then verified against it, which is cheaper than a recovery but does not
    /// match `v` (``claimSignature(of:domain:)`` fixes `v` before the voucher goes on chain); `learnKey` receives the key
    /// a recovery found for it.
    public static func verifyLocally(config: ChannelConfig, voucher: SignedVoucher, record: SellerChannel?,
                                     fields: RequirementFields, domain: BatchSettlementDomain, now: UInt64,
                                     stateTTL: UInt64? = nil, channelIdChecked: Bool = false, signerKey: PublicKey? = nil,
                                     learnKey: ((PublicKey) -> Void)? = nil) -> LocalVerification {
        guard let record, let synced = record.onchainSyncedAt, config.payerAuthorizer != .zero else { return .needsFacilitator }
        let ttl = stateTTL ?? onchainStateTTL(withdrawDelay: config.withdrawDelay)
        guard now >= synced, now - synced <= ttl else { return .needsFacilitator }
        if !channelIdChecked, config.channelId(in: domain) != voucher.channelId { return .invalid(.channelIdMismatch) }
        if let code = checkChannelTerms(config, fields: fields) { return .invalid(code) }
        let m = voucher.maxClaimableAmount.value
        let digest = Voucher(channelId: voucher.channelId, maxClaimableAmount: m).digest(in: domain)
        if let signerKey {
            guard verifies(digest: digest, signature: voucher.signature.bytes, key: signerKey) else { return .invalid(.voucherSignature) }
        } else if let learnKey {
            guard let key = recoveredKey(digest: digest, signature: voucher.signature.bytes, of: config.payerAuthorizer) else {
                return .invalid(.voucherSignature)
            }
            learnKey(key)
        } else {
            guard recovers(digest: digest, signature: voucher.signature.bytes, to: config.payerAuthorizer) else {
                return .invalid(.voucherSignature)
            }
        }
        guard m <= record.balance, m > record.totalClaimed else { return .needsFacilitator }
        return .verified
    }

    /// `record`'s voucher signature as the contract checks it: with the `v` that recovers `payerAuthorizer`.
    /// ``verifyLocally(config:voucher:record:fields:domain:now:stateTTL:channelIdChecked:signerKey:learnKey:)``
    /// accepts a known signer's `(r, s)` with either `v`, so every claim and refund sends this instead of the stored
    /// bytes. Unchanged when it already recovers, for ERC-1271 payers, and when no `v` recovers (the facilitator then
    /// refuses it). One or two recoveries: for claims and refunds, not for requests.
    public static func claimSignature(of record: SellerChannel, domain: BatchSettlementDomain) -> [UInt8] {
        let payer = record.config.payerAuthorizer
        guard payer != .zero, record.signature.count == 65 else { return record.signature }
        let digest = Voucher(channelId: record.channelId, maxClaimableAmount: record.signedMaxClaimable).digest(in: domain)
        return exactSignature(digest: digest, signature: record.signature, of: payer) ?? record.signature
    }
}
