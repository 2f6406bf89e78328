import Logging
import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRelayer

/// The batch-settlement facilitator scheme on one EVM chain (protocol.md B.17–B.19).
///
/// `/verify` checks deposit (ERC-3009, Permit2), voucher and refund payloads against the chain in the
/// SDK's order with its error codes, plus the newer spec's `maxClaimableAmount ≥ totalClaimed + amount`.
/// `/settle` relays deposits, claims (isolating bad rows), receiver settlements and enriched refunds
/// through a ``Relayer``: simulated first, journaled before broadcast, answered from the journal when
/// retried, and failed closed when the receipt lacks the expected event.
public final class BatchSettlementFacilitator: SchemeNetworkFacilitator {
    /// `batch-settlement`.
    public let scheme = BatchSettlement.scheme
    /// `eip155:*`.
    public let caipFamily = "eip155:*"
    /// Settings.
    public let configuration: BatchSettlementFacilitatorConfiguration
    /// Sends the transactions.
    public let relayer: Relayer
    /// Where decisions and failures are logged.
    public let logger: Logger

    let domain: BatchSettlementDomain
    let reads: OnchainReads

    /// A facilitator for `configuration.chainId`, sending through `relayer` (same chain).
    public init(relayer: Relayer, configuration: BatchSettlementFacilitatorConfiguration,
                logger: Logger = Logger(label: "x402.facilitator.batch-settlement")) {
        self.relayer = relayer
        self.configuration = configuration
        self.logger = logger
        self.domain = BatchSettlementDomain(chainId: configuration.chainId)
        self.reads = OnchainReads(relayer: relayer, settlement: configuration.settlementAddress, multicall: configuration.multicall3)
        RevertReason.register(BatchSettlementRevert.signatures)
    }

    /// The receiver-authorizer address, when the facilitator has the key.
    public var receiverAuthorizer: Address? { configuration.authorizerKey?.address }

    /// `{"receiverAuthorizer": "0x…"}` when configured with an authorizer key.
    public func extra(for network: Network) -> JSONObject? {
        guard let address = receiverAuthorizer else { return nil }
        return ["receiverAuthorizer": .string(address.checksummed)]
    }

    /// The relayer addresses.
    public func signers(for network: Network) -> [String] { relayer.addresses.map(\.checksummed) }

    var network: Network { configuration.network }

    // MARK: Verify

    /// protocol.md B.17.2.
    public func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> VerifyResponse {
        guard payload.accepted.scheme == scheme, requirements.scheme == scheme else { return .invalid(ErrorReason(.scheme)) }
        guard payload.accepted.network == requirements.network else { return .invalid(ErrorReason(.networkMismatch)) }
        let parsed: BatchSettlementPayload
        do {
            parsed = try BatchSettlementPayload(payload)
        } catch {
            return .invalid(ErrorReason(error.errorCode), message: error.description)
        }
        let fields = RequirementFields(requirements)
        switch parsed {
        case .deposit(let deposit):
            switch await verifyDeposit(deposit, payload: payload, fields: fields) {
            case .success(let plan):
                return VerifyResponse(isValid: true, payer: deposit.channelConfig.payer.checksummed,
                                      extra: Self.snapshotObject(plan.pre, channelId: deposit.voucher.channelId))
            case .failure(let failure):
                return failure.verifyResponse(payer: deposit.channelConfig.payer)
            }
        case .voucher(let v):
            return await verifyVoucher(config: v.channelConfig, voucher: v.voucher, fields: fields, isRefund: false)
        case .refund(let r):
            return await verifyVoucher(config: r.channelConfig, voucher: r.voucher, fields: fields, isRefund: true)
        case .enrichedRefund(let r):
            return await verifyVoucher(config: r.channelConfig, voucher: r.voucher, fields: fields, isRefund: true)
        case .claim, .settle:
            return .invalid(ErrorReason(.payloadType), message: "\(parsed.kind.rawValue) payloads are settled, not verified")
        }
    }

