/// What a client scheme gets to build one payment.
public struct PaymentPayloadContext: Sendable {
    /// The 402 answer being paid.
    public var paymentRequired: PaymentRequired
    /// The server's declared extensions (`PaymentRequired.extensions`).
    public var extensions: JSONObject?
    /// The client's spend cap in atomic units of the chosen asset, when its policy sets one.
    public var maxAmountPerPayment: String?
    /// The URL the client actually requested (set by HTTP wrappers): the trustworthy origin, unlike the
    /// seller-supplied `resource.url`.
    public var requestURL: String?

    /// Creates a context.
    public init(paymentRequired: PaymentRequired, extensions: JSONObject? = nil, maxAmountPerPayment: String? = nil,
                requestURL: String? = nil) {
        self.paymentRequired = paymentRequired
        self.extensions = extensions
        self.maxAmountPerPayment = maxAmountPerPayment
        self.requestURL = requestURL
    }
}

/// The scheme part of a `PaymentPayload`.
public struct SchemePayload: Sendable, Equatable {
    /// The scheme-specific `payload` object.
    public var payload: JSONObject
    /// Extension data the scheme adds (merged over the server's declared extensions).
    public var extensions: JSONObject?

    /// Creates a scheme payload.
    public init(payload: JSONObject, extensions: JSONObject? = nil) {
        self.payload = payload
        self.extensions = extensions
    }
}

/// The server's answer to a paid request, as a client scheme sees it (protocol.md A.10 step 3).
public struct PaymentResponseContext: Sendable {
    /// The payload that was sent.
    public var paymentPayload: PaymentPayload
    /// The requirement it paid.
    public var requirements: PaymentRequirements
    /// The decoded `PAYMENT-RESPONSE`, when present.
    public var settleResponse: SettleResponse?
    /// The decoded `PAYMENT-REQUIRED` of a 402 answer (a corrective 402), when present.
    public var paymentRequired: PaymentRequired?
    /// The HTTP status of the answer.
    public var status: Int?
    /// The URL that was requested, when the caller knows it.
    public var requestURL: String?

    /// Creates a context.
    public init(paymentPayload: PaymentPayload, requirements: PaymentRequirements,
                settleResponse: SettleResponse? = nil, paymentRequired: PaymentRequired? = nil,
                status: Int? = nil, requestURL: String? = nil) {
        self.paymentPayload = paymentPayload
        self.requirements = requirements
        self.settleResponse = settleResponse
        self.paymentRequired = paymentRequired
        self.status = status
        self.requestURL = requestURL
    }
}

/// What the client should do after a scheme looked at the server's answer.
public enum PaymentResponseDecision: Sendable, Equatable {
    /// Nothing more to do.
    case done
    /// The scheme recovered its state (e.g. from a corrective 402): build one fresh payload from the
    /// original `PaymentRequired` and retry exactly once.
    case retryWithFreshPayload
}

/// The buyer side of a payment scheme on some networks (Python `SchemeNetworkClient`).
public protocol SchemeNetworkClient: Sendable {
    /// The scheme id, e.g. `"exact"` or `"batch-settlement"`.
    var scheme: String { get }

    /// Builds (and signs) the scheme payload for `requirements`.
    func createPaymentPayload(for requirements: PaymentRequirements, context: PaymentPayloadContext) async throws -> SchemePayload

    /// Reacts to the server's answer to a paid request; the default does nothing.
    func onPaymentResponse(_ context: PaymentResponseContext) async throws -> PaymentResponseDecision

    /// Payments with the same key must not be in flight at once (batch-settlement: one channel's cumulative
    /// vouchers); HTTP wrappers serialize them and run different keys in parallel. Default nil: no ordering.
    func serializationKey(for requirements: PaymentRequirements, requestURL: String?) -> String?
}

extension SchemeNetworkClient {
    /// Does nothing and returns ``PaymentResponseDecision/done``.
    public func onPaymentResponse(_ context: PaymentResponseContext) async throws -> PaymentResponseDecision { .done }
    /// No ordering.
    public func serializationKey(for requirements: PaymentRequirements, requestURL: String?) -> String? { nil }
}
