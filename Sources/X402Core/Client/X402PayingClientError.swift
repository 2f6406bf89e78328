/// Why a paying HTTP wrapper (``PaymentFlow`` over AsyncHTTPClient or URLSession) gave up.
///
/// A client scheme's own error while building a payment (e.g. a spend limit of the batch-settlement
/// scheme) is not wrapped in this type: the wrappers rethrow it unchanged so the caller sees which limit
/// refused.
public struct X402PayingClientError: Error, Sendable, CustomStringConvertible {
    /// The failure class.
    public enum Kind: Sendable, Equatable {
        /// The 402 offered nothing this client may pay: no registered scheme and network, no allowed
        /// network, or every amount above the policy's cap (``underlying`` is the selection's ``X402Error``).
        case noAcceptableRequirement
        /// The server still answered 402 to the paid request (after at most one corrective retry);
        /// ``serverError`` says why.
        case paidButStillPaymentRequired
        /// The request body is larger than the wrapper keeps for replaying it.
        case requestBodyTooLarge(limit: Int)
        /// The response body is larger than the wrapper collects.
        case responseBodyTooLarge(limit: Int)
        /// The request cannot be paid for as given (e.g. a streamed body that cannot be replayed, a bad URL).
        case invalidRequest
        /// The deadline of an HTTP attempt passed.
        case timedOut
        /// The HTTP exchange failed (``underlying`` is the transport's error).
        case transport
        /// The task was cancelled.
        case cancelled
    }

    /// The failure class.
    public var kind: Kind
    /// Detail.
    public var message: String
    /// The error that caused this one, if any.
    public var underlying: (any Error)?
    /// The HTTP status of the last answer, when there was one.
    public var status: Int?
    /// The decoded `PAYMENT-REQUIRED` of the last 402, when present.
    public var paymentRequired: PaymentRequired?
    /// The decoded `PAYMENT-RESPONSE` of the last answer, when present (e.g. a failed settlement).
    public var settleResponse: SettleResponse?
    /// The last payment sent, if any was: the caller may need it to reconcile.
    public var paymentPayload: PaymentPayload?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String = "", underlying: (any Error)? = nil, status: Int? = nil,
                paymentRequired: PaymentRequired? = nil, settleResponse: SettleResponse? = nil,
                paymentPayload: PaymentPayload? = nil) {
        self.kind = kind
        self.message = message
        self.underlying = underlying
        self.status = status
        self.paymentRequired = paymentRequired
        self.settleResponse = settleResponse
        self.paymentPayload = paymentPayload
    }

    /// The server's reason for refusing a paid request: the `PAYMENT-RESPONSE` `errorReason` (failed
    /// settlement) or else the `PAYMENT-REQUIRED` `error` (failed verification).
    public var serverError: String? {
        settleResponse?.errorReason?.rawValue ?? paymentRequired?.error
    }

    /// `kind: message [server error] (underlying)`.
    public var description: String {
        var text = "x402 paying client: \(kind)"
        if !message.isEmpty { text += ": \(message)" }
        if let serverError { text += " [\(serverError)]" }
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
