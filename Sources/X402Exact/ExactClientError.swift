import X402Core

/// Why the `exact` client refused to pay. Every refusal is thrown before anything is signed.
public struct ExactClientError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, Hashable {
        /// The requirement cannot be paid with `exact` on EVM (scheme, network, amount, addresses, domain).
        case invalidRequirements
        /// ``ExactClientScheme/authorization(for:now:nonce:)`` was asked for a Permit2 requirement (it builds
        /// ERC-3009 authorizations; ``ExactClientScheme/permit2Authorization(for:now:nonce:)`` builds permits).
        case unsupportedTransferMethod
        /// A spending limit refused the payment (see ``ExactClientError/limit``).
        case limitExceeded
        /// The session's ``SessionPolicy/expiresAt`` has passed.
        case sessionExpired
        /// The request's origin is not among ``SessionPolicy/allowedOrigins``.
        case originNotAllowed
        /// Origins or budgets are restricted but the request URL is unknown or has no origin.
        case originUnknown
        /// The wallet failed to sign.
        case signingFailed
    }

    /// What went wrong.
    public var code: Code
    /// Human-readable detail (never key material).
    public var message: String
    /// The limit that refused the payment, for ``Code/limitExceeded``.
    public var limit: SpendingLimitKind?
    /// The error that caused this one (a signer's error, a parse error).
    public var underlying: (any Error)?

    /// An error with `code`.
    public init(_ code: Code, _ message: String, limit: SpendingLimitKind? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.limit = limit
        self.underlying = underlying
    }

    /// The protocol code of the refusal: `amount_exceeds_policy` for limits, `invalid_payment_requirements` for an
    /// unpayable requirement, `payment_aborted` otherwise.
    public var reason: ErrorReason {
        switch code {
        case .limitExceeded: .amountExceedsPolicy
        case .invalidRequirements, .unsupportedTransferMethod: .invalidPaymentRequirements
        case .sessionExpired, .originNotAllowed, .originUnknown, .signingFailed: .paymentAborted
        }
    }

    /// `code: message (caused by: underlying)`.
    public var description: String {
        var text = "exact client \(code.rawValue): \(message)"
        if let underlying { text += " (caused by: \(underlying))" }
        return text
    }
}
