import X402BatchSettlement
import X402Core
import X402EVM
import X402JSON

extension BatchSettlementServerScheme {
    // MARK: B.11 step 4

    /// A voucher's charge is committed here, without the facilitator: the actual charge (the requirement's amount
    /// after `Settlement-Overrides`) is added to the channel's charged total under this request's reservation, and
    /// the answer is the voucher-only `PAYMENT-RESPONSE` (B.13). Deposits and refunds go on to the facilitator.
    public func beforeSettle(_ context: PaymentContext) async throws -> BeforeSettleDecision {
        let state = context.attempt.sellerRequest
        switch await commitVoucher(state, requirements: context.requirements) {
        case .committed(let charge):
            return .skipSettlement(SellerRules.voucherResponse(before: charge.before, after: charge.after, charge: charge.amount,
                                                               network: charge.network))
        case .decided(let decision): return decision
        }
    }

    /// A voucher's committed charge: the record before (as reserved) and after it. A class: the request's progress
    /// holds it by reference, not two records inline.
    final class CommittedCharge: Sendable {
        let before: SellerChannel
        let after: SellerChannel
        let amount: UInt128
        let network: Network

        init(before: SellerChannel, after: SellerChannel, amount: UInt128, network: Network) {
            self.before = before
            self.after = after
            self.amount = amount
            self.network = network
        }
    }

    /// What B.11 step 4 did.
    enum StepFour {
        /// A voucher's charge was committed.
        case committed(CommittedCharge)
        /// Refused, or (deposits and refunds) on to the facilitator.
        case decided(BeforeSettleDecision)
    }

    /// B.11 step 4 for the request `state`, with its metrics: a voucher's charge committed (and kept in the request's
    /// progress), or the decision for the pipeline.
    nonisolated(nonsending) func commitVoucher(_ state: SellerRequest?, requirements: PaymentRequirements) async -> StepFour {
        let step = await decideCommit(state, requirements: requirements)
        switch step {
        case .decided(.abort(let reason, _)): metrics.refused(reason.rawValue)
        case .committed: metrics.paid(.voucher, locally: state?.read { $0.verifiedLocally } ?? false)
        case .decided: break
        }
        return step
    }

    nonisolated(nonsending) private func decideCommit(_ state: SellerRequest?, requirements: PaymentRequirements) async -> StepFour {
        guard let state else {
            return .decided(.abort(reason: ErrorReason(.missingChannel), message: "no verified batch-settlement request"))
        }
        guard let charge = TokenAmount128(decimal: requirements.amount)?.value else {
            await releaseReservation(state)
            return .decided(.abort(reason: ErrorReason(.chargeExceedsSignedCumulative), message: "the charge is not an atomic uint128"))
        }
        guard state.kind == .voucher else {
            if state.kind == .deposit { state.update { $0.charge = charge } }
            return .decided(.proceed)
        }
        let now = clock()
        let voucher = state.voucher
        let committed: Result<(before: SellerChannel, after: SellerChannel), SellerRuleError>
        do {
            committed = try await storage.commit(state.channelId, pendingId: state.pendingId, now: now) { record in
                do throws(SellerRuleError) {
                    return Result<(before: SellerChannel, after: SellerChannel), SellerRuleError>.success(
                        try SellerRules.commitCharge(&record, voucher: voucher, charge: charge, now: now))
                } catch {
                    return .failure(error)
                }
            }
        } catch let error as ChannelStorageError where error.kind == .reservationLost {
            return .decided(.abort(reason: ErrorReason(.channelBusy), message: "the request's reservation lapsed"))
        } catch {
            await releaseReservation(state)
            logger.error("charge commit failed", metadata: ["channel": "\(state.channelId)", "error": "\(error)"])
            return .decided(.abort(reason: ErrorReason(.verificationStateUnavailable), message: "the charge could not be stored"))
        }
        switch committed {
        case .failure(let error):
            await releaseReservation(state)
            return .decided(.abort(reason: ErrorReason(error.code), message: "the charge exceeds the signed cumulative amount"))
        case .success(let (before, after)):
            let result = state.update { progress in
                progress.reserved = false
                // The voucher response shows the record as it was reserved.
                let charge = CommittedCharge(before: progress.record ?? before, after: after, amount: charge, network: requirements.network)
                progress.committed = charge
                return charge
            }
            emit(.charged(after))
            return .committed(result)
        }
    }

    // MARK: B.11 step 5

