import X402Core
import X402JSON
import X402EVM

extension SellerChannel {
    /// The record as a wire snapshot, with `chargedCumulativeAmount` set to `charged` (default: the record's).
    public func snapshot(charged: UInt128? = nil) -> ChannelStateSnapshot {
        ChannelStateSnapshot(channelId: channelId, balance: TokenAmount128(balance), totalClaimed: TokenAmount128(totalClaimed),
                             withdrawRequestedAt: withdrawRequestedAt, refundNonce: TokenAmount(refundNonce),
                             chargedCumulativeAmount: TokenAmount128(charged ?? chargedCumulativeAmount))
    }
}

/// A seller rule refused the request; `code` is the protocol's error code.
public struct SellerRuleError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The error code the 402 carries.
    public var code: BatchSettlementErrorCode

    /// Wraps `code`.
    public init(_ code: BatchSettlementErrorCode) { self.code = code }

    public var description: String { code.rawValue }
}

extension SellerRules {
    /// B.11 step 4 (before_settle of a voucher): adds `charge` to the record's charged total and stores the
    /// voucher. Returns the record before and after. Throws `missing_channel` without a record and
    /// `charge_exceeds_signed_cumulative` when the new total would pass the voucher's `maxClaimableAmount`.
    public static func commitCharge(_ record: inout SellerChannel?, voucher: SignedVoucher, charge: UInt128, now: UInt64)
        throws(SellerRuleError) -> (before: SellerChannel, after: SellerChannel) {
        guard let before = record else { throw SellerRuleError(.missingChannel) }
        let m = voucher.maxClaimableAmount.value
        let (charged, overflow) = before.chargedCumulativeAmount.addingReportingOverflow(charge)
        guard !overflow, charged <= m else { throw SellerRuleError(.chargeExceedsSignedCumulative) }
        var after = before
        after.chargedCumulativeAmount = charged
        after.signedMaxClaimable = m
        after.signature = voucher.signature.bytes
        after.lastRequestTimestamp = now
        record = after
        return (before, after)
    }

    /// B.13: the `PAYMENT-RESPONSE` of a voucher-only charge: no transaction, `amount` "", the payer lowercased
    /// as the SDK writes it, the snapshot of the record before this request with the new charged total.
    public static func voucherResponse(before: SellerChannel, after: SellerChannel, charge: UInt128, network: Network) -> SettleResponse {
        let extra: JSONObject = ["channelState": .object(before.snapshot(charged: after.chargedCumulativeAmount).jsonObject),
                                 "chargedAmount": .string(String(charge))]
        return SettleResponse(success: true, payer: before.config.payer.lowercased, transaction: "", network: network, amount: "",
                              extra: extra)
    }

