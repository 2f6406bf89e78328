/// A payment a scheme's lane verified and holds (batch-settlement: the channel's reservation), until
/// ``SchemePaymentLane/laneSettle(_:requirements:)`` or ``SchemePaymentLane/laneCancel(_:reason:)``.
public protocol PaymentLaneTicket: Sendable {
    /// The verification result, as the hook pipeline would have returned it (built when asked for).
    var verifyResponse: VerifyResponse { get }
    /// After ``SchemePaymentLane/laneSettle(_:requirements:)`` succeeded: the settlement result, as the hook pipeline
    /// would have returned it (built when asked for).
    var settleResponse: SettleResponse { get }
}

/// What a scheme's lane made of a payment.
public enum LaneVerification: Sendable {
    /// Verified: the handler may run, then the lane settles or cancels the ticket.
    case verified(any PaymentLaneTicket)
    /// Refused with the protocol's `reason`, exactly as the hook pipeline would refuse it (the 402 is built by the
    /// resource server, with the request's attempt for a corrective answer).
    case refused(ErrorReason, message: String?)
}

/// A scheme's short way for its most common payment, beside the hook pipeline of ``X402ResourceServer`` (the seller's
/// local fast path: a batch-settlement voucher is checked with one signature recovery and answered from its own
/// storage, where the pipeline would build JSON trees and run every hook).
///
/// ``X402HTTPResourceServer`` offers a payment to the lane only when the resource server has no server-level hook,
/// the `PAYMENT-SIGNATURE` is plain ASCII JSON with `accepted` equal to one of the route's requirements (as the
/// server wrote it, give or take whitespace), and its `x402Version`, `resource` and `payload` keys are of the common
/// shapes. A lane must give the outcome the pipeline would: it answers `nil` for anything it does not take, and then
/// must have changed nothing.
public protocol SchemePaymentLane: SchemeNetworkServer {
    /// What the lane reads from `requirements` once, when the resource server builds a route's requirements (passed
    /// back to ``laneVerify(payload:requirements:prepared:attempt:)``); `nil`: the lane takes no payment for them.
    func lanePrepare(_ requirements: PaymentRequirements) -> (any Sendable)?
    /// Verifies the payment whose `payload` object is `payload` (ASCII JSON, not yet validated) against
    /// `requirements`; `nil` hands it to the hook pipeline.
    nonisolated(nonsending) func laneVerify(payload: ArraySlice<UInt8>, requirements: PaymentRequirements, prepared: any Sendable,
                    attempt: PaymentAttempt) async -> LaneVerification?
    /// Settles a payment the lane verified, for the effective `requirements` (after `Settlement-Overrides`), and
    /// returns its `PAYMENT-RESPONSE` value (byte for byte what ``HeaderCodec`` makes of the ticket's
    /// ``PaymentLaneTicket/settleResponse``); throws the failure the pipeline would report.
    nonisolated(nonsending) func laneSettle(_ ticket: any PaymentLaneTicket, requirements: PaymentRequirements) async throws(X402Error) -> String
    /// Releases a payment the lane verified that will not be settled.
    nonisolated(nonsending) func laneCancel(_ ticket: any PaymentLaneTicket, reason: PaymentCancellation) async
}
