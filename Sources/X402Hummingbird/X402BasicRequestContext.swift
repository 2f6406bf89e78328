import Hummingbird
import X402Core

/// The basic request context with an x402 payment slot (Hummingbird's `BasicRequestContext` plus
/// ``X402RequestContext/x402Payment``): `Router(context: X402BasicRequestContext.self)`.
public struct X402BasicRequestContext: X402RequestContext {
    /// Hummingbird's core context (logger, endpoint path, parameters).
    public var coreContext: CoreRequestContextStorage
    /// The verified payment, set by ``X402PaymentMiddleware`` on protected routes.
    public var x402Payment: VerifiedPayment?

    /// A context for a request from `source`, without a payment.
    public init(source: Source) {
        coreContext = .init(source: source)
    }
}
