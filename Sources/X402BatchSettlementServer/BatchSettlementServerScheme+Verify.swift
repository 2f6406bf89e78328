import Synchronization
import X402BatchSettlement
import X402Core
import X402EVM
import X402JSON

/// One paid request as the scheme's hooks share it (kept in its ``PaymentAttempt``): what before-verify decided,
/// fixed from then on and read without a lock, and the request's progress, changed in place by the later hooks (a
/// struct stored in the attempt would be copied and re-boxed on every read and change).
final class SellerRequest: Sendable {
    let channelId: Bytes32
    let kind: BatchSettlementPayloadKind
    /// A deposit's or refund's payload (a voucher's is its config and voucher: not kept twice).
    private let storedPayload: BatchSettlementPayload?
    let config: ChannelConfig
    let voucher: SignedVoucher
    let pendingId: String
    private let progress: Mutex<SellerRequestProgress>

    static let key = "x402.batch-settlement.seller"

    init(channelId: Bytes32, kind: BatchSettlementPayloadKind, payload: BatchSettlementPayload, config: ChannelConfig,
         voucher: SignedVoucher, pendingId: String, progress: SellerRequestProgress = .init()) {
        self.channelId = channelId
        self.kind = kind
        storedPayload = kind == .voucher ? nil : payload
        self.config = config
        self.voucher = voucher
        self.pendingId = pendingId
        self.progress = Mutex(progress)
    }

    /// The client's payload.
    var payload: BatchSettlementPayload { storedPayload ?? .voucher(VoucherPayload(channelConfig: config, voucher: voucher)) }

    /// `body` applied to the progress in place.
    func read<T>(_ body: (borrowing SellerRequestProgress) -> T) -> T { progress.withLock { body($0) } }

    /// Changes the progress in place.
    @discardableResult
    func update<T>(_ body: (inout SellerRequestProgress) -> T) -> T { progress.withLock { body(&$0) } }
}

/// How far one ``SellerRequest`` got.
struct SellerRequestProgress: Sendable {
    /// Verified by ECDSA against fresh mirrored state: the facilitator was not asked.
    var verifiedLocally = false
    /// The reservation is held (release it on every way out but the commit).
    var reserved = false
    /// The record as it was when the reservation was taken (the base of the voucher response).
    var record: SellerChannel?
    /// The channel as the corrective 402 should show it (set on a cumulative mismatch; boxed, as it is rare and the
    /// progress is copied whole into its request).
    var correctiveBox: [SellerChannel?]?
    var corrective: SellerChannel? {
        get { correctiveBox?.first ?? nil }
        set { correctiveBox = [newValue] }
    }
    /// The charged total after a deposit's or refund's settlement.
    var chargedAfter: UInt128?
    /// The charge of a deposit request.
    var charge: UInt128?
    /// A voucher's committed charge.
    var committed: BatchSettlementServerScheme.CommittedCharge?
}

