import HTTPTypes

/// The buyer's 402 → pay → retry exchange for one request, without any HTTP client (protocol.md A.10).
///
/// Drive it with the answers the transport gets:
/// 1. Send the request unpaid and pass the answer to ``receive(status:headerFields:)``: ``Step/done``
///    (not a 402, or a 402 without a decodable `PAYMENT-REQUIRED`) hands the answer to the caller unchanged;
///    ``Step/payment(serializationKey:)`` means a requirement was chosen.
/// 2. While holding the key's turn (``PaymentSerializer``), call ``pay()`` and resend the request with
///    `PAYMENT-SIGNATURE`; pass the answer to ``receive(status:headerFields:)`` again.
/// 3. ``Step/send(_:header:)`` (the scheme recovered from a corrective 402) asks for one resend with a fresh
///    payload built from the original `PaymentRequired`; there is never a second corrective retry.
///
/// A 402 to a paid request that the scheme does not recover from throws
/// ``X402PayingClientError/Kind/paidButStillPaymentRequired``. ``run(client:serializer:requestURL:send:)``
/// does all of this over a send closure; the HTTP adapters are that closure.
public struct PaymentFlow: Sendable {
    /// What to do next.
    public enum Step: Sendable, Equatable {
        /// Hand the last answer to the caller.
        case done
        /// A payment is needed: call ``PaymentFlow/pay()`` while holding this key's turn (nil: no ordering).
        case payment(serializationKey: String?)
        /// Send the request again with `PAYMENT-SIGNATURE: header`.
        case send(PaymentPayload, header: String)
    }

    private enum Phase: Sendable {
        case unpaid, selected, paid, retried, finished
    }

    /// The buyer role that selects, builds and reacts to payments.
    public let client: X402Client
    /// The URL actually requested, passed to the schemes.
    public let requestURL: String?
    /// The `PaymentRequired` of the first 402: every payload, the corrective retry's too, is built from it.
    public private(set) var paymentRequired: PaymentRequired?
    /// The requirement chosen from ``paymentRequired`` (after a fallback: the one paid).
    public private(set) var requirements: PaymentRequirements?
    /// The payable requirements best first, for a fallback (``PaymentSelectionPolicy/fallBackWhenSchemeRefuses``).
    private var ranked: [PaymentRequirements] = []
    /// The last payment sent.
    public private(set) var paymentPayload: PaymentPayload?
    /// The decoded `PAYMENT-RESPONSE` of the last paid answer.
    public private(set) var settleResponse: SettleResponse?
    /// Corrective retries made (0 or 1).
    public private(set) var correctiveRetries = 0
    private var phase = Phase.unpaid

    /// A flow for one request.
    public init(client: X402Client, requestURL: String?) {
        self.client = client
        self.requestURL = requestURL
    }

    /// Looks at an answer: the unpaid request's first, then each paid one's.
    ///
    /// A non-402 answer to a paid request is final even if the scheme asks for a retry (the resource was
    /// served; paying again could only pay twice).
    public mutating func receive(status: HTTPResponse.Status, headerFields: HTTPFields) async throws -> Step {
        switch phase {
        case .unpaid:
            return try receiveUnpaid(status: status, headerFields: headerFields)
        case .paid, .retried:
            return try await receivePaid(status: status, headerFields: headerFields)
        case .selected, .finished:
            preconditionFailure("PaymentFlow.receive called in phase \(phase)")
        }
    }

    /// Builds the first payment for the chosen requirement. A scheme's error (e.g. a spend limit) is
    /// thrown unchanged.
    public mutating func pay() async throws -> (payload: PaymentPayload, header: String) {
        precondition(phase == .selected, "PaymentFlow.pay called in phase \(phase)")
        let built = try await buildPayment()
        phase = .paid
        return built
    }

    private mutating func receiveUnpaid(status: HTTPResponse.Status, headerFields: HTTPFields) throws -> Step {
        // Not an x402 402 (no or an undecodable PAYMENT-REQUIRED): the caller gets the answer as it is.
        guard status.code == 402, let required = try? X402Client.paymentRequired(from: headerFields) else {
            phase = .finished
            return .done
        }
        let selected: PaymentRequirements
        do {
            ranked = try client.rankRequirements(required)
            selected = ranked[0]
        } catch {
            phase = .finished
            throw X402PayingClientError(.noAcceptableRequirement, error.message, underlying: error, status: 402,
                                        paymentRequired: required)
        }
        paymentRequired = required
        requirements = selected
        phase = .selected
        return .payment(serializationKey: client.serializationKey(for: selected, requestURL: requestURL))
    }

