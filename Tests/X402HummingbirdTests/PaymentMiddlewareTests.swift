import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import X402Core
import X402Hummingbird

/// The seller middleware in front of Hummingbird handlers, against an in-process facilitator.
@Suite struct PaymentMiddlewareTests {
    @Test func unprotectedRouteIsUntouched() async throws {
        let shop = try await Shop()
        try await shop.application.test(.router) { client in
            let response = try await client.execute(uri: "/free", method: .get)
            #expect(response.status == .ok && response.text == "free")
            #expect(response.headers[.paymentRequired] == nil && response.headers[.paymentResponse] == nil)
            #expect(response.headers[.cacheControl] == nil)

            // A payment sent to a free route is neither verified nor settled.
            let paid = try await client.execute(uri: "/free", method: .get, headers: [.paymentSignature: "garbage"])
            #expect(paid.status == .ok && paid.headers[.paymentResponse] == nil)
        }
        #expect(shop.log.paths == ["GET /free", "GET /free"])
        #expect(shop.log.lastPayment == nil)
        #expect(shop.ledger.settledAmounts.isEmpty)
    }

    @Test func unpaidRequestGets402AndHandlerDoesNotRun() async throws {
        let shop = try await Shop()
        try await shop.application.test(.router) { client in
            let response = try await client.execute(uri: "/paid", method: .get)
            #expect(response.status.code == 402)
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.text == "{}")
            let required = try response.paymentRequired()
            #expect(required.error == "Payment required")
            // The router test framework sets scheme `http` and authority `localhost`.
            #expect(required.resource?.url == "http://localhost/paid")
            #expect(required.resource?.description == "a paid thing")
            #expect(required.accepts.count == 1)
            #expect(required.accepts.first?.amount == Shop.price && required.accepts.first?.scheme == "fake")
            #expect(required.accepts.first?.payTo == Shop.payTo && required.accepts.first?.network == fakeNetwork)
        }
        #expect(shop.log.paths.isEmpty)
    }

    @Test(arguments: [
        ("garbage", "not base64 at all!"),
        ("huge", String(repeating: "A", count: HeaderCodec.maxEncodedLength + 4)),
        ("not JSON", "aGVsbG8gd29ybGQ="),  // base64("hello world")
        ("JSON, not a payload", "eyJmb28iOjF9"),  // base64({"foo":1})
    ])
    func malformedPaymentSignatureIsNoPayment(_ kind: String, _ header: String) async throws {
        let shop = try await Shop()
        try await shop.application.test(.router) { client in
            let response = try await client.execute(uri: "/paid", method: .get, headers: [.paymentSignature: header])
            #expect(response.status.code == 402, "\(kind)")
            #expect(try response.paymentRequired().error == "Payment required", "\(kind)")
        }
        #expect(shop.log.paths.isEmpty)
        #expect(shop.ledger.settledAmounts.isEmpty)
    }

    @Test func invalidPaymentGets402WithTheReason() async throws {
        let shop = try await Shop()
        try await shop.application.test(.router) { client in
            let response = try await client.pay("/paid", signature: "forged")
            #expect(response.status.code == 402)
            #expect(try response.paymentRequired().error == "invalid_fake_signature")
        }
        #expect(shop.log.paths.isEmpty)
        #expect(shop.ledger.settledAmounts.isEmpty)
    }

    @Test func validPaymentRunsHandlerAndSettles() async throws {
        let shop = try await Shop()
        try await shop.application.test(.router) { client in
            let response = try await client.pay("/paid")
            #expect(response.status == .ok && response.text == "content")
            let settled = try response.paymentResponse()
            #expect(settled.success && settled.transaction == settledHash && settled.payer == "0xBuyer")
            #expect(settled.amount == Shop.price)
            #expect(response.headers[.cacheControl]?.contains("private") == true)
        }
        #expect(shop.log.paths == ["GET /paid"])
        let payment = try #require(shop.log.lastPayment)
        #expect(payment.payer == "0xBuyer" && payment.amount == Shop.price && payment.asset == Shop.asset)
        #expect(payment.scheme == "fake" && payment.network == fakeNetwork)
        #expect(shop.ledger.settledAmounts == [Shop.price])
        #expect(shop.seller.cancellations.isEmpty)
    }

    @Test func handlerOverrideHalvesTheChargeAndIsStripped() async throws {
        let shop = try await Shop()
        try await shop.application.test(.router) { client in
            let response = try await client.pay("/half")
            #expect(response.status == .ok && response.text == "half")
            #expect(response.headers[.settlementOverrides] == nil)
            let settled = try response.paymentResponse()
            #expect(settled.success && settled.amount == "500")
        }
        #expect(shop.ledger.settledAmounts == ["500"])
    }

    /// A handler answering ≥ 400 or throwing (Hummingbird then answers 500) settles nothing and releases the payment.
    @Test(arguments: [("/broken", PaymentCancellation.handlerFailed(status: 500)), ("/throws", .handlerThrew)])
    func failedHandlerSettlesNothing(_ path: String, _ reason: PaymentCancellation) async throws {
        let shop = try await Shop()
        try await shop.application.test(.router) { client in
            let response = try await client.pay(path)
            #expect(response.status == .internalServerError)
            #expect(response.headers[.paymentResponse] == nil)
        }
        #expect(shop.log.paths == ["GET \(path)"])
        #expect(shop.ledger.settledAmounts.isEmpty)
        #expect(shop.seller.cancellations == [reason])
    }

    @Test func settlementFailureReplacesTheResponseWith402() async throws {
        let shop = try await Shop()
        try await shop.application.test(.router) { client in
            let response = try await client.pay("/paid", signature: "settle-fails")
            #expect(response.status.code == 402)
            #expect(response.text == "{}")
            #expect(response.headers[.cacheControl] == "no-store")
            let failure = try response.paymentResponse()
            #expect(!failure.success && failure.errorReason == "insufficient_funds")
        }
        // The handler ran (verification passed) but its answer was not delivered.
        #expect(shop.log.paths == ["GET /paid"])
        #expect(shop.ledger.settledAmounts == [Shop.price])
    }

    @Test func routesAreProtectedByMethod() async throws {
        let shop = try await Shop()
        try await shop.application.test(.router) { client in
            let get = try await client.execute(uri: "/x", method: .get)
            #expect(get.status == .ok && get.text == "get x")
            #expect(get.headers[.paymentResponse] == nil)

            let unpaid = try await client.execute(uri: "/x", method: .post)
            #expect(unpaid.status.code == 402)

            let paid = try await client.pay("/x", method: .post)
            #expect(paid.status == .ok && paid.text == "post x")
            #expect(try paid.paymentResponse().success)
        }
        #expect(shop.log.paths == ["GET /x", "POST /x"])
        #expect(shop.ledger.settledAmounts == [Shop.price])
    }

    @Test func headOfAPaidGetRouteIsPaidToo() async throws {
        let shop = try await Shop()
        try await shop.application(options: .autoGenerateHeadEndpoints).test(.router) { client in
            // This router serves HEAD with the GET handler: it must not run unpaid.
            let head = try await client.execute(uri: "/paid", method: .head)
            #expect(head.status.code == 402)
            // A free GET route still answers HEAD.
            #expect(try await client.execute(uri: "/free", method: .head).status == .ok)
        }
        #expect(shop.log.paths == ["GET /free"])
    }

    @Test func uninitializedServerAnswers500() async throws {
        let shop = try await Shop(initialize: false)
        try await shop.application.test(.router) { client in
            let response = try await client.execute(uri: "/paid", method: .get)
            #expect(response.status == .internalServerError)
            let free = try await client.execute(uri: "/free", method: .get)
            #expect(free.status == .ok)
        }
        #expect(shop.log.paths == ["GET /free"])
    }

    /// A request without an authority (built outside the HTTP/1 codec) is priced with `http://<Host>/<path>`;
    /// also runs the middleware with an application-defined context.
    @Test func resourceURLFromHostWithoutAuthority() async throws {
        let shop = try await Shop()
        let head = HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/paid?q=1",
                               headerFields: [.init("Host")!: "shop.example:8443"])
        let context = CustomContext(source: LoggerSource(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }))
        let middleware = X402PaymentMiddleware<CustomContext>(server: shop.middleware.server)
        let response = try await middleware.handle(Request(head: head, body: RequestBody(buffer: ByteBuffer())),
                                                   context: context) { _, _ in
            Issue.record("the handler ran unpaid")
            return Response(status: .ok)
        }
        #expect(response.status.code == 402)
        let required = try HeaderCodec.decodePaymentRequired(try #require(response.headers[.paymentRequired]))
        #expect(required.resource?.url == "http://shop.example:8443/paid?q=1")
    }

    /// The whole exchange over real HTTP on loopback: a live server and HummingbirdTesting's AsyncHTTPClient client.
    @Test func paidRequestOverLoopback() async throws {
        let shop = try await Shop()
        try await shop.application.test(.ahc(.http)) { client in
            let port = try #require(client.port)
            let unpaid = try await client.execute(uri: "/half", method: .get)
            #expect(unpaid.status.code == 402)
            // Over HTTP/1 the authority comes from the Host header the client sent.
            #expect(try unpaid.paymentRequired().resource?.url == "http://localhost:\(port)/half")

            let paid = try await client.pay("/half")
            #expect(paid.status == .ok && paid.text == "half")
            #expect(paid.headers[.settlementOverrides] == nil)
            #expect(paid.headers[.cacheControl]?.contains("private") == true)
            let settled = try paid.paymentResponse()
            #expect(settled.success && settled.amount == "500")
        }
        #expect(shop.log.paths == ["GET /half"])
        #expect(shop.ledger.settledAmounts == ["500"])
    }
}

/// A request-context source carrying only a logger, for calling the middleware without a channel.
struct LoggerSource: RequestContextSource {
    var logger: Logger
}

/// An application's own context type with the payment slot.
struct CustomContext: X402RequestContext {
    typealias Source = LoggerSource

    var coreContext: CoreRequestContextStorage
    var x402Payment: VerifiedPayment?

    init(source: LoggerSource) { coreContext = .init(source: source) }
}