extension PaymentAttempt {
    /// This request's batch-settlement state, once before-verify stored it.
    var sellerRequest: SellerRequest? {
        get { value(SellerRequest.key, as: SellerRequest.self) }
        set { self[SellerRequest.key] = newValue }
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
            switch await checkClientPayload(parsed, requirements: context.requirements, attempt: context.attempt) {
            case .decided(let decision): return decision
            case .verifiedLocally(let state, let record): return .skipVerification(localVerifyResponse(state, record: record))
            }
        case .enrichedRefund, .claim, .settle:
            // Only a server writes claims, settles and enriched refunds.
            return Self.abort(.payloadType, "a client may send deposit, voucher or refund payloads only")
        }
    }

    /// What B.11 step 1 made of a client payload.
    enum StepOne {
        /// Refused, or to be verified by the facilitator.
        case decided(BeforeVerifyDecision)
        /// The voucher's signature was checked against fresh mirrored state: this record's.
        case verifiedLocally(SellerRequest, record: SellerChannel?)
    }

    /// The verify result of a locally verified voucher: the payer and the chain snapshot without the seller's charged
    /// total.
    func localVerifyResponse(_ state: SellerRequest, record: SellerChannel?) -> VerifyResponse {
        var snapshot = record?.snapshot()
        snapshot?.chargedCumulativeAmount = nil
        return VerifyResponse(isValid: true, payer: checksummed(state.config.payer), extra: snapshot?.jsonObject ?? JSONObject())
    }

    /// B.11 step 1 for a deposit, voucher or refund payload; `record`, when given, is the channel's record as just read,
    /// and `prepared` what the lane read from the requirements before. The request's state is stored in `attempt`.
    nonisolated(nonsending) func checkClientPayload(_ parsed: BatchSettlementPayload, requirements: PaymentRequirements, attempt: PaymentAttempt,
                            record known: SellerChannel? = nil, prepared: LaneRequirement? = nil,
                            keepVerified: Bool = true) async -> StepOne {
        guard let config = parsed.channelConfig, let voucher = parsed.voucher else {
            return .decided(Self.abort(.payloadType, "a client may send deposit, voucher or refund payloads only"))
        }
        guard let domain = prepared?.domain ?? (try? domain(requirements.network)) else {
            return .decided(Self.abort(.networkMismatch, "network \(requirements.network) is not an EVM chain"))
        }
        guard let price = TokenAmount128(decimal: requirements.amount)?.value else {
            return .decided(.abort(reason: .invalidPaymentRequirements, message: "amount is not an atomic uint128"))
        }
        if configuration.enforceMinDeposit, case .deposit(let deposit) = parsed,
           let hint = try? Self.minDeposit(requirements, asset: nil), deposit.deposit.amount.value < hint {
            return .decided(Self.abort(.depositBelowMinDeposit, "Deposit amount is below the server minimum"))
        }
        let channelId = voucher.channelId
        let now = clock()
        let record: SellerChannel?
        if let known {
            record = known
        } else {
            do {
                record = try await storage.channel(channelId)
            } catch {
                logger.error("channel storage read failed", metadata: ["channel": "\(channelId)", "error": "\(error)"])
                return .decided(Self.abort(.verificationStateUnavailable, Self.stateUnavailable))
            }
        }
        // A record is only ever created for a config that hashed to its id: the same config needs no hash.
        guard record?.config == config || config.channelId(in: domain) == channelId else {
            return .decided(Self.abort(.channelIdMismatch, "Channel id does not match channel config"))
        }
        func state(_ progress: SellerRequestProgress = .init(), keep: Bool = true) -> SellerRequest {
            let state = SellerRequest(channelId: channelId, kind: parsed.kind, payload: parsed, config: config, voucher: voucher,
                                      pendingId: Self.newPendingId(), progress: progress)
            if keep { attempt.sellerRequest = state }
            return state
        }
        let m = voucher.maxClaimableAmount.value
        guard SellerRules.expectedMaxClaimable(kind: parsed.kind, charged: record?.chargedCumulativeAmount, price: price, signed: m) == m else {
            var progress = SellerRequestProgress()
            progress.corrective = record
            _ = state(progress)
            return .decided(Self.abort(.cumulativeAmountMismatch, "Client voucher base does not match server state"))
        }
        if parsed.kind != .refund, let record, SellerRules.withdrawalBlocksVouchers(record, now: now, claimLeadTime: configuration.claimLeadTime) {
            emit(.withdrawalObserved(channelId: channelId))
            return .decided(.abort(reason: ErrorReason(BatchSettlementServerErrorCode.withdrawalPending),
                                   message: "the payer's withdrawal could finalize before the next claim"))
        }
        if parsed.kind == .voucher {
            switch SellerRules.verifyLocally(config: config, voucher: voucher, record: record, fields: prepared?.fields ?? RequirementFields(requirements),
                                             domain: domain, now: now, stateTTL: configuration.onchainStateTTL,
                                             channelIdChecked: true, signerKey: signerKeys[config.payerAuthorizer],
                                             learnKey: { self.signerKeys.set(config.payerAuthorizer, $0) }) {
            case .verified:
                // The pipeline's later hooks find the request in the attempt; the lane keeps it in its ticket.
                return .verifiedLocally(state(SellerRequestProgress(verifiedLocally: true), keep: keepVerified), record: record)
            case .invalid(let code):
                return .decided(Self.abort(code))
            case .needsFacilitator:
                break
            }
        }
        _ = state()
        return .decided(.proceed)
    }

    /// A reservation id unique to this request: 15 characters (a string that needs no allocation) of 6 bits each, a
    /// random 48-bit prefix drawn once per process, then a 42-bit counter (no `getrandom` call per request; another
    /// process, or this one after a restart, draws another prefix).
    static func newPendingId() -> String {
        let n = pendingCounter.add(1, ordering: .relaxed).newValue
        return String(unsafeUninitializedCapacity: 15) { out in
            for i in 0..<8 { out[i] = pendingAlphabet[Int(pendingPrefix >> (6 * i) & 63)] }
            for i in 0..<7 { out[8 + i] = pendingAlphabet[Int(n >> (6 * i) & 63)] }
            return 15
        }
    }

    private static let pendingPrefix: UInt64 = {
        var rng = SystemRandomNumberGenerator()
        return rng.next() & (1 << 48 - 1)
    }()
    private static let pendingAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
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
        guard let state = context.attempt.sellerRequest else {
            return .abort(reason: ErrorReason(.verificationStateUnavailable), message: Self.stateUnavailable)
        }
        let verifiedLocally = state.read { $0.verifiedLocally }
        return await reserve(state, requirements: context.requirements,
                             chainState: verifiedLocally ? nil : Self.snapshot(result.extra, channelId: state.channelId))
    }

    /// B.11 step 2 for a verified request: the reservation taken, the cumulative base checked again under it, and
    /// (after a facilitator's verification) the voucher and `chainState` stored.
    nonisolated(nonsending) func reserve(_ state: SellerRequest, requirements: PaymentRequirements, chainState: ChannelStateSnapshot?) async -> AfterVerifyDecision {
        let price = TokenAmount128(decimal: requirements.amount)?.value ?? 0
        let now = clock()
        let ttl = SellerRules.reservationTTL(maxTimeoutSeconds: requirements.maxTimeoutSeconds)
        let reservation = ChannelReservation(pendingId: state.pendingId, signedMaxClaimable: state.voucher.maxClaimableAmount.value,
                                             expiresAt: now &+ ttl)
        let verifiedLocally = state.read { $0.verifiedLocally }
        let reserved: SellerChannel?
        do {
            // A local verification re-checks the base against the record under the reservation; the facilitator's
            // path writes the record below instead.
            let outcome = verifiedLocally ? try await storage.reserveReading(state.channelId, reservation, now: now)
                : try await storage.reserve(state.channelId, reservation, now: now).map { .held($0) } ?? .taken(nil)
            switch outcome {
            case .held: return .abort(reason: ErrorReason(.channelBusy), message: "Channel is already processing a request")
            case .taken(let record): reserved = record
            }
        } catch {
            logger.error("channel reservation failed", metadata: ["channel": "\(state.channelId)", "error": "\(error)"])
            return .abort(reason: ErrorReason(.verificationStateUnavailable), message: Self.stateUnavailable)
        }
        state.update { $0.reserved = true }

        let outcome: Result<SellerChannel, SellerRuleError>
        do {
            if verifiedLocally, let current = reserved {
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
            await releaseReservation(state)
            logger.error("channel update failed", metadata: ["channel": "\(state.channelId)", "error": "\(error)"])
            return .abort(reason: ErrorReason(.verificationStateUnavailable), message: Self.stateUnavailable)
        }
        switch outcome {
        case .failure(let error):
            await releaseReservation(state)
            let current = try? await storage.channel(state.channelId)
            state.update { $0.corrective = current }
            return .abort(reason: ErrorReason(error.code), message: "Client voucher base does not match server state")
        case .success(let record):
            state.update { $0.record = record }
            if state.kind != .refund, SellerRules.withdrawalBlocksVouchers(record, now: now, claimLeadTime: configuration.claimLeadTime) {
                await releaseReservation(state)
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
    nonisolated(nonsending) func releaseReservation(_ state: SellerRequest?) async {
        guard let state, state.update({ progress in defer { progress.reserved = false }; return progress.reserved }) else { return }
        do {
            try await storage.release(state.channelId, pendingId: state.pendingId)
        } catch {
            // It lapses at its expiry anyway.
            logger.warning("reservation release failed", metadata: ["channel": "\(state.channelId)", "error": "\(error)"])
        }
    }

    /// The handler failed or threw, or an after-verify hook aborted: nothing is charged.
    public func onPaymentCanceled(_ context: PaymentContext, reason: PaymentCancellation) async {
        await releaseReservation(context.attempt.sellerRequest)
    }

    // MARK: B.12

    /// A corrective 402 for a cumulative mismatch: the matching requirement with the seller's `channelState` and
    /// `voucherState`, so the client can check the signature and resync.
    public func enrichPaymentRequired(_ context: PaymentRequiredContext) async throws -> [PaymentRequirements]? {
        guard context.error == BatchSettlementErrorCode.cumulativeAmountMismatch.rawValue,
              let payload = context.paymentPayload else { return nil }
        let state = context.attempt?.sellerRequest
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
        if let corrective = state?.read({ $0.corrective }) { record = corrective } else { record = try? await storage.channel(voucher.channelId) }
        var requirements = context.requirements
        requirements[index] = SellerRules.correctiveRequirements(requirements[index], record: record, config: config,
                                                                 voucher: voucher, kind: parsed.kind)
        return requirements
    }
}
