import X402BatchSettlement
import X402Core
import X402EVM
import X402JSON

/// What the lane reads from a route's requirement once.
struct LaneRequirement: Sendable {
    let fields: RequirementFields
    let domain: BatchSettlementDomain
}

/// A voucher the lane verified: the request's state, and the scheme that builds its verify result when asked.
struct SellerLaneTicket: PaymentLaneTicket {
    let state: SellerRequest
    let scheme: BatchSettlementServerScheme

    /// As the pipeline's, with the chain state of the record as reserved (read a moment after the one checked; they
    /// differ only when the chain state was refreshed in between, and then this one is the newer).
    var verifyResponse: VerifyResponse { scheme.localVerifyResponse(state, record: state.read { $0.record }) }

    var settleResponse: SettleResponse {
        guard let charge = state.read({ $0.committed }) else {
            return .failure(.unexpectedSettleError, message: "the voucher was not settled", network: "")
        }
        return SellerRules.voucherResponse(before: charge.before, after: charge.after, charge: charge.amount, network: charge.network)
    }
}

// The seller's local fast path without the hook pipeline: a voucher on a channel this seller has a record of, with the
// channel config exactly as the record's, read straight from the header. The checks are the pipeline's own (B.11 steps
// 1, 2 and 4 share their code with the hooks); only the reading differs. Anything else goes to the pipeline.
extension BatchSettlementServerScheme: SchemePaymentLane {
    /// Verifies a voucher payload locally and takes the channel's reservation; `nil` for deposits, refunds, unknown
    /// channels, configs written differently, stale mirrored state and any shape the lane does not read.
    nonisolated(nonsending) public func laneVerify(payload: ArraySlice<UInt8>, requirements: PaymentRequirements, prepared: any Sendable,
                           attempt: PaymentAttempt) async -> LaneVerification? {
        guard let prepared = prepared as? LaneRequirement,
              let read = payload.withUnsafeBytes({ LaneVoucherPayload.read($0) }) else { return nil }
        let channelId = read.voucher.channelId
        guard let record = try? await storage.channel(channelId),
              payload.withUnsafeBytes({ JSONRawReader.compactEquals(UnsafeRawBufferPointer(rebasing: $0[read.config]), laneConfigJSON(record)) })
        else { return nil }
        let parsed = BatchSettlementPayload.voucher(VoucherPayload(channelConfig: record.config, voucher: read.voucher))
        let state: SellerRequest
        switch await checkClientPayload(parsed, requirements: requirements, attempt: attempt, record: record, prepared: prepared,
                                       keepVerified: false) {
        case .verifiedLocally(let verified, _): state = verified
        case .decided(.abort(let reason, let message)):
            metrics.refused(reason.rawValue)
            return .refused(reason, message: message)
        case .decided:
            // The facilitator must verify it: the pipeline does, from scratch.
            return nil
        }
        switch await reserve(state, requirements: requirements, chainState: nil) {
        case .proceed: return .verified(SellerLaneTicket(state: state, scheme: self))
        case .abort(let reason, let message):
            metrics.refused(reason.rawValue)
            return .refused(reason, message: message)
        case .skipHandler:
            // Only refunds skip the handler.
            await releaseReservation(state)
            return nil
        }
    }

    /// The requirement's fields and its network's EIP-712 domain, read once per route (the local verification compares
    /// the channel with them); nil off EVM networks.
    public func lanePrepare(_ requirements: PaymentRequirements) -> (any Sendable)? {
        guard let domain = try? domain(requirements.network) else { return nil }
        return LaneRequirement(fields: RequirementFields(requirements), domain: domain)
    }

    /// Commits the voucher's charge (B.11 step 4) and returns the voucher `PAYMENT-RESPONSE`, written from the record.
    nonisolated(nonsending) public func laneSettle(_ ticket: any PaymentLaneTicket, requirements: PaymentRequirements) async throws(X402Error) -> String {
        switch await commitVoucher((ticket as? SellerLaneTicket)?.state, requirements: requirements) {
        case .committed(let charge):
            return SellerRules.voucherResponseHeader(before: charge.before, after: charge.after, charge: charge.amount,
                                                     network: charge.network)
        case .decided(.abort(let reason, let message)): throw X402Error(reason, message ?? "")
        case .decided: throw X402Error(.unexpectedSettleError, "a voucher is settled by the seller")
        }
    }

