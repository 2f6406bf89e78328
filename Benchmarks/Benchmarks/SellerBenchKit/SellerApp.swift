import Hummingbird
import Logging
import NIOCore
import X402Hummingbird

/// The Hummingbird app of the loopback benchmarks: `X402PaymentMiddleware` over a ``SellerFixture`` selling
/// `GET /paid`, beside an unpaid `GET /free` with the same body, plus two routes for the benchmark process that
/// drives it: `POST /bench/reset` (every channel back to its seeded record, when the pre-signed vouchers run out)
/// and `GET /bench/facilitator-calls` (how often the stub facilitator was called: 0 on the local fast path).
package enum SellerApp {
    /// The body of both routes.
    package static let body = "{\"ok\":true}"

    /// The app on 127.0.0.1 and a free port; `onRunning` gets the bound port.
    package static func make(fixture: SellerFixture, logger: Logger,
                             onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router(context: X402BasicRequestContext.self)
        router.add(middleware: X402PaymentMiddleware<X402BasicRequestContext>(server: fixture.http))
        router.get("/paid") { _, _ in body }
        router.get("/free") { _, _ in body }
        router.post("/bench/reset") { _, _ -> HTTPResponse.Status in
            try await fixture.reset()
            return .ok
        }
        router.get("/bench/facilitator-calls") { _, _ in String(fixture.facilitator.remoteCalls.load(ordering: .relaxed)) }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
                           logger: logger)
    }
}
