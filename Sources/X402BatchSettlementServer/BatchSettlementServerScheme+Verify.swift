import Synchronization
import X402BatchSettlement
import X402Core
import X402EVM
import X402JSON

/// What one paid request carries from hook to hook (kept in its ``PaymentAttempt``).
struct SellerRequestState: Sendable {
    var channelId: Bytes32
    var kind: BatchSettlementPayloadKind
    var payload: BatchSettlementPayload
    var config: ChannelConfig
    var voucher: SignedVoucher
    var pendingId: String
    /// Verified by ECDSA against fresh mirrored state: the facilitator was not asked.
    var verifiedLocally = false
    /// The reservation is held (release it on every way out but the commit).
    var reserved = false
    /// The record as it was when the reservation was taken (the base of the voucher response).
    var record: SellerChannel?
    /// The channel as the corrective 402 should show it (set on a cumulative mismatch).
    var corrective: SellerChannel?
    /// The charged total after a deposit's or refund's settlement.
    var chargedAfter: UInt128?
    /// The charge of a deposit request.
    var charge: UInt128?

    static let key = "x402.batch-settlement.seller"
}

/// The attempt's slot for its ``SellerRequestState``: stored once, then changed in place (storing the struct itself
/// would box a copy in a new existential on every change).
final class SellerRequestSlot: Sendable {
    let state: Mutex<SellerRequestState>

    init(_ state: SellerRequestState) { self.state = Mutex(state) }
}

extension PaymentAttempt {
    /// `read` applied to the state in place (no copy of the whole state), nil when there is none.
    func readSellerState<T>(_ read: (borrowing SellerRequestState) -> T) -> T? {
        value(SellerRequestState.key, as: SellerRequestSlot.self)?.state.withLock { read($0) }
    }

    /// Changes the state in place (nothing happens when there is none).
    func updateSellerState(_ change: (inout SellerRequestState) -> Void) {
        value(SellerRequestState.key, as: SellerRequestSlot.self)?.state.withLock { change(&$0) }
    }

    var sellerState: SellerRequestState? {
        get { value(SellerRequestState.key, as: SellerRequestSlot.self)?.state.withLock { $0 } }
        set {
            if let slot = value(SellerRequestState.key, as: SellerRequestSlot.self) {
                if let newValue {
                    slot.state.withLock { $0 = newValue }
                    return
                }
                self[SellerRequestState.key] = nil
            } else if let newValue {
                self[SellerRequestState.key] = SellerRequestSlot(newValue)
            }
        }
    }
}

extension BatchSettlementServerScheme {
    static func abort(_ code: BatchSettlementErrorCode, _ message: String? = nil) -> BeforeVerifyDecision {
        .abort(reason: ErrorReason(code), message: message)
    }

    static let stateUnavailable = "Unable to establish channel verification state"

    // MARK: B.11 step 1

    /// Binds the payload to its channel, checks the voucher's cumulative base against the record, refuses vouchers
    /// on a channel whose withdrawal could finalize before a claim lands, and verifies vouchers locally when it can.
    public func beforeVerify(_ context: PaymentContext) async throws -> BeforeVerifyDecision {
        let decision = try await decideBeforeVerify(context)
        if case .abort(let reason, _) = decision { metrics.refused(reason.rawValue) }
        return decision
    }

    private func decideBeforeVerify(_ context: PaymentContext) async throws -> BeforeVerifyDecision {
        let parsed: BatchSettlementPayload
        do {
            parsed = try BatchSettlementPayload(context.paymentPayload)
        } catch {
            return Self.abort(error.errorCode, error.description)
        }
        switch parsed {
        case .voucher, .deposit, .refund:
            return try await beforeVerify(context, parsed: parsed)
        case .enrichedRefund, .claim, .settle:
            // Only a server writes claims, settles and enriched refunds.
            return Self.abort(.payloadType, "a client may send deposit, voucher or refund payloads only")
        }
    }