    /// Releases the voucher's reservation.
    nonisolated(nonsending) public func laneCancel(_ ticket: any PaymentLaneTicket, reason: PaymentCancellation) async {
        await releaseReservation((ticket as? SellerLaneTicket)?.state)
    }

    /// The record's config as this package writes it (cached: the addresses' checksums cost a hash each).
    func laneConfigJSON(_ record: SellerChannel) -> [UInt8] {
        laneConfigs.value(record.channelId) { (try? X402JSON.encode(record.config)) ?? [] }
    }
}

/// A voucher payload as the lane reads it: `{"type":"voucher","channelConfig":{…},"voucher":{…}}` in any key order,
/// each key once; the config is kept as bytes (compared with the record's), the voucher read in place.
struct LaneVoucherPayload {
    /// The range of the `channelConfig` object.
    var config: Range<Int>
    var voucher: SignedVoucher

    static func read(_ bytes: UnsafeRawBufferPointer) -> LaneVoucherPayload? {
        var reader = JSONRawReader(bytes)
        var type = false, config: Range<Int>?, voucher: SignedVoucher?
        let read = JSONRawReader.readObject(&reader) { reader, key in
            if reader.equals(key, "type") {
                guard !type, let value = reader.readString(), reader.equals(value, "voucher") else { return false }
                type = true
            } else if reader.equals(key, "channelConfig") {
                guard config == nil, let value = reader.skipValue(), bytes[value.lowerBound] == 0x7B else { return false }
                config = value
            } else if reader.equals(key, "voucher") {
                guard voucher == nil, let value = readVoucher(&reader) else { return false }
                voucher = value
            } else {
                return false
            }
            return true
        }
        guard read, reader.atEnd(), type, let config, let voucher else { return nil }
        return LaneVoucherPayload(config: config, voucher: voucher)
    }

    /// `{"channelId": canonical bytes32, "maxClaimableAmount": decimal without leading zeros, "signature": 65-byte hex}`.
    static func readVoucher(_ reader: inout JSONRawReader) -> SignedVoucher? {
        var channelId: Bytes32?, amount: UInt128?, signature: [UInt8]?
        let read = JSONRawReader.readObject(&reader) { reader, key in
            guard let value = reader.readString() else { return false }
            let text = UnsafeRawBufferPointer(rebasing: reader.bytes[value])
            if reader.equals(key, "channelId") {
                guard channelId == nil, let id = Bytes32(canonicalHexUTF8: text) else { return false }
                channelId = id
            } else if reader.equals(key, "maxClaimableAmount") {
                guard amount == nil, let parsed = Self.amount(text) else { return false }
                amount = parsed
            } else if reader.equals(key, "signature") {
                guard signature == nil, let bytes = Self.signature(text) else { return false }
                signature = bytes
            } else {
                return false
            }
            return true
        }
        guard read, let channelId, let amount, let signature else { return nil }
        return SignedVoucher(channelId: channelId, maxClaimableAmount: TokenAmount128(amount), signature: HexBytes(signature))
    }

    /// `0x` and 130 hex digits of any case (Hex's own decoding; a `0X` prefix is left to the pipeline).
    static func signature(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        guard text.count == 132, text[0] == 0x30, text[1] == 0x78 else { return nil }
        return try? Hex.decode(utf8: text)
    }

    /// Decimal digits without a leading zero (or `0`), below 2^128 (TokenAmount128's own parsing).
    static func amount(_ text: UnsafeRawBufferPointer) -> UInt128? {
        guard text.count == 1 || text.first != 0x30 else { return nil }
        return TokenAmount128(decimalUTF8: text)?.value
    }
}
