import Hummingbird
import X402Core

/// A Hummingbird request context that carries the payment ``X402PaymentMiddleware`` verified for the request.
///
/// Use ``X402BasicRequestContext``, or add the property to your own context:
///
/// ```swift
/// struct AppContext: X402RequestContext {
///     var coreContext: CoreRequestContextStorage
///     var x402Payment: VerifiedPayment?
///     init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
/// }
/// ```
public protocol X402RequestContext: RequestContext {
    /// The verified payment of a protected route, set by the middleware before the handler runs; `nil` on
    /// unprotected routes. It is verified but not settled yet: settlement happens after the handler answers.
    var x402Payment: VerifiedPayment? { get set }
}
