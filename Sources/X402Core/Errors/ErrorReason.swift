/// A machine-readable x402 error code such as `insufficient_funds` or
/// `invalid_batch_settlement_evm_cumulative_amount_mismatch`.
///
/// Open like ``Network``: any string decodes, schemes add their own codes as static members in
/// extensions, and the wire form is the plain string.
public struct ErrorReason: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible {
    /// The code as sent on the wire.
    public let rawValue: String

    /// Wraps a code string.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Wraps a code string literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    // Codable comes from RawRepresentable: the plain code string on the wire.

    /// The code.
    public var description: String { rawValue }
}

// MARK: - Generic codes (x402 v2 specification and the Python SDK)

extension ErrorReason {
    /// The payment is invalid for a reason without a more specific code.
    public static let invalidPayment: ErrorReason = "invalid_payment"
    /// The scheme payload is malformed.
    public static let invalidPayload: ErrorReason = "invalid_payload"
    /// The payment requirements are malformed or inconsistent.
    public static let invalidPaymentRequirements: ErrorReason = "invalid_payment_requirements"
    /// The network id is invalid.
    public static let invalidNetwork: ErrorReason = "invalid_network"
    /// The scheme id is invalid.
    public static let invalidScheme: ErrorReason = "invalid_scheme"
    /// No implementation of the payment's scheme is available.
    public static let unsupportedScheme: ErrorReason = "unsupported_scheme"
    /// The scheme is known but not on the payment's network.
    public static let unsupportedNetwork: ErrorReason = "unsupported_network"
    /// The `x402Version` is not supported.
    public static let invalidX402Version: ErrorReason = "invalid_x402_version"
    /// The payer does not have enough funds.
    public static let insufficientFunds: ErrorReason = "insufficient_funds"
    /// The on-chain transaction is in an unexpected state.
    public static let invalidTransactionState: ErrorReason = "invalid_transaction_state"
    /// Verification failed with an unexpected error (exception, transport failure).
    public static let unexpectedVerifyError: ErrorReason = "unexpected_verify_error"
    /// Settlement failed with an unexpected error (exception, transport failure).
    public static let unexpectedSettleError: ErrorReason = "unexpected_settle_error"
    /// A transaction was broadcast but its receipt could not be confirmed; `transaction` carries the hash
    /// and one retry of the same settlement reconciles against it (protocol.md A.6).
    public static let settlementPending: ErrorReason = "settlement_pending"
    /// A settlement transaction failed.
    public static let transactionFailed: ErrorReason = "transaction_failed"
    /// The payload's network differs from the requirement's.
    public static let networkMismatch: ErrorReason = "network_mismatch"
    /// The client's echo of a declared extension dropped or changed a server field.
    public static let extensionEchoMismatch: ErrorReason = "extension_echo_mismatch"
    /// A route names a scheme with no registered server implementation (configuration).
    public static let missingScheme: ErrorReason = "missing_scheme"
    /// No facilitator supports a route's scheme and network (configuration).
    public static let missingFacilitator: ErrorReason = "missing_facilitator"

    // Local codes of this package (never sent by a facilitator).

    /// Client: no offered requirement matches a registered scheme and the selection policy.
    public static let noMatchingRequirements: ErrorReason = "no_matching_requirements"
    /// Client: every matching requirement asks more than the policy's maximum amount per payment.
    public static let amountExceedsPolicy: ErrorReason = "amount_exceeds_policy"
    /// A before-hook aborted the operation without a more specific code.
    public static let paymentAborted: ErrorReason = "payment_aborted"
    /// A price could not be turned into an atomic amount.
    public static let invalidPrice: ErrorReason = "invalid_price"
    /// The facilitator could not be reached or answered something unusable.
    public static let facilitatorUnavailable: ErrorReason = "facilitator_unavailable"
    /// The resource server was used before ``X402ResourceServer/initialize()`` succeeded.
    public static let notInitialized: ErrorReason = "not_initialized"
    /// A header, body or value could not be encoded or decoded.
    public static let invalidEncoding: ErrorReason = "invalid_encoding"
}

/// A failure of one of the x402 roles (client, resource server, facilitator), with its cause.
public struct X402Error: Error, Sendable, CustomStringConvertible {
    /// The machine-readable code.
    public var reason: ErrorReason
    /// Human-readable detail.
    public var message: String
    /// The error that caused this one, if any (a scheme error, a transport error, ...).
    public var underlying: (any Error)?

    /// Creates an error.
    public init(_ reason: ErrorReason, _ message: String = "", underlying: (any Error)? = nil) {
        self.reason = reason
        self.message = message
        self.underlying = underlying
    }

    /// `error` itself when it already is an ``X402Error``, else a wrapper with `reason`.
    public static func wrapping(_ error: any Error, as reason: ErrorReason, _ message: String = "") -> X402Error {
        if let e = error as? X402Error { return e }
        return X402Error(reason, message.isEmpty ? String(describing: error) : message, underlying: error)
    }

    /// `reason: message (caused by: underlying)`.
    public var description: String {
        var text = message.isEmpty ? reason.rawValue : "\(reason.rawValue): \(message)"
        if let underlying { text += " (caused by: \(underlying))" }
        return text
    }
}