    private func beforeVerify(_ context: PaymentContext, parsed: BatchSettlementPayload) async throws -> BeforeVerifyDecision {
        guard let config = parsed.channelConfig, let voucher = parsed.voucher else {
            return Self.abort(.payloadType, "a client may send deposit, voucher or refund payloads only")
        }
        let requirements = context.requirements
        guard let domain = try? domain(requirements.network) else {
            return Self.abort(.networkMismatch, "network \(requirements.network) is not an EVM chain")
        }
        guard let price = TokenAmount128(decimal: requirements.amount)?.value else {
            return .abort(reason: .invalidPaymentRequirements, message: "amount is not an atomic uint128")
        }
        if configuration.enforceMinDeposit, case .deposit(let deposit) = parsed,
           let hint = try? Self.minDeposit(requirements, asset: nil), deposit.deposit.amount.value < hint {
            return Self.abort(.depositBelowMinDeposit, "Deposit amount is below the server minimum")
        }
        let channelId = voucher.channelId
        guard config.channelId(in: domain) == channelId else {
            return Self.abort(.channelIdMismatch, "Channel id does not match channel config")
        }
        let now = clock()
        let record: SellerChannel?
        do {
            record = try await storage.channel(channelId)
        } catch {
            logger.error("channel storage read failed", metadata: ["channel": "\(channelId)", "error": "\(error)"])
            return Self.abort(.verificationStateUnavailable, Self.stateUnavailable)
        }
        var state = SellerRequestState(channelId: channelId, kind: parsed.kind, payload: parsed, config: config, voucher: voucher,
                                       pendingId: Self.newPendingId())
        let m = voucher.maxClaimableAmount.value
        guard SellerRules.expectedMaxClaimable(kind: parsed.kind, charged: record?.chargedCumulativeAmount, price: price, signed: m) == m else {
            state.corrective = record
            context.attempt.sellerState = state
            return Self.abort(.cumulativeAmountMismatch, "Client voucher base does not match server state")
        }
        if parsed.kind != .refund, let record, SellerRules.withdrawalBlocksVouchers(record, now: now, claimLeadTime: configuration.claimLeadTime) {
            emit(.withdrawalObserved(channelId: channelId))
            return .abort(reason: ErrorReason(BatchSettlementServerErrorCode.withdrawalPending),
                          message: "the payer's withdrawal could finalize before the next claim")
        }
        if parsed.kind == .voucher {
            switch SellerRules.verifyLocally(config: config, voucher: voucher, record: record, fields: RequirementFields(requirements),
                                             domain: domain, now: now, stateTTL: configuration.onchainStateTTL,
                                             channelIdChecked: true) {
            case .verified:
                state.verifiedLocally = true
                context.attempt.sellerState = state
                // The chain snapshot without the seller's charged total.
                var snapshot = record?.snapshot()
                snapshot?.chargedCumulativeAmount = nil
                let extra = snapshot?.jsonObject ?? JSONObject()
                return .skipVerification(VerifyResponse(isValid: true, payer: checksummed(config.payer), extra: extra))
            case .invalid(let code):
                return Self.abort(code)
            case .needsFacilitator:
                break
            }
        }
        context.attempt.sellerState = state
        return .proceed
    }

    /// A reservation id unique to this request: a random 64-bit prefix drawn once per process, then a counter (no
    /// `getrandom` call per request; another process, or this one after a restart, draws another prefix).
    static func newPendingId() -> String {
        let n = pendingCounter.add(1, ordering: .relaxed).newValue
        return Hex.encode(withUnsafeBytes(of: (pendingPrefix, n)) { Array($0) })
    }

    private static let pendingPrefix: UInt64 = {
        var rng = SystemRandomNumberGenerator()
        return rng.next()
    }()
    private static let pendingCounter = Atomic<UInt64>(0)

    // MARK: B.11 step 2

    /// Takes the channel's reservation (`channel_busy` when another request holds it), re-checks the cumulative base
    /// against the record as it is now, and stores the voucher and the facilitator's chain snapshot. A refund skips
    /// the handler.
    public func afterVerify(_ context: PaymentContext, result: VerifyResponse) async throws -> AfterVerifyDecision {
        let decision = try await decideAfterVerify(context, result: result)
        if case .abort(let reason, _) = decision { metrics.refused(reason.rawValue) }
        return decision
    }

