import X402Core

/// The JSON body of every non-200 answer of the facilitator HTTP service: `{"error":"<code>","message":"..."}`.
public struct FacilitatorHTTPError: Codable, Equatable, Sendable, CustomStringConvertible {
    /// A machine-readable error code (a plain string on the wire).
    public struct Code: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
        /// The wire string.
        public var rawValue: String
        /// Wraps a wire string.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The body is not well-formed JSON (including empty, truncated, too deep or too many elements); 400.
        public static let invalidJSON = Code(rawValue: "invalid_json")
        /// Well-formed JSON without the expected shape (missing field, wrong type); 400.
        public static let invalidRequest = Code(rawValue: "invalid_request")
        /// The body exceeds the configured limit; 413.
        public static let payloadTooLarge = Code(rawValue: "payload_too_large")
        /// The transaction hash is not `0x` + 64 hex digits; 400.
        public static let invalidTransactionHash = Code(rawValue: "invalid_transaction_hash")
        /// A presented API key is unknown or malformed; 401.
        public static let unauthorized = Code(rawValue: "unauthorized")
        /// No such route, transaction or metrics registry; 404.
        public static let notFound = Code(rawValue: "not_found")
        /// The route exists for other methods (see the `Allow` header); 405.
        public static let methodNotAllowed = Code(rawValue: "method_not_allowed")
        /// The client's rate limit is exhausted (see the `Retry-After` header); 429.
        public static let rateLimited = Code(rawValue: "rate_limited")
        /// A dependency (the transaction status source) failed; 503.
        public static let unavailable = Code(rawValue: "unavailable")
        /// The service failed on its own; 500.
        public static let internalError = Code(rawValue: "internal_error")
        /// The wire string.
        public var description: String { rawValue }
    }

    /// What went wrong.
    public var error: Code
    /// Human-readable detail (never secrets).
    public var message: String

    /// An error body with `code` and `message`.
    public init(_ error: Code, _ message: String) {
        self.error = error
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(error): \(message)" }
}
