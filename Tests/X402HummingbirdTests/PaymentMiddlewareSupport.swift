import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import X402Core
import X402Hummingbird

/// The seller side of the test scheme `fake`: prices are explicit asset amounts; records every cancellation.
final class SellerFakeScheme: SchemeNetworkServer {
    let scheme = "fake"
    private let canceled = Mutex<[PaymentCancellation]>([])

    /// The reasons `onPaymentCanceled` was called with, in order.
    var cancellations: [PaymentCancellation] { canceled.withLock { $0 } }

    func parsePrice(_ price: Price, network: Network) throws -> AssetAmount {
        guard case .assetAmount(let amount) = price else { throw TestFailure("fake prices are asset amounts") }
        return amount
    }

    func assetDecimals(asset: String, network: Network) -> Int? { 6 }

    func onPaymentCanceled(_ context: PaymentContext, reason: PaymentCancellation) async {
        canceled.withLock { $0.append(reason) }
    }
}

/// The facilitator side of `fake`, answering from the payload's `signature`: `good` pays, `settle-fails` verifies
/// but cannot settle, anything else is invalid. Records the amount of every settlement it is asked for.
final class LedgerFakeScheme: SchemeNetworkFacilitator {
    let scheme = "fake"
    let caipFamily = "eip155:*"
    private let settlements = Mutex<[String]>([])

    /// The requirement amounts `/settle` was called with, in order.
    var settledAmounts: [String] { settlements.withLock { $0 } }

    func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> VerifyResponse {
        switch payload.payload["signature"] {
        case .string("good")?, .string("settle-fails")?: VerifyResponse(isValid: true, payer: "0xBuyer")
        default: .invalid("invalid_fake_signature", message: "bad signature")
        }
    }

    func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> SettleResponse {
        settlements.withLock { $0.append(requirements.amount) }
        guard payload.payload["signature"] == "good" else {
            return .failure("insufficient_funds", message: "empty wallet", network: requirements.network)
        }
        return SettleResponse(success: true, payer: "0xBuyer", transaction: settledHash, network: requirements.network,
                              amount: requirements.amount)
    }
}

/// What the shop's handlers saw: the payment in the context of every run, by `METHOD /path`.
final class HandlerLog: Sendable {
    private let runs = Mutex<[(path: String, payment: VerifiedPayment?)]>([])

    func record(_ path: String, _ payment: VerifiedPayment?) { runs.withLock { $0.append((path, payment)) } }
    /// `METHOD /path` of every handler run, in order.
    var paths: [String] { runs.withLock { $0.map(\.path) } }
    /// The payment of the last run.
    var lastPayment: VerifiedPayment? { runs.withLock { $0.last?.payment } }
}

struct HandlerFailure: Error {}

/// A shop selling a few routes for 1000 atomic units of `fake` through an in-process facilitator.
///
/// Handlers: `GET /free` (not sold), `GET /paid`, `GET /half` (charges 50%), `GET /broken` (answers 500),
/// `GET /throws`, `GET /x` (not sold) and `POST /x` (sold).
struct Shop {
    static let price = "1000"
    static let asset = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
    static let payTo = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"

    let seller = SellerFakeScheme()
    let ledger = LedgerFakeScheme()
    let log = HandlerLog()
    let middleware: X402PaymentMiddleware<X402BasicRequestContext>

    init(initialize: Bool = true) async throws {
        let facilitator = X402Facilitator().register(ledger, networks: [fakeNetwork])
        let resourceServer = X402ResourceServer(facilitator: LocalFacilitatorClient(facilitator)).register(seller, for: "eip155:*")
        let option = PaymentOption(scheme: "fake", price: .assetAmount(AssetAmount(amount: Self.price, asset: Self.asset)),
                                   network: fakeNetwork, payTo: Self.payTo)
        let config = RouteConfig(accepts: [option], description: "a paid thing")
        middleware = try X402PaymentMiddleware(
            routes: [("GET /paid", config), ("GET /half", config), ("GET /broken", config), ("GET /throws", config),
                     ("POST /x", config)],
            resourceServer: resourceServer)
        if initialize { try await middleware.server.initialize() }
    }

    var application: some ApplicationProtocol { application() }

    func application(options: RouterOptions = []) -> some ApplicationProtocol {
        let router = Router(context: X402BasicRequestContext.self, options: options)
        router.add(middleware: middleware)
        let log = log
        // Every handler logs "METHOD /path" with the payment it saw, then answers.
        func route(_ method: HTTPRequest.Method, _ path: String, _ answer: @escaping @Sendable () throws -> Response) {
            router.on(RouterPath(path), method: method) { _, context in
                log.record("\(method) \(path)", context.x402Payment)
                return try answer()
            }
        }
        route(.get, "/free") { Self.text("free") }
        route(.get, "/paid") { Self.text("content") }
        route(.get, "/half") {
            var response = Self.text("half")
            response.charge("50%")
            return response
        }
        route(.get, "/broken") { Response(status: .internalServerError) }
        route(.get, "/throws") { throw HandlerFailure() }
        route(.get, "/x") { Self.text("get x") }
        route(.post, "/x") { Self.text("post x") }
        return Application(router: router)
    }

    /// A 200 with a text body.
    static func text(_ text: String) -> Response { Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: text))) }
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }

    /// The decoded `PAYMENT-REQUIRED` header.
    func paymentRequired() throws -> PaymentRequired {
        guard let header = headers[.paymentRequired] else { throw TestFailure("no PAYMENT-REQUIRED header") }
        return try HeaderCodec.decodePaymentRequired(header)
    }

    /// The decoded `PAYMENT-RESPONSE` header.
    func paymentResponse() throws -> SettleResponse {
        guard let header = headers[.paymentResponse] else { throw TestFailure("no PAYMENT-RESPONSE header") }
        return try HeaderCodec.decodePaymentResponse(header)
    }
}

extension TestClientProtocol {
    /// Asks for `uri` unpaid, then pays the first requirement of the 402 with a payload signed `signature`.
    func pay(_ uri: String, method: HTTPRequest.Method = .get, signature: String = "good") async throws -> TestResponse {
        let unpaid = try await execute(uri: uri, method: method)
        guard unpaid.status.code == 402 else { throw TestFailure("\(method) \(uri) answered \(unpaid.status), not 402") }
        let required = try unpaid.paymentRequired()
        let payload = PaymentPayload(payload: ["signature": .string(signature)], accepted: required.accepts[0],
                                     resource: required.resource)
        return try await execute(uri: uri, method: method,
                                 headers: [.paymentSignature: try HeaderCodec.encodePaymentSignature(payload)])
    }
}