    /// The voucher `PAYMENT-RESPONSE` value of ``voucherResponse(before:after:charge:network:)``, byte for byte what
    /// `HeaderCodec.encodePaymentResponse` makes of it, written straight from the records (no JSON tree).
    public static func voucherResponseHeader(before: SellerChannel, after: SellerChannel, charge: UInt128, network: Network) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(480)
        func text(_ s: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
        func hex(_ bytes: [UInt8]) {
            out.append(0x30)
            out.append(0x78)
            for b in bytes {
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 0x0F)])
            }
        }
        func decimal(_ s: String) { out.append(contentsOf: s.utf8) }
        text(#"{"success":true,"payer":""#)
        hex(before.config.payer.bytes)
        text(#"","transaction":"","network":"#)
        JSONSerializer.writeString(network.rawValue, into: &out)
        text(#","amount":"","extra":{"channelState":{"channelId":""#)
        hex(before.channelId.bytes)
        text(#"","balance":""#)
        decimal(before.balance.description)
        text(#"","totalClaimed":""#)
        decimal(before.totalClaimed.description)
        text(#"","withdrawRequestedAt":"#)
        decimal(before.withdrawRequestedAt.description)
        text(#","refundNonce":""#)
        decimal(before.refundNonce.description)
        text(#"","chargedCumulativeAmount":""#)
        decimal(after.chargedCumulativeAmount.description)
        text(#""},"chargedAmount":""#)
        decimal(charge.description)
        text(#""}}"#)
        return Base64.encode(out)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// B.11 step 5 (enrich_settlement_payload of a refund): checks the refund against the record and completes
    /// it with `refundNonce`, the claim of the charged total, the amount (the whole remainder when the client
    /// gave none) and, when the seller holds the receiver-authorizer key, both authorizer signatures.
    public static func enrichRefund(_ refund: RefundPayload, record: SellerChannel?, authorizerKey: PrivateKey?,
                                    domain: BatchSettlementDomain) throws(SellerRuleError) -> EnrichedRefundPayload {
        guard let record else { throw SellerRuleError(.missingChannel) }
        let m = refund.voucher.maxClaimableAmount.value
        guard m == record.chargedCumulativeAmount else { throw SellerRuleError(.cumulativeAmountMismatch) }
        guard refund.voucher.signature.bytes == record.signature else { throw SellerRuleError(.voucherSignature) }
        guard record.balance > record.chargedCumulativeAmount else { throw SellerRuleError(.refundNoBalance) }
        let remainder = record.balance - record.chargedCumulativeAmount
        let amount: UInt128
        if let text = refund.amount {
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = UInt128(text), value > 0 else {
                throw SellerRuleError(.refundAmountInvalid)
            }
            guard value <= remainder else { throw SellerRuleError(.refundNoBalance) }
            amount = value
        } else {
            amount = remainder
        }
        let claim = ClaimRowPayload(channel: refund.channelConfig, maxClaimableAmount: TokenAmount128(m), signature: refund.voucher.signature,
                                    totalClaimed: TokenAmount128(record.chargedCumulativeAmount))
        var enriched = EnrichedRefundPayload(channelConfig: refund.channelConfig, voucher: refund.voucher, amount: TokenAmount128(amount),
                                             refundNonce: TokenAmount(record.refundNonce), claims: [claim])
        if let key = authorizerKey, key.address == refund.channelConfig.receiverAuthorizer {
            let channelId = record.channelId
            enriched.refundAuthorizerSignature = HexBytes(key.sign(digest: Refund(channelId: channelId, nonce: record.refundNonce,
                                                                                 amount: amount).digest(in: domain)).bytes)
            let batch = ClaimBatch(entries: [ClaimEntry(channelId: channelId, maxClaimableAmount: m,
                                                        totalClaimed: record.chargedCumulativeAmount)])
            enriched.claimAuthorizerSignature = HexBytes(key.sign(digest: batch.digest(in: domain)).bytes)
        }
        return enriched
    }
}

extension SellerRules {
    /// B.12: the requirement of a corrective 402, the seller's own `accepted` entry with `extra.channelState`
    /// (its record, charged total included) and `extra.voucherState` (the last voucher it holds), so the client
    /// can verify the signature and resync. Without a record the snapshot is provisional, built from the
    /// client's own payload as the SDK does: balance 0, charged = the voucher's implied base.
    public static func correctiveRequirements(_ requirement: PaymentRequirements, record: SellerChannel?, config: ChannelConfig,
                                              voucher: SignedVoucher, kind: BatchSettlementPayloadKind) -> PaymentRequirements {
        let m = voucher.maxClaimableAmount.value
        let price = TokenAmount128(decimal: requirement.amount)?.value ?? 0
        let channel = record ?? SellerChannel(
            channelId: voucher.channelId, config: config,
            chargedCumulativeAmount: kind == .refund ? m : (m > price ? m - price : 0),
            signedMaxClaimable: m, signature: voucher.signature.bytes)
        var corrected = requirement
        if let state = try? X402JSON.encodeValue(channel.snapshot()) { corrected.extra["channelState"] = state }
        corrected.extra["voucherState"] = [
            "signedMaxClaimable": .string(String(channel.signedMaxClaimable)),
            "signature": .string(Hex.encode(channel.signature)),
        ]
        return corrected
    }
}
