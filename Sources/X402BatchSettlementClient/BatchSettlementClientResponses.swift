import X402BatchSettlement
import X402Core
import X402EVM

extension BatchSettlementClientScheme {
    /// Applies the seller's answer to a paid request.
    ///
    /// * Success (`PAYMENT-RESPONSE`, protocol.md B.15.3) with the spec's steady-state checks: `chargedAmount` a digit
    ///   string ≤ price, `channelState.channelId` this channel, `chargedCumulativeAmount == local + chargedAmount`, and
    ///   after a deposit `balance ≥ local balance + deposit`. A failed check distrusts the channel (stored, logged at
    ///   error level, reported to ``BatchSettlementClientConfiguration/onChannelDistrusted``) and the seller's numbers
    ///   are not adopted; the answer itself is not an error (the resource was served), the *next* payment on the
    ///   channel throws ``BatchSettlementClientError/channelDistrusted(channelId:_:)``. On success the local charged
    ///   total becomes `local + chargedAmount` and a deposit adds to the local balance.
    /// * A refund's success applies ``applyRefund(_:for:amount:)``.
    /// * A corrective 402 (`cumulative_amount_mismatch` / `cumulative_below_claimed`) is verified and adopted (see
    ///   ``recover(from:)``), then ``PaymentResponseDecision/retryWithFreshPayload`` asks for one retry.
    public func onPaymentResponse(_ context: PaymentResponseContext) async throws -> PaymentResponseDecision {
        guard context.requirements.scheme == scheme else { return .done }
        if let settle = context.settleResponse {
            guard settle.success, let payload = try? BatchSettlementPayload(context.paymentPayload) else { return .done }
            switch payload {
            case .refund(let refund):
                try await applyRefund(settle, for: context.requirements, amount: refund.amountValue?.value)
            case .deposit(let deposit):
                try await applyChargeReporting(settle, context.requirements, deposit.voucher, deposit.deposit.amount.value)
            case .voucher(let voucher):
                try await applyChargeReporting(settle, context.requirements, voucher.voucher, nil)
            default:
                break
            }
            return .done
        }
        if let required = context.paymentRequired, Self.isCorrective(required.error) {
            return try await recover(from: required) ? .retryWithFreshPayload : .done
        }
        return .done
    }

    static func isCorrective(_ error: String?) -> Bool {
        error == BatchSettlementErrorCode.cumulativeAmountMismatch.rawValue
            || error == BatchSettlementErrorCode.cumulativeBelowClaimed.rawValue
    }

    /// ``applyCharge(_:requirements:voucher:deposit:)``, reporting a misbehaving seller instead of throwing.
    private func applyChargeReporting(_ settle: SettleResponse, _ requirements: PaymentRequirements, _ voucher: SignedVoucher,
                                      _ deposit: UInt128?) async throws {
        do {
            try await applyCharge(settle, requirements: requirements, voucher: voucher, deposit: deposit)
        } catch let misbehavior as SellerMisbehavior {
            logger.error("seller misbehaved: channel distrusted", metadata: [
                "channel": "\(misbehavior.channelId)", "reason": "\(misbehavior.distrust)"])
            configuration.onChannelDistrusted?(misbehavior.channelId, misbehavior.distrust)
        }
    }

    /// B.15.3 with the spec's checks; stores the distrust and throws ``SellerMisbehavior`` on failure.
    func applyCharge(_ settle: SettleResponse, requirements: PaymentRequirements, voucher: SignedVoucher, deposit: UInt128?) async throws {
        let t = try target(requirements)
        guard voucher.channelId == t.channelId else { return }  // not a payload this client built for these requirements
        var record = try await storage.channel(t.key) ?? ClientChannelRecord(channelId: t.channelId, config: t.config, network: t.requirements.network.rawValue)
        let extra = settle.extra ?? JSONObject()
        func distrust(_ kind: ChannelDistrust.Kind, _ detail: String) async throws -> Never {
            let why = ChannelDistrust(kind: kind, detail: detail)
            record.distrust = why
            try await storage.save(record)
            throw SellerMisbehavior(channelId: t.key, distrust: why)
        }
        var charged: UInt128 = 0
        switch extra["chargedAmount"] {
        case nil: break
        case .string(let text)?:
            guard let value = Amounts.digits(text) else { try await distrust(.malformedResponse, "chargedAmount '\(text)' is not a uint128 decimal") }
            charged = value
        case let other?:
            try await distrust(.malformedResponse, "chargedAmount is a \(other.kindName), not a decimal string")
        }
        guard charged <= t.price else { try await distrust(.overCharge, "chargedAmount \(charged) exceeds the price \(t.price)") }
        let base = record.chargedCumulativeAmount
        let (next, overflow) = base.addingReportingOverflow(charged)
        guard !overflow else { try await distrust(.malformedResponse, "charged total overflows") }
        var balance = record.balance
        if let deposit { balance = try Amounts.add(balance ?? 0, deposit) }
        if let raw = extra["channelState"] {
            let state: ChannelStateSnapshot
            do { state = try X402JSON.decode(ChannelStateSnapshot.self, from: raw) } catch {
                try await distrust(.malformedResponse, "channelState: \(error)")
            }
            guard state.channelId == t.channelId else {
                try await distrust(.channelIdMismatch, "channelState.channelId \(state.channelId.hex) is not \(t.key)")
            }
            if let cumulative = state.chargedCumulativeAmount?.value, cumulative != next {
                try await distrust(.cumulativeMismatch, "chargedCumulativeAmount \(cumulative) is not \(base) + \(charged)")
            }
            if deposit != nil, let expected = balance, state.balance.value < expected {
                try await distrust(.balanceMismatch, "balance \(state.balance.value) after the deposit is below \(expected)")
            }
        }
        record.chargedCumulativeAmount = next
        record.balance = balance
        record.signedMaxClaimable = voucher.maxClaimableAmount.value
        record.signature = voucher.signature.hex
        try await storage.save(record)
    }