    /// Voucher and refund verification: config, signature, then the channel on chain.
    func verifyVoucher(config: ChannelConfig, voucher: SignedVoucher, fields: RequirementFields, isRefund: Bool) async -> VerifyResponse {
        let payer = config.payer.checksummed
        if let code = checkChannelConfig(config, channelId: voucher.channelId, fields: fields, domain: domain) {
            return .invalid(ErrorReason(code), payer: payer)
        }
        let m = voucher.maxClaimableAmount.value
        guard await voucherSignatureIsValid(config: config, channelId: voucher.channelId, maxClaimableAmount: m,
                                            signature: voucher.signature.bytes, domain: domain, reads: reads) else {
            return .invalid(ErrorReason(.voucherSignature), payer: payer)
        }
        let state: OnchainChannelState
        do {
            state = try await reads.channel(voucher.channelId).0
        } catch {
            return .invalid(ErrorReason(.channelNotFound), message: String(error.description.prefix(200)), payer: payer)
        }
        if state.balance == 0 { return .invalid(ErrorReason(.channelNotFound), payer: payer) }
        if m > state.balance { return .invalid(ErrorReason(.cumulativeExceedsBalance), payer: payer) }
        if isRefund ? m < state.totalClaimed : m <= state.totalClaimed {
            return .invalid(ErrorReason(.cumulativeBelowClaimed), payer: payer)
        }
        if !isRefund, let reason = Self.belowRequestFloor(m, totalClaimed: state.totalClaimed, amount: fields.amount) {
            return .invalid(reason, message: "maxClaimableAmount must cover totalClaimed + amount", payer: payer)
        }
        return VerifyResponse(isValid: true, payer: payer, extra: Self.snapshotObject(state, channelId: voucher.channelId))
    }

    /// The newer spec's floor: a paying voucher covers what is already claimed plus this request.
    static func belowRequestFloor(_ m: UInt128, totalClaimed: UInt128, amount: UInt128) -> ErrorReason? {
        let (floor, overflow) = totalClaimed.addingReportingOverflow(amount)
        return overflow || m < floor ? ErrorReason(.cumulativeBelowClaimed) : nil
    }

    /// The `/verify` `extra` (and `channelState`) object: amounts as strings, `withdrawRequestedAt` a number.
    static func snapshotObject(_ state: OnchainChannelState, channelId: Bytes32) -> JSONObject {
        [
            "channelId": .string(channelId.hex),
            "balance": .string(String(state.balance)),
            "totalClaimed": .string(String(state.totalClaimed)),
            "withdrawRequestedAt": .number(JSONNumber(state.withdrawRequestedAt)),
            "refundNonce": .string(state.refundNonce.description),
        ]
    }

    // MARK: Settle

    /// protocol.md B.17.3: deposit, claim, settle and enriched refund; anything else is `payload_type`.
    public func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> SettleResponse {
        let parsed: BatchSettlementPayload
        do {
            parsed = try BatchSettlementPayload(payload)
        } catch {
            return .failure(ErrorReason(error.errorCode), message: error.description, network: network)
        }
        switch parsed {
        case .deposit(let deposit): return await settleDeposit(deposit, payload: payload, requirements: requirements)
        case .claim(let claim): return await settleClaim(claim)
        case .settle(let settle): return await settleReceiver(settle)
        case .enrichedRefund(let refund): return await settleRefund(refund)
        case .voucher, .refund:
            return .failure(ErrorReason(.payloadType), message: "\(parsed.kind.rawValue) payloads are not settled on chain",
                            network: network)
        }
    }

    /// May the facilitator's authorizer key sign for a channel paying `receiver`?
    func callerMaySign(for receivers: some Sequence<Address>) -> Bool {
        guard configuration.requireAuthenticatedCaller else { return true }
        guard let caller = FacilitatorCaller.current else { return false }
        return receivers.allSatisfy { caller.owns($0) }
    }

    /// The answer recorded with a journal entry, if any (what a retried operation gets back).
    func recordedOutcome(_ entry: JournalEntry) -> SettleResponse? {
        guard let outcome = entry.outcome else { return nil }
        return try? X402JSON.decode(SettleResponse.self, from: .object(outcome))
    }

    /// Records `response` as the operation's outcome and returns it.
    func finish(_ response: SettleResponse, entry: JournalEntry) async -> SettleResponse {
        if let value = try? X402JSON.encodeValue(response), case .object(let object) = value {
            await relayer.recordOutcome(object, for: entry)
        }
        return response
    }
}

/// A verify failure with its code and message.
struct VerifyFailure: Error {
    var reason: ErrorReason
    var message: String?

    init(_ code: BatchSettlementErrorCode, _ message: String? = nil) {
        self.init(reason: ErrorReason(code), message: message)
    }

    /// A failure with a code outside the batch-settlement set (the SDK's generic extension codes).
    init(reason: ErrorReason, message: String?) {
        self.reason = reason
        self.message = message
    }

    func verifyResponse(payer: Address) -> VerifyResponse {
        .invalid(reason, message: message, payer: payer.checksummed)
    }
}
