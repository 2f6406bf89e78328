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
        var raw = network.rawValue
        return raw.withUTF8 { net in
            // A network id JSON would escape takes the general path (CAIP-2 ids never do).
            guard net.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }) else {
                let response = voucherResponse(before: before, after: after, charge: charge, network: network)
                return (try? HeaderCodec.encodePaymentResponse(response)) ?? ""
            }
            // Fixed text ≈ 200 bytes, two ids 108, five numbers ≤ 39 digits and a nonce ≤ 78.
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 640 + net.count) { buffer in
                var w = ResponseWriter(buffer: buffer)
                w.text(#"{"success":true,"payer":""#)
                w.hex(before.config.payer.bytes)
                w.text(#"","transaction":"","network":""#)
                w.bytes(net)
                w.text(#"","amount":"","extra":{"channelState":{"channelId":""#)
                w.hex(before.channelId.bytes)
                w.text(#"","balance":""#)
                w.decimal(before.balance)
                w.text(#"","totalClaimed":""#)
                w.decimal(before.totalClaimed)
                w.text(#"","withdrawRequestedAt":"#)
                w.decimal(UInt128(before.withdrawRequestedAt))
                w.text(#","refundNonce":""#)
                w.bytes(before.refundNonce.description.utf8)
                w.text(#"","chargedCumulativeAmount":""#)
                w.decimal(after.chargedCumulativeAmount)
                w.text(#""},"chargedAmount":""#)
                w.decimal(charge)
                w.text(#""}}"#)
                return Base64.encode(UnsafeBufferPointer(rebasing: buffer[..<w.count]))
            }
        }
    }

    /// Appends to a buffer sized for the voucher response.
    private struct ResponseWriter {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        mutating func text(_ s: StaticString) { bytes(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }

        mutating func bytes(_ b: some Collection<UInt8>) {
            for c in b {
                buffer[count] = c
                count += 1
            }
        }

        mutating func hex(_ b: [UInt8]) {
            buffer[count] = 0x30
            buffer[count + 1] = 0x78
            count += 2
            for c in b {
                buffer[count] = SellerRules.hexDigits[Int(c >> 4)]
                buffer[count + 1] = SellerRules.hexDigits[Int(c & 0x0F)]
                count += 2
            }
        }

        mutating func decimal(_ value: UInt128) {
            var digits: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)   // 40 bytes: ≥ 39 digits
            let n = withUnsafeMutableBytes(of: &digits) { d in
                var n = 0
                if let small = UInt64(exactly: value) {
                    // Amounts fit in 64 bits almost always, and 64-bit division is much cheaper.
                    var v = small
                    repeat {
                        d[n] = 0x30 + UInt8(v % 10)
                        n += 1
                        v /= 10
                    } while v > 0
                } else {
                    var v = value
                    repeat {
                        let (q, r) = v.quotientAndRemainder(dividingBy: 10)
                        d[n] = 0x30 + UInt8(r)
                        n += 1
                        v = q
                    } while v > 0
                }
                for k in 0..<n { buffer[count + k] = d[n - 1 - k] }
                return n
            }
            count += n
        }
    }

    fileprivate static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// B.11 step 5 (enrich_settlement_payload of a refund): checks the refund against the record and completes
    /// it with `refundNonce`, the claim of the charged total, the amount (the whole remainder when the client
    /// gave none) and, when the seller holds the receiver-authorizer key, both authorizer signatures.
    public static func enrichRefund(_ refund: RefundPayload, record: SellerChannel?, authorizerKey: PrivateKey?,
                                    domain: BatchSettlementDomain) throws(SellerRuleError) -> EnrichedRefundPayload {
        guard let record else { throw SellerRuleError(.missingChannel) }
        let m = refund.voucher.maxClaimableAmount.value
        guard m == record.chargedCumulativeAmount else { throw SellerRuleError(.cumulativeAmountMismatch) }
        // The voucher the record holds: the same (r, s); `v` may differ (see `claimSignature`), the claim gets the exact one.
        let sent = refund.voucher.signature.bytes
        guard sent == record.signature || (sent.count == 65 && record.signature.count == 65 && sent[..<64] == record.signature[..<64]) else {
            throw SellerRuleError(.voucherSignature)
        }
        let signature = HexBytes(claimSignature(of: record, domain: domain))
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
        let claim = ClaimRowPayload(channel: refund.channelConfig, maxClaimableAmount: TokenAmount128(m), signature: signature,
                                    totalClaimed: TokenAmount128(record.chargedCumulativeAmount))
        var voucher = refund.voucher
        voucher.signature = signature
        var enriched = EnrichedRefundPayload(channelConfig: refund.channelConfig, voucher: voucher, amount: TokenAmount128(amount),
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