    private mutating func receivePaid(status: HTTPResponse.Status, headerFields: HTTPFields) async throws -> Step {
        guard let payload = paymentPayload else { preconditionFailure("paid phase without a payload") }
        settleResponse = headerFields[HTTPField.Name.paymentResponse].flatMap { try? HeaderCodec.decodePaymentResponse($0) }
        let decision = try await client.handlePaymentResponse(for: payload, status: status, headerFields: headerFields,
                                                              requestURL: requestURL)
        // A non-402 answer is final (the resource was served); only a 402 may be retried, and only once.
        guard status.code == 402 else {
            phase = .finished
            return .done
        }
        if decision == .retryWithFreshPayload, phase == .paid {
            correctiveRetries += 1
            let built = try await buildPayment()
            phase = .retried
            return .send(built.payload, header: built.header)
        }
        phase = .finished
        let required = headerFields[HTTPField.Name.paymentRequired].flatMap { try? HeaderCodec.decodePaymentRequired($0) }
        let message = decision == .retryWithFreshPayload
            ? "the server refused the payment again after a corrective retry"
            : "the server refused the payment"
        throw X402PayingClientError(.paidButStillPaymentRequired, message, status: 402, paymentRequired: required,
                                    settleResponse: settleResponse, paymentPayload: payload)
    }

    /// A fresh payload for the chosen requirement of the original `PaymentRequired` and its header value.
    /// The first payment may fall back to the next requirement when the policy says so; a corrective retry stays on
    /// the requirement paid.
    private mutating func buildPayment() async throws -> (payload: PaymentPayload, header: String) {
        guard let paymentRequired, let requirements else { preconditionFailure("no requirement chosen") }
        let payload: PaymentPayload
        if phase == .selected {
            let ranked = [requirements] + self.ranked.filter { $0 != requirements }
            let built = try await client.buildPaymentPayload(for: paymentRequired, ranked: ranked, requestURL: requestURL)
            payload = built.payload
            self.requirements = built.requirements
        } else {
            payload = try await client.buildPaymentPayload(for: paymentRequired, requirements: requirements, requestURL: requestURL)
        }
        let header: String
        do {
            header = try HeaderCodec.encodePaymentSignature(payload)
        } catch {
            throw X402Error(.invalidEncoding, "cannot encode PAYMENT-SIGNATURE", underlying: error)
        }
        paymentPayload = payload
        settleResponse = nil
        return (payload, header)
    }
}

/// What ``PaymentFlow/run(client:serializer:requestURL:send:)`` hands back.
public struct PaymentFlowResult<Response: Sendable>: Sendable {
    /// The last answer (the only one when no payment was asked).
    public var response: Response
    /// The last payment sent; nil when the request passed through unpaid.
    public var paymentPayload: PaymentPayload?
    /// The decoded `PAYMENT-RESPONSE` of the last answer to a paid request.
    public var settleResponse: SettleResponse?

    /// Creates a result.
    public init(response: Response, paymentPayload: PaymentPayload?, settleResponse: SettleResponse?) {
        self.response = response
        self.paymentPayload = paymentPayload
        self.settleResponse = settleResponse
    }
}

extension PaymentFlow {
    /// One HTTP answer as the flow needs it: the transport's own response plus its status and headers.
    public typealias Answer<Response> = (response: Response, status: HTTPResponse.Status, headerFields: HTTPFields)

    /// The whole exchange over `send`, which sends the request (the same body every time) with
    /// `PAYMENT-SIGNATURE: paymentSignature` when that is non-nil.
    ///
    /// The unpaid request runs freely; building the payment, the paid request and a corrective retry run
    /// under the serialization key's turn in `serializer`, so payments of one key are never in flight
    /// together. Errors of `send` and a scheme's refusal to build a payment are thrown unchanged; a failing
    /// `onPaymentResponse` comes as the ``X402Error`` of ``X402Client/handlePaymentResponse(for:status:headerFields:requestURL:)``.
    public static func run<Response: Sendable>(
        client: X402Client, serializer: PaymentSerializer, requestURL: String?,
        send: (_ paymentSignature: String?) async throws -> Answer<Response>
    ) async throws -> PaymentFlowResult<Response> {
        var flow = PaymentFlow(client: client, requestURL: requestURL)
        let first = try await send(nil)
        guard case .payment(let key) = try await flow.receive(status: first.status, headerFields: first.headerFields) else {
            return PaymentFlowResult(response: first.response, paymentPayload: nil, settleResponse: nil)
        }
        // The flow is a value: move it into the turn and back out.
        let (answer, finished) = try await serializer.withTurn(for: key) { () async throws -> (Response, PaymentFlow) in
            var paying = flow
            var header = try await paying.pay().header
            while true {
                let answer = try await send(header)
                switch try await paying.receive(status: answer.status, headerFields: answer.headerFields) {
                case .done, .payment:
                    return (answer.response, paying)
                case .send(_, let fresh):
                    header = fresh
                }
            }
        }
        flow = finished
        return PaymentFlowResult(response: answer, paymentPayload: flow.paymentPayload, settleResponse: flow.settleResponse)
    }
}
