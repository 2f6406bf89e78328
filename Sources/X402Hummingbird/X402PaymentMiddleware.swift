import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import X402Core

/// Hummingbird middleware that sells routes for x402 payments (the seller side of protocol.md A.2), over a
/// framework-agnostic ``X402HTTPResourceServer``.
///
/// A request to a route outside the route table goes to the next responder untouched. On a protected route
/// (matched by method and path):
/// - without a valid payment, the middleware answers `402` with `PAYMENT-REQUIRED` and the handler does not run;
/// - with a verified payment, ``X402RequestContext/x402Payment`` is set and the handler runs. A response with
///   status < 400 is then settled: it gets `PAYMENT-RESPONSE` and `Cache-Control: private`, or, when settlement
///   fails, is replaced by a `402` with `PAYMENT-RESPONSE` `success:false`. A status ≥ 400 or a thrown error
///   settles nothing and releases the payment (the scheme's `onPaymentCanceled`).
///
/// The handler can lower the charge with `Response.charge(_:)`. Settlement happens before the response is sent,
/// so a streamed body is produced after the payment settled.
///
/// Call ``X402HTTPResourceServer/initialize()`` (it loads the facilitators' `/supported`) before serving;
/// until then every protected route answers `500`:
///
/// ```swift
/// let resourceServer = X402ResourceServer(facilitator: facilitatorClient).register(scheme, for: "eip155:*")
/// let payments = try X402PaymentMiddleware<X402BasicRequestContext>(
///     routes: [("GET /weather", RouteConfig(accepts: [option]))], resourceServer: resourceServer)
/// try await payments.server.initialize()
/// let router = Router(context: X402BasicRequestContext.self)
/// router.add(middleware: payments)
/// router.get("/weather") { _, context in "paid by \(context.x402Payment?.payer ?? "?")" }
/// ```
///
/// A `HEAD` request that matches no `HEAD` route is priced as `GET`: a router with `.autoGenerateHeadEndpoints`
/// answers `HEAD` with the `GET` handler, which must not run for free.
public struct X402PaymentMiddleware<Context: X402RequestContext>: RouterMiddleware {
    /// The HTTP resource server deciding, verifying and settling payments.
    public let server: X402HTTPResourceServer

    /// Middleware over `server` (its route table decides which requests are protected).
    public init(server: X402HTTPResourceServer) {
        self.server = server
    }

    /// Middleware protecting `routes` (`("METHOD /path", config)`, first match wins; see ``RouteTable``) with
    /// `resourceServer`.
    ///
    /// - Throws: A route pattern that does not compile.
    public init(routes: [(String, RouteConfig)], resourceServer: X402ResourceServer) throws(X402Error) {
        self.init(server: X402HTTPResourceServer(server: resourceServer, routes: try RouteTable(routes)))
    }

    /// Answers a protected request's payment, runs `next` for paid and unprotected requests, and settles.
    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        let decision = await server.processRequest(Self.pricedHead(request.head, routes: server.routes),
                                                   resourceURL: Self.resourceURL(request.head))
        let payment: VerifiedPayment
        switch decision {
        case .passThrough: return try await next(request, context)
        case .paymentRequired(let answer), .respond(let answer): return Self.response(answer)
        case .proceed(let verified): payment = verified
        }

        var context = context
        context.x402Payment = payment
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            await server.handlerThrew(payment)
            throw error
        }
        switch await server.settle(payment, responseStatus: response.status, responseHeaders: &response.headers) {
        case .settled(let settlement):
            // The fields are already valid: replace by appending them (setting a value would validate it again).
            for field in settlement.headerFields {
                response.headers[field.name] = nil
                response.headers.append(field)
            }
            return response
        case .failed(let result, let answer):
            // The handler's work is given away unpaid: worth a line in the seller's log.
            context.logger.warning("x402 settlement failed after the handler ran", metadata: [
                "x402.reason": "\(result.errorReason?.rawValue ?? "unknown")",
                "x402.network": "\(result.network)",
            ])
            return Self.response(answer)
        case .notSettled:
            return response
        }
    }

    /// The head the route table prices: `HEAD` becomes `GET` unless a route protects `HEAD` itself, because
    /// Hummingbird may run the `GET` handler for `HEAD` requests (`.autoGenerateHeadEndpoints`).
    static func pricedHead(_ head: HTTPRequest, routes: RouteTable) -> HTTPRequest {
        guard head.method == .head, routes.match(method: .head, path: head.path ?? "/") == nil else { return head }
        var priced = head
        priced.method = .get
        return priced
    }

    /// `http://<Host><path>` when the request has no authority but a `Host` header (requests built without
    /// Hummingbird's codecs); `nil` lets the resource server use the request's scheme and authority, so requests
    /// that carry one (HTTP/1 moves `Host` there, HTTP/2 has `:authority`) build no string here.
    static func resourceURL(_ head: HTTPRequest) -> String? {
        guard head.authority == nil, let host = head.headerFields[hostFieldName], !host.isEmpty else { return nil }
        return "\(head.scheme ?? "http")://\(host)\(head.path ?? "/")"
    }

    /// A Hummingbird response for an answer of the x402 layer.
    static func response(_ answer: X402HTTPResponse) -> Response {
        Response(status: answer.status, headers: answer.headerFields,
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}

/// `Host` (HTTPTypes names no constant for it: HTTP/1 parsing moves it into the authority).
private let hostFieldName = HTTPField.Name("Host")!