    /// Completes a client's refund from the record: `refundNonce`, the claim of the charged total, the amount when
    /// the client left it out, and both authorizer signatures when the seller holds the key.
    public func enrichSettlementPayload(_ context: PaymentContext) async throws -> JSONObject? {
        guard let state = context.attempt.sellerRequest, case .refund(let refund) = state.payload else { return nil }
        let domain = try domain(context.requirements.network)
        let record: SellerChannel?
        do {
            guard try await storage.reservation(state.channelId, now: clock())?.pendingId == state.pendingId else {
                throw X402Error(ErrorReason(.channelBusy), "the refund's reservation lapsed")
            }
            record = try await storage.channel(state.channelId)
        } catch let error as X402Error {
            throw error
        } catch {
            throw X402Error(ErrorReason(.verificationStateUnavailable), "channel storage failed: \(error)", underlying: error)
        }
        let enriched: EnrichedRefundPayload
        do {
            enriched = try SellerRules.enrichRefund(refund, record: record, authorizerKey: configuration.receiverAuthorizerKey,
                                                    domain: domain)
        } catch {
            throw X402Error(ErrorReason(error.code), "the refund does not match the channel")
        }
        var added = BatchSettlementPayload.enrichedRefund(enriched).jsonObject()
        for (key, _) in context.paymentPayload.payload { added[key] = nil }
        return added
    }

    // MARK: B.11 step 7

    /// Records what the facilitator settled: a deposit charges the request and mirrors the post-deposit snapshot; a
    /// refund mirrors the post-refund snapshot, or deletes a drained channel.
    public func afterSettle(_ context: PaymentContext, result: SettleResponse) async throws {
        guard let state = context.attempt.sellerRequest, state.kind != .voucher else { return }
        let now = clock()
        let settled = Self.snapshot(result.extra?["channelState"]?.objectValue, channelId: state.channelId)
        let voucher = state.voucher
        switch state.kind {
        case .deposit:
            let charge = state.read { $0.charge } ?? 0
            let body: @Sendable (inout SellerChannel?) throws -> UInt128 = { record in
                try SellerRules.recordDeposit(&record, voucher: voucher, charge: charge, settledState: settled, now: now)
            }
            let chargedAfter: UInt128
            do {
                chargedAfter = try await storage.commit(state.channelId, pendingId: state.pendingId, now: now, body)
            } catch let error as ChannelStorageError where error.kind == .reservationLost {
                // The deposit is on chain and the handler has answered: the charge must be kept even when the
                // reservation lapsed during a slow settlement.
                logger.warning("deposit settled after its reservation lapsed", metadata: ["channel": "\(state.channelId)"])
                chargedAfter = try await storage.update(state.channelId, body)
            }
            state.update { progress in
                progress.chargedAfter = chargedAfter
                progress.reserved = false
            }
            if let after = try? await storage.channel(state.channelId) { emit(.charged(after)) }
        case .refund:
            let charged = state.read { $0.record?.chargedCumulativeAmount } ?? voucher.maxClaimableAmount.value
            state.update { $0.chargedAfter = charged }
            emit(.refunded(channelId: state.channelId))
            if let settled {
                try await storage.commit(state.channelId, pendingId: state.pendingId, now: now) { record in
                    SellerRules.recordRefund(&record, settledState: settled, now: now)
                }
                state.update { $0.reserved = false }
            } else {
                await releaseReservation(state)
            }
        default:
            return
        }
        metrics.paid(state.kind, locally: false)
    }

    /// A failed settlement charges nothing: the reservation is released.
    public func onSettleFailure(_ context: PaymentContext, error: X402Error) async -> SettleResponse? {
        await releaseReservation(context.attempt.sellerRequest)
        return nil
    }

    // MARK: B.11 step 8

    /// Adds the seller's charged total to a deposit's or refund's `channelState`, and a deposit's `chargedAmount`.
    public func enrichSettlementResponse(_ context: PaymentContext, result: SettleResponse) async throws -> JSONObject? {
        guard let state = context.attempt.sellerRequest, state.kind != .voucher else { return nil }
        let (chargedAfter, charge) = state.read { ($0.chargedAfter, $0.charge) }
        guard let charged = chargedAfter else { return nil }
        var enrichment: JSONObject = ["channelState": ["chargedCumulativeAmount": .string(String(charged))]]
        if state.kind == .deposit, let charge { enrichment["chargedAmount"] = .string(String(charge)) }
        return enrichment
    }
}
