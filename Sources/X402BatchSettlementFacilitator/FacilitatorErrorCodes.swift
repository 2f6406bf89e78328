import X402BatchSettlement
import X402Core

/// Codes this facilitator emits beyond the SDK 2.25 set (``BatchSettlementErrorCode``), from the newer
/// spec and the fixes of x402 PRs #3092/#3096. Same prefix, same wire form.
public enum BatchSettlementFacilitatorErrorCode: String, CaseIterable, Sendable {
    /// A settle transaction was mined but its receipt has no `Settled` event for the receiver and token:
    /// reported as a failure, never as success (fail closed).
    case settledEventMismatch = "invalid_batch_settlement_evm_settled_event_mismatch"
    /// A refund transaction was mined but its receipt has no `Refunded` event for the channel.
    case refundedEventMismatch = "invalid_batch_settlement_evm_refunded_event_mismatch"
    /// A claim or refund needs the facilitator's receiver-authorizer signature, but the caller is not
    /// authenticated as the owner of the channel's receiver (spec v1.1: delegated signing only for the seller).
    case unauthorizedCaller = "invalid_batch_settlement_evm_unauthorized_caller"
    /// Every row of a claim batch failed simulation (the failing channel ids are in `extra.failedChannels`).
    case claimRowsFailed = "invalid_batch_settlement_evm_claim_rows_failed"
}

extension ErrorReason {
    init(_ code: BatchSettlementFacilitatorErrorCode) { self.init(rawValue: code.rawValue) }
}

extension SettleResponse {
    /// A failure carrying scheme data (e.g. the failing channels of a claim batch).
    static func failure(_ reason: ErrorReason, message: String? = nil, network: Network, extra: JSONObject) -> SettleResponse {
        var response = SettleResponse.failure(reason, message: message, network: network)
        response.extra = extra
        return response
    }
}
