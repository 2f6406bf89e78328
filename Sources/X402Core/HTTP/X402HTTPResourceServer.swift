import HTTPTypes
import Synchronization

/// A complete HTTP response produced by the x402 layer (402s, direct answers).
public struct X402HTTPResponse: Sendable, Hashable {
    /// Status.
    public var status: HTTPResponse.Status
    /// Header fields.
    public var headerFields: HTTPFields
    /// Body bytes.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: HTTPResponse.Status, headerFields: HTTPFields = HTTPFields(), body: [UInt8] = []) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
    }

    /// The response head.
    public var head: HTTPResponse { HTTPResponse(status: status, headerFields: headerFields) }
}

/// A payment verified for a request; the handler may run, then ``X402HTTPResourceServer/settle(_:responseStatus:responseHeaders:)``.
/// (Immutable; a class, so handing it from the middleware to the handler and back copies one reference.)
public final class VerifiedPayment: Sendable {
    /// Who verified the payment: the hook pipeline, or a scheme's lane (which keeps the header and its ticket).
    enum Source: Sendable {
        case pipeline(PaymentPayload, VerifyResponse)
        case lane(header: String, ticket: any PaymentLaneTicket, lane: any SchemePaymentLane)
    }

    let source: Source
    /// The server requirement it matched.
    public let requirements: PaymentRequirements
    /// Identity and scratch space of the request, shared with the scheme hooks.
    public let attempt: PaymentAttempt

    init(_ source: Source, requirements: PaymentRequirements, attempt: PaymentAttempt) {
        self.source = source
        self.requirements = requirements
        self.attempt = attempt
    }

    /// The client's payload (decoded from the header on each read when a scheme's lane verified the payment).
    public var paymentPayload: PaymentPayload {
        switch source {
        case .pipeline(let payload, _): return payload
        case .lane(let header, _, _):
            // The lane takes only headers that decode (its contract); the fallback keeps this total.
            return (try? HeaderCodec.decodePaymentSignature(header)) ?? PaymentPayload(payload: [:], accepted: requirements)
        }
    }

    /// The verification result (payer, extra).
    public var verifyResponse: VerifyResponse {
        switch source {
        case .pipeline(_, let response): response
        case .lane(_, let ticket, _): ticket.verifyResponse
        }
    }

    /// The hook context of this payment.
    public var context: PaymentContext { PaymentContext(paymentPayload: paymentPayload, requirements: requirements, attempt: attempt) }
}

/// What to do with a request (protocol.md A.2).
public enum PaymentDecision: Sendable {
    /// The route is not protected: run the handler as usual.
    case passThrough
    /// Answer this 402 (`PAYMENT-REQUIRED`) and do not run the handler.
    case paymentRequired(X402HTTPResponse)
    /// Answer this response without running the handler (a scheme answered directly, e.g. a refund,
    /// or the route could not be priced).
    case respond(X402HTTPResponse)
    /// Run the handler, then settle with ``X402HTTPResourceServer/settle(_:responseStatus:responseHeaders:)``.
    case proceed(VerifiedPayment)
}

/// A successful settlement: its result and the header fields it adds to the handler's response.
public struct Settlement: Sendable {
    enum Result: Sendable {
        case response(SettleResponse)
        case lane(any PaymentLaneTicket)
    }

    let result: Result
    /// `PAYMENT-RESPONSE` and `Cache-Control` (with `private`): set them on the handler's response, replacing existing
    /// values.
    public var headerFields: HTTPFields

    /// The settlement result (built when read for a payment a scheme's lane settled).
    public var response: SettleResponse {
        switch result {
        case .response(let response): response
        case .lane(let ticket): ticket.settleResponse
        }
    }
}

/// Result of settling after the handler.
public enum SettlementOutcome: Sendable {
    /// Settled: set ``Settlement/headerFields`` on the handler's response.
    case settled(Settlement)
    /// Settlement failed: send this 402 (with `PAYMENT-RESPONSE` `success:false`) instead of the handler's response.
    case failed(SettleResponse, response: X402HTTPResponse)
    /// The handler failed (status ≥ 400): nothing was charged, send its response unchanged.
    case notSettled
}