    /// Verifies and adopts a corrective 402 (protocol.md B.12, B.15.5) for the channel of its first
    /// `batch-settlement` requirement; returns true when the state was resynchronized (retry once).
    ///
    /// With the seller's `channelState.chargedCumulativeAmount` and `voucherState`: the channel id must be ours,
    /// `charged ≤ signedMaxClaimable`, and the signature must recover (ECDSA) to this client's `payerAuthorizer` —
    /// so the seller can only point at a ceiling this client signed. With chain access `channels(channelId)` is
    /// read, `charged ≥ totalClaimed` required, and the on-chain balance adopted; without it the local balance is
    /// kept (adopting `charged ≤ signed` exposes nothing beyond the client's own signature).
    /// Without a signed voucher state the on-chain `totalClaimed`/`balance` are adopted when a chain reader exists.
    ///
    /// - Throws: ``BatchSettlementClientError/correctiveRejected(_:)`` (state unchanged) or
    ///   ``BatchSettlementClientError/channelDistrusted(channelId:_:)``.
    @discardableResult
    public func recover(from paymentRequired: PaymentRequired) async throws -> Bool {
        guard Self.isCorrective(paymentRequired.error),
              let accept = paymentRequired.accepts.first(where: { $0.scheme == scheme }) else { return false }
        let t = try target(accept)
        let existing = try await storage.channel(t.key)
        if let distrust = existing?.distrust { throw BatchSettlementClientError.channelDistrusted(channelId: t.key, distrust) }
        var record = existing ?? ClientChannelRecord(channelId: t.channelId, config: t.config, network: t.requirements.network.rawValue)
        if let state = t.extra.channelState, let charged = state.chargedCumulativeAmount?.value,
           let signed = t.extra.voucherState?.signedMaxClaimable?.value, let signature = t.extra.voucherState?.signature {
            guard state.channelId == t.channelId else {
                throw BatchSettlementClientError.correctiveRejected(.channelIdMismatch(expected: t.key, found: state.channelId.hex))
            }
            guard charged <= signed else { throw BatchSettlementClientError.correctiveRejected(.chargedAboveSigned(charged: charged, signed: signed)) }
            let recovered = (try? Signature(signature.bytes)).flatMap {
                try? Voucher(channelId: t.channelId, maxClaimableAmount: signed).recoverSigner($0, in: t.domain)
            }
            guard recovered == payerAuthorizer else {
                throw BatchSettlementClientError.correctiveRejected(.signatureMismatch(recovered: recovered?.checksummed))
            }
            if let chainReader {
                let onchain = try await chainReader.channel(t.channelId, network: accept.network)
                guard charged >= onchain.totalClaimed else {
                    throw BatchSettlementClientError.correctiveRejected(.chargedBelowOnchainClaimed(charged: charged, totalClaimed: onchain.totalClaimed))
                }
                record.balance = onchain.balance
                record.totalClaimed = onchain.totalClaimed
            }
            record.chargedCumulativeAmount = charged
            record.signedMaxClaimable = signed
            record.signature = signature.hex
        } else if let chainReader {
            let onchain = try await chainReader.channel(t.channelId, network: accept.network)
            record.chargedCumulativeAmount = onchain.totalClaimed
            record.balance = onchain.balance
            record.totalClaimed = onchain.totalClaimed
        } else {
            throw BatchSettlementClientError.correctiveRejected(.notRecoverable)
        }
        try await storage.save(record)
        logger.info("resynchronized channel from a corrective 402", metadata: [
            "channel": "\(t.key)", "charged": "\(record.chargedCumulativeAmount)"])
        return true
    }
}

/// A failed steady-state check (internal: reported through logs and ``BatchSettlementClientConfiguration/onChannelDistrusted``).
struct SellerMisbehavior: Error {
    var channelId: String
    var distrust: ChannelDistrust
}