    private func decideAfterVerify(_ context: PaymentContext, result: VerifyResponse) async throws -> AfterVerifyDecision {
        guard var state = context.attempt.sellerState else {
            return .abort(reason: ErrorReason(.verificationStateUnavailable), message: Self.stateUnavailable)
        }
        let requirements = context.requirements
        let price = TokenAmount128(decimal: requirements.amount)?.value ?? 0
        let now = clock()
        let ttl = SellerRules.reservationTTL(maxTimeoutSeconds: requirements.maxTimeoutSeconds)
        let reservation = ChannelReservation(pendingId: state.pendingId, signedMaxClaimable: state.voucher.maxClaimableAmount.value,
                                             expiresAt: now &+ ttl)
        do {
            if try await storage.reserve(state.channelId, reservation, now: now) != nil {
                return .abort(reason: ErrorReason(.channelBusy), message: "Channel is already processing a request")
            }
        } catch {
            logger.error("channel reservation failed", metadata: ["channel": "\(state.channelId)", "error": "\(error)"])
            return .abort(reason: ErrorReason(.verificationStateUnavailable), message: Self.stateUnavailable)
        }
        state.reserved = true
        context.attempt.sellerState = state

        let chainState = state.verifiedLocally ? nil : Self.snapshot(result.extra, channelId: state.channelId)
        let outcome: Result<SellerChannel, SellerRuleError>
        do {
            if state.verifiedLocally, let current = try await storage.channel(state.channelId) {
                // Nothing new to store before the commit: only check the base still holds.
                let m = state.voucher.maxClaimableAmount.value
                outcome = SellerRules.expectedMaxClaimable(kind: state.kind, charged: current.chargedCumulativeAmount, price: price, signed: m) == m
                    ? .success(current) : .failure(SellerRuleError(.cumulativeAmountMismatch))
            } else {
                let (kind, config, voucher) = (state.kind, state.config, state.voucher)
                outcome = try await storage.update(state.channelId) { record in
                    do throws(SellerRuleError) {
                        try SellerRules.recordVerified(&record, kind: kind, config: config, voucher: voucher, price: price,
                                                       facilitatorState: chainState, now: now)
                        return Result<SellerChannel, SellerRuleError>.success(record!)
                    } catch {
                        return .failure(error)
                    }
                }
            }
        } catch {
            await releaseReservation(context)
            logger.error("channel update failed", metadata: ["channel": "\(state.channelId)", "error": "\(error)"])
            return .abort(reason: ErrorReason(.verificationStateUnavailable), message: Self.stateUnavailable)
        }
        switch outcome {
        case .failure(let error):
            await releaseReservation(context)
            state.reserved = false
            state.corrective = try? await storage.channel(state.channelId)
            context.attempt.sellerState = state
            return .abort(reason: ErrorReason(error.code), message: "Client voucher base does not match server state")
        case .success(let record):
            state.record = record
            context.attempt.sellerState = state
            if state.kind != .refund, SellerRules.withdrawalBlocksVouchers(record, now: now, claimLeadTime: configuration.claimLeadTime) {
                await releaseReservation(context)
                emit(.withdrawalObserved(channelId: state.channelId))
                return .abort(reason: ErrorReason(BatchSettlementServerErrorCode.withdrawalPending),
                              message: "the payer's withdrawal could finalize before the next claim")
            }
            if record.withdrawRequestedAt > 0 { emit(.withdrawalObserved(channelId: state.channelId)) }
        }
        if state.kind == .refund {
            return .skipHandler(DirectResponse(json: ["message": "Refund acknowledged", "channelId": .string(state.channelId.hex)]))
        }
        return .proceed
    }

    /// The chain fields of a facilitator's verify or settle `extra` (nil when absent or unreadable).
    static func snapshot(_ extra: JSONObject?, channelId: Bytes32) -> ChannelStateSnapshot? {
        guard var extra else { return nil }
        if extra["channelId"] == nil { extra["channelId"] = .string(channelId.hex) }
        guard let snapshot = try? X402JSON.decode(ChannelStateSnapshot.self, from: .object(extra)),
              snapshot.channelId == channelId else { return nil }
        return snapshot
    }

    /// Drops this request's reservation, if it holds one.
    func releaseReservation(_ context: PaymentContext) async {
        guard var state = context.attempt.sellerState, state.reserved else { return }
        state.reserved = false
        context.attempt.sellerState = state
        do {
            try await storage.release(state.channelId, pendingId: state.pendingId)
        } catch {
            // It lapses at its expiry anyway.
            logger.warning("reservation release failed", metadata: ["channel": "\(state.channelId)", "error": "\(error)"])
        }
    }

    /// The handler failed or threw, or an after-verify hook aborted: nothing is charged.
    public func onPaymentCanceled(_ context: PaymentContext, reason: PaymentCancellation) async {
        await releaseReservation(context)
    }

    // MARK: B.12

    /// A corrective 402 for a cumulative mismatch: the matching requirement with the seller's `channelState` and
    /// `voucherState`, so the client can check the signature and resync.
    public func enrichPaymentRequired(_ context: PaymentRequiredContext) async throws -> [PaymentRequirements]? {
        guard context.error == BatchSettlementErrorCode.cumulativeAmountMismatch.rawValue,
              let payload = context.paymentPayload else { return nil }
        let state = context.attempt?.sellerState
        let parsed: BatchSettlementPayload
        if let state { parsed = state.payload } else {
            guard let p = try? BatchSettlementPayload(payload) else { return nil }
            parsed = p
        }
        guard let config = parsed.channelConfig, let voucher = parsed.voucher,
              let domain = try? domain(payload.accepted.network), config.channelId(in: domain) == voucher.channelId,
              let index = context.requirements.firstIndex(where: { $0.scheme == scheme && $0.network == payload.accepted.network })
        else { return nil }
        let record: SellerChannel?
        if let corrective = state?.corrective { record = corrective } else { record = try? await storage.channel(voucher.channelId) }
        var requirements = context.requirements
        requirements[index] = SellerRules.correctiveRequirements(requirements[index], record: record, config: config,
                                                                 voucher: voucher, kind: parsed.kind)
        return requirements
    }
}