/// The HTTP side of the resource server, framework-agnostic (Python `x402HTTPResourceServer`): a route
/// table, request → ``PaymentDecision``, and settlement after the handler. Built on swift-http-types so
/// framework adapters (Hummingbird) convert nothing.
public final class X402HTTPResourceServer: Sendable {
    /// The payment logic.
    public let server: X402ResourceServer
    /// The protected routes.
    public let routes: RouteTable
    /// Each route's built requirements (by route index), valid for one ``X402ResourceServer`` requirements generation.
    private let requirementsCache: Mutex<(generation: UInt64, byRoute: [Int: RouteRequirements])>

    /// Creates the HTTP layer over `server`.
    public init(server: X402ResourceServer, routes: RouteTable) {
        self.server = server
        self.routes = routes
        requirementsCache = Mutex((0, [:]))
    }

    /// Initializes the resource server (facilitator `/supported`), then checks every route option has a
    /// registered scheme and a facilitator.
    public func initialize() async throws(X402Error) {
        try await server.initialize()
        var problems: [String] = []
        var reason = ErrorReason.missingFacilitator
        for route in routes.routes {
            for option in route.config.accepts {
                if server.scheme(option.scheme, network: option.network) == nil {
                    problems.append("route '\(route.pattern)': no scheme '\(option.scheme)' registered for \(option.network)")
                    reason = .missingScheme
                } else if server.supportedKind(scheme: option.scheme, network: option.network) == nil {
                    problems.append("route '\(route.pattern)': facilitator does not support '\(option.scheme)' on \(option.network)")
                }
            }
        }
        guard problems.isEmpty else { throw X402Error(reason, problems.joined(separator: "; ")) }
    }

    /// Decides what to do with `request` (protocol.md A.2): pass through, answer a 402, answer directly,
    /// or let the handler run with a verified payment.
    ///
    /// - Parameter resourceURL: `ResourceInfo.url` when the route sets none; default: built from the
    ///   request's scheme, authority and path.
    nonisolated(nonsending) public func processRequest(_ request: HTTPRequest, resourceURL: String? = nil) async -> PaymentDecision {
        let target = request.path ?? "/"
        guard let route = routes.match(method: request.method, path: target) else { return .passThrough }
        let config = route.config

        let header = request.headerFields.first(where: { $0.name == .paymentSignature })?.value
        let built: RouteRequirements
        do {
            // Built once per server generation: the cached ones without a suspension point.
            if let cached = cachedRequirements(route) { built = cached } else { built = try await routeRequirements(route) }
        } catch {
            return .respond(Self.json(.internalServerError, ["error": "Failed to process request"]))
        }
        let requirements = built.requirements

        // Every 402 of this route: its requirements and resource, the error, and (for a failed
        // verification) the payload, so a scheme can enrich the answer (corrective 402, B.12).
        func paymentRequired(_ error: String, body: DirectResponse? = nil, payload: PaymentPayload? = nil,
                             attempt: PaymentAttempt? = nil) async -> PaymentDecision {
            // Built only for a 402 (a paid request never needs it).
            let resource = ResourceInfo(url: config.resource ?? resourceURL ?? Self.url(of: request),
                                        description: config.description ?? "", mimeType: config.mimeType ?? "")
            let required = await server.createPaymentRequired(requirements, resource: resource, error: error,
                                                              extensions: config.extensions, paymentPayload: payload,
                                                              attempt: attempt)
            return .paymentRequired(Self.paymentRequired(required, body: body))
        }

        if let header, let lane = await laneDecision(header, built) {
            switch lane {
            case .verified(let payment): return .proceed(payment)
            case .refused(let reason, let attempt):
                return await paymentRequired(reason.rawValue, payload: try? HeaderCodec.decodePaymentSignature(header), attempt: attempt)
            }
        }

        // Malformed, oversized (HeaderCodec's 64 KiB cap) or v1 payloads count as no payment (A.2).
        guard let payload = header.flatMap({ try? HeaderCodec.decodePaymentSignature($0) }) else {
            return await paymentRequired("Payment required", body: config.unpaidResponseBody)
        }
        guard let matched = server.findMatchingRequirements(requirements, for: payload) else {
            return await paymentRequired("No matching payment requirements")
        }

        let attempt = PaymentAttempt()
        let context = PaymentContext(paymentPayload: payload, requirements: matched, attempt: attempt)
        let verification: VerificationResult
        do {
            verification = try await server.verifyPayment(context)
        } catch {
            return await paymentRequired(error.reason.rawValue, payload: payload, attempt: attempt)
        }
        guard verification.isValid else {
            let reason = verification.response.invalidReason ?? .invalidPayment
            return await paymentRequired(reason.rawValue, payload: payload, attempt: attempt)
        }
        let verified = VerifiedPayment(.pipeline(payload, verification.response), requirements: matched, attempt: attempt)
        guard let direct = verification.directResponse else { return .proceed(verified) }

        // A scheme answered without the handler (B.11 step 2, refunds): settle now.
        switch await settle(verified, effectiveRequirements: matched) {
        case .failed(_, let response): return .respond(response)
        case .notSettled: return .respond(Self.json(.internalServerError, ["error": "Failed to process request"]))
        case .settled(let settlement):
            var headers = HTTPFields()
            headers[.contentType] = direct.contentType
            for field in settlement.headerFields { headers[field.name] = field.value }
            headers[.cacheControl] = Self.withPrivate(nil)
            return .respond(X402HTTPResponse(status: .ok, headerFields: headers, body: direct.body))
        }
    }

