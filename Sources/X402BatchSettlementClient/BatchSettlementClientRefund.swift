import X402BatchSettlement
import X402Core
import X402EVM

/// The answer to one refund HTTP request, as a ``RefundTransport`` reports it.
public struct RefundHTTPResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// Response header fields (names matched case-insensitively).
    public var headers: [String: String]

    /// A response from its parts.
    public init(status: Int, headers: [String: String]) {
        self.status = status
        self.headers = headers
    }
}

/// Sends one refund HTTP request (`GET url` with `headers`, as the SDK clients do) and returns the status and
/// headers; the body is not needed. Keeps ``BatchSettlementClientScheme/refund(url:amount:transport:)`` free of
/// any HTTP framework.
public typealias RefundTransport = @Sendable (_ url: String, _ headers: [String: String]) async throws -> RefundHTTPResponse

extension BatchSettlementClientScheme {
    /// Builds the cooperative refund payload (protocol.md B.9.2, B.15.6) for the channel of `requirements`: a
    /// voucher for `M = charged` (no request amount added) and `amount` (nil = the whole remaining balance).
    ///
    /// Allowed on a distrusted channel (it authorizes nothing new). The session policy applies: `requestURL` is
    /// the refunded resource's URL.
    ///
    /// - Throws: ``BatchSettlementClientError/noChannel(channelId:)`` without a local or recoverable record,
    ///   ``BatchSettlementClientError/nothingToRefund(balance:charged:)`` when `balance ≤ charged` or `amount`
    ///   exceeds `balance − charged`, ``BatchSettlementClientError/refundFailed(_:)`` for a zero `amount`.
    public func refundPayload(for requirements: PaymentRequirements, amount: UInt128? = nil,
                              requestURL: String? = nil) async throws -> RefundPayload {
        let t = try target(requirements)
        if amount == 0 { throw BatchSettlementClientError.refundFailed("the refund amount must be positive") }
        try checkSession(requestURL: requestURL)
        guard let record = try await loadOrRecover(t) else { throw BatchSettlementClientError.noChannel(channelId: t.key) }
        let charged = record.chargedCumulativeAmount
        if let balance = record.balance {
            guard balance > charged else { throw BatchSettlementClientError.nothingToRefund(balance: balance, charged: charged) }
            if let amount, amount > balance - charged { throw BatchSettlementClientError.nothingToRefund(balance: balance, charged: charged) }
        }
        let signature = try await Voucher(channelId: t.channelId, maxClaimableAmount: charged).signTypedData(with: voucherSigner, in: t.domain)
        let voucher = SignedVoucher(channelId: t.channelId, maxClaimableAmount: TokenAmount128(charged), signature: HexBytes(signature.bytes))
        return RefundPayload(channelConfig: t.config, voucher: voucher, amount: amount.map { String($0) })
    }

    /// The whole `PaymentPayload` of a refund for the first `batch-settlement` requirement of `paymentRequired`
    /// (a 402 probe of the resource): `resource` and `extensions` are copied from it.
    public func refundPaymentPayload(for paymentRequired: PaymentRequired, amount: UInt128? = nil,
                                     requestURL: String? = nil) async throws -> PaymentPayload {
        guard let requirements = paymentRequired.accepts.first(where: { $0.scheme == scheme }) else {
            throw BatchSettlementClientError.refundFailed("no \(scheme) payment option offered")
        }
        let refund = try await refundPayload(for: requirements, amount: amount, requestURL: requestURL)
        return PaymentPayload(payload: BatchSettlementPayload.refund(refund).jsonObject(), accepted: requirements,
                              resource: paymentRequired.resource, extensions: paymentRequired.extensions)
    }

    /// Updates the local record after a successful refund (protocol.md B.15.6): a full refund (`amount == nil`)
    /// deletes the record; a partial one subtracts `amount` from the local balance and deletes the record once
    /// `balance ≤ charged`. A failed `response` changes nothing.
    public func applyRefund(_ response: SettleResponse, for requirements: PaymentRequirements, amount: UInt128?) async throws {
        guard response.success else { return }
        let t = try target(requirements)
        guard let amount else {
            try await storage.delete(t.key)
            return
        }
        guard var record = try await storage.channel(t.key) else { return }
        if let balance = record.balance {
            let remaining = balance - min(balance, amount)
            if remaining <= record.chargedCumulativeAmount {
                try await storage.delete(t.key)
                return
            }
            record.balance = remaining
        }
        try await storage.save(record)
    }

    /// The whole cooperative refund over HTTP (protocol.md B.15.6): probes `url` without payment (expects a 402
    /// offering `batch-settlement`), sends the refund payload in `PAYMENT-SIGNATURE`, applies a successful
    /// `PAYMENT-RESPONSE`, and after a corrective 402 resynchronizes and retries once (two attempts in all).
    ///
    /// - Returns: the seller's successful `PAYMENT-RESPONSE`.
    /// - Throws: ``BatchSettlementClientError/refundFailed(_:)`` for a failed or non-recoverable answer
    ///   (`refund_no_balance`, `refund_amount_invalid`), and the errors of ``refundPayload(for:amount:requestURL:)``.
    public func refund(url: String, amount: UInt128? = nil, transport: RefundTransport) async throws -> SettleResponse {
        let probe = try await transport(url, [:])
        guard probe.status == 402 else { throw BatchSettlementClientError.refundFailed("probe expected 402, got \(probe.status)") }
        let paymentRequired = try Self.paymentRequired(probe)
        for attempt in 1...2 {
            let payload = try await refundPaymentPayload(for: paymentRequired, amount: amount, requestURL: url)
            let header = try HeaderCodec.encodePaymentSignature(payload)
            let answer = try await transport(url, [X402Header.paymentSignature: header])
            if let text = X402Header.value(of: X402Header.paymentResponse, in: answer.headers) {
                let settle: SettleResponse
                do { settle = try HeaderCodec.decodePaymentResponse(text) } catch {
                    throw BatchSettlementClientError.refundFailed("undecodable PAYMENT-RESPONSE")
                }
                guard settle.success, answer.status != 402 else {
                    throw BatchSettlementClientError.refundFailed(settle.errorReason.map { "\($0)" } ?? "unsuccessful refund (status \(answer.status))")
                }
                try await applyRefund(settle, for: payload.accepted, amount: amount)
                return settle
            }
            guard answer.status == 402 else {
                throw BatchSettlementClientError.refundFailed("status \(answer.status) without PAYMENT-RESPONSE")
            }
            let corrective = try Self.paymentRequired(answer)
            let error = corrective.error ?? ""
            if error == BatchSettlementErrorCode.refundNoBalance.rawValue || error == BatchSettlementErrorCode.refundAmountInvalid.rawValue {
                throw BatchSettlementClientError.refundFailed(error)
            }
            guard attempt < 2 else { break }
            // Best effort, as in the SDK: a failed resync still allows the one retry.
            do { try await recover(from: corrective) } catch {
                logger.warning("refund resync failed", metadata: ["error": "\(error)"])
            }
        }
        throw BatchSettlementClientError.refundFailed("the seller answered 402 after 2 attempts")
    }

    private static func paymentRequired(_ response: RefundHTTPResponse) throws -> PaymentRequired {
        guard let text = X402Header.value(of: X402Header.paymentRequired, in: response.headers) else {
            throw BatchSettlementClientError.refundFailed("402 without PAYMENT-REQUIRED")
        }
        do { return try HeaderCodec.decodePaymentRequired(text) } catch {
            throw BatchSettlementClientError.refundFailed("undecodable PAYMENT-REQUIRED")
        }
    }
}