    /// The route's requirements: built once per server generation (routes are immutable; prices, schemes and the
    /// facilitators' kinds change only by registering or initializing again), rebuilt on every request while
    /// building fails.
    private func cachedRequirements(_ route: RouteTable.Route) -> RouteRequirements? {
        let generation = server.requirementsGeneration
        return requirementsCache.withLock { $0.generation == generation ? $0.byRoute[route.index] : nil }
    }

    private func routeRequirements(_ route: RouteTable.Route) async throws(X402Error) -> RouteRequirements {
        let generation = server.requirementsGeneration
        if let cached = cachedRequirements(route) { return cached }
        let built = RouteRequirements(try await server.buildPaymentRequirements(route.config.accepts), server: server)
        requirementsCache.withLock { cache in
            guard generation >= cache.generation else { return }
            if cache.generation != generation { cache = (generation, [:]) }
            cache.byRoute[route.index] = built
        }
        return built
    }

    /// Settles a verified payment after the handler answered `responseStatus` with `responseHeaders`.
    ///
    /// Always strips `Settlement-Overrides` from `responseHeaders`. A status ≥ 400 settles nothing (the
    /// scheme's cancellation hook runs); otherwise the overrides are applied to the amount (B.14) and
    /// the payment is settled.
    nonisolated(nonsending) public func settle(_ payment: VerifiedPayment, responseStatus: HTTPResponse.Status,
                                               responseHeaders: inout HTTPFields) async -> SettlementOutcome {
        // Looked up without building the list of values (most responses carry no override).
        let overrideValue = responseHeaders.first(where: { $0.name == .settlementOverrides })?.value
        let override = overrideValue.flatMap { SettlementOverrides(headerValue: $0)?.amount }
        if overrideValue != nil { responseHeaders[.settlementOverrides] = nil }
        guard responseStatus.code < 400 else {
            await cancel(payment, reason: .handlerFailed(status: responseStatus.code))
            return .notSettled
        }
        var effective = payment.requirements
        if let override {
            let decimals = server.scheme(effective.scheme, network: effective.network)?
                .assetDecimals(asset: effective.asset, network: effective.network)
            do {
                effective.amount = try Self.resolveOverride(override, price: effective.amount, decimals: decimals)
            } catch {
                await cancel(payment, reason: .settlementNotStarted)
                return Self.settlementFailure(.failure(error.reason, message: error.message, network: effective.network))
            }
        }
        return await settle(payment, effectiveRequirements: effective, cacheControl: Self.withPrivate(responseHeaders[.cacheControl]))
    }

    /// The actual charge: `override` (B.14) applied to the atomic `price`, exactly, in integers.
    static func resolveOverride(_ override: String, price: String, decimals: Int?) throws(X402Error) -> String {
        guard let value = try? UInt256(decimal: price) else {
            throw X402Error(.invalidPaymentRequirements, "price '\(price)' is not an atomic amount")
        }
        do {
            return try SettlementOverrides.resolve(override, price: value, decimals: decimals).description
        } catch {
            throw X402Error(.invalidPaymentRequirements, "invalid settlement override '\(override)': \(error)", underlying: error)
        }
    }

    /// Tells the scheme that the handler threw, so a verified payment is released without settlement.
    public func handlerThrew(_ payment: VerifiedPayment) async {
        await cancel(payment, reason: .handlerThrew)
    }

    /// Releases a verified payment that will not be settled, through whoever verified it.
    private func cancel(_ payment: VerifiedPayment, reason: PaymentCancellation) async {
        switch payment.source {
        case .pipeline: await server.cancelPayment(payment.context, reason: reason)
        case .lane(_, let ticket, let lane): await lane.laneCancel(ticket, reason: reason)
        }
    }

    /// Settles `payment` for `effectiveRequirements`; a success's fields are `PAYMENT-RESPONSE` and, when given,
    /// `Cache-Control: cacheControl`.
    nonisolated(nonsending) private func settle(_ payment: VerifiedPayment, effectiveRequirements: PaymentRequirements,
                                                cacheControl: String? = nil) async -> SettlementOutcome {
        let result: SettleResponse
        do {
            switch payment.source {
            case .pipeline(let payload, _):
                result = try await server.settlePayment(PaymentContext(paymentPayload: payload, requirements: effectiveRequirements,
                                                                       attempt: payment.attempt))
            case .lane(_, let ticket, let lane):
                // The lane writes the header; the result is built only when asked for.
                let header = try await lane.laneSettle(ticket, requirements: effectiveRequirements)
                return .settled(Settlement(result: .lane(ticket), headerFields: Self.settledFields(header, cacheControl: cacheControl)))
            }
        } catch {
            return Self.settlementFailure(.failure(error.reason, message: error.message.isEmpty ? nil : error.message,
                                                   network: effectiveRequirements.network))
        }
        guard result.success else { return Self.settlementFailure(result) }
        guard let header = try? HeaderCodec.encodePaymentResponse(result) else {
            return Self.settlementFailure(.failure(.invalidEncoding, message: "cannot encode PAYMENT-RESPONSE",
                                                   network: effectiveRequirements.network))
        }
        return .settled(Settlement(result: .response(result), headerFields: Self.settledFields(header, cacheControl: cacheControl)))
    }

    /// `PAYMENT-RESPONSE` and, when given, `Cache-Control`, in a list sized once (the literal's initializer appends
    /// without the generic `replaceSubrange` of `append(_:)`).
    static func settledFields(_ paymentResponse: String, cacheControl: String?) -> HTTPFields {
        guard let cacheControl else { return [.paymentResponse: paymentResponse] }
        return [.paymentResponse: paymentResponse, .cacheControl: cacheControl]
    }

    // MARK: Response shapes (protocol.md A.2)

    /// 402 with `PAYMENT-REQUIRED`, `Content-Type: application/json`, `Cache-Control: no-store`, body `{}`.
    static func paymentRequired(_ required: PaymentRequired, body: DirectResponse?) -> X402HTTPResponse {
        guard let header = try? HeaderCodec.encodePaymentRequired(required) else {
            return json(.internalServerError, ["error": "Failed to process request"])
        }
        var headers = HTTPFields()
        headers[.contentType] = body?.contentType ?? "application/json"
        headers[.paymentRequired] = header
        headers[.cacheControl] = "no-store"
        return X402HTTPResponse(status: .x402PaymentRequired, headerFields: headers, body: body?.body ?? Array("{}".utf8))
    }

    /// 402 with `PAYMENT-RESPONSE` (`success:false`), `Cache-Control: no-store`, body `{}`.
    static func settlementFailure(_ result: SettleResponse) -> SettlementOutcome {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let header = try? HeaderCodec.encodePaymentResponse(result) { headers[.paymentResponse] = header }
        headers[.cacheControl] = "no-store"
        return .failed(result, response: X402HTTPResponse(status: .x402PaymentRequired, headerFields: headers, body: Array("{}".utf8)))
    }

    static func json(_ status: HTTPResponse.Status, _ body: JSONValue) -> X402HTTPResponse {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return X402HTTPResponse(status: status, headerFields: headers, body: JSONSerializer.serialize(body))
    }

    /// `value` with the `private` directive added (`"private"` when absent).
    static func withPrivate(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return "private" }
        let directives = value.split(separator: ",").map { $0.trimmingCharacters(in: " \t").lowercased() }
        return directives.contains("private") ? value : value + ", private"
    }

    static func url(of request: HTTPRequest) -> String {
        let path = request.path ?? "/"
        guard let authority = request.authority else { return path }
        return "\(request.scheme ?? "http")://\(authority)\(path)"
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}
