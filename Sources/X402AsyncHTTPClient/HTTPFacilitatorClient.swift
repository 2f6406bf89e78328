import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import X402Core

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A facilitator endpoint.
public enum FacilitatorEndpoint: String, Sendable, CaseIterable {
    /// `POST /verify`.
    case verify
    /// `POST /settle`.
    case settle
    /// `GET /supported`.
    case supported

    /// Only `/verify` and `/supported` are idempotent, so only they are retried.
    public var isIdempotent: Bool { self != .settle }
}

/// Why a facilitator call failed.
public struct HTTPFacilitatorError: Error, Sendable, CustomStringConvertible {
    /// The failure class.
    public enum Kind: Sendable, Equatable {
        /// No connection could be made: the request was not sent.
        case connectFailed
        /// The deadline passed (connect, send or receive).
        case timedOut
        /// The facilitator answered a status other than 200 (the body is not parsed, as in the SDK).
        case httpStatus(Int)
        /// The body exceeded the configured limit.
        case bodyTooLarge(limit: Int)
        /// The body is not the expected JSON.
        case undecodableBody
        /// The connection failed after the request may have been sent.
        case transport
        /// The request could not be built (URL, encoding, auth headers).
        case invalidRequest
        /// The task was cancelled.
        case cancelled
    }

    /// The failure class.
    public var kind: Kind
    /// The endpoint called.
    public var endpoint: FacilitatorEndpoint
    /// Detail, e.g. the start of a non-200 body.
    public var message: String
    /// The underlying error.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(_ kind: Kind, endpoint: FacilitatorEndpoint, message: String = "", underlying: (any Error)? = nil) {
        self.kind = kind
        self.endpoint = endpoint
        self.message = message
        self.underlying = underlying
    }

    /// `facilitator /endpoint: kind: message (underlying)`.
    public var description: String {
        var text = "facilitator /\(endpoint.rawValue): \(kind)"
        if !message.isEmpty { text += ": \(message)" }
        if let underlying { text += " (\(underlying))" }
        return text
    }
}

/// A ``FacilitatorClient`` over HTTP with AsyncHTTPClient (protocol.md A.7).
///
/// Every request sends `Content-Type: application/json` and the endpoint's optional auth headers, and
/// has its own deadline. Bodies above ``Configuration/maxResponseBytes`` are rejected. Connect failures
/// of `/verify` and `/supported` are retried; `/settle` is never retried, since the request may have
/// reached the facilitator. The `HTTPClient` is borrowed, never shut down here.
public struct HTTPFacilitatorClient: FacilitatorClient {
    /// Settings.
    public struct Configuration: Sendable {
        /// Facilitator base URL, e.g. `https://x402.org/facilitator` (a trailing `/` is ignored).
        public var baseURL: String
        /// Deadline of one request (connect, send, receive); the SDK uses 90 s.
        public var timeout: Duration
        /// Larger response bodies are rejected.
        public var maxResponseBytes: Int
        /// Extra attempts after a connect failure (idempotent endpoints only). Note that an `HTTPClient`
        /// with `retryConnectionEstablishment` on (the default, `.shared`) keeps reconnecting by itself until
        /// the request deadline, so these attempts matter most with that option off.
        public var connectRetries: Int
        /// Pause before each retry.
        public var retryDelay: Duration
        /// Extra headers per endpoint (e.g. API keys); may refresh tokens.
        public var authHeaders: (@Sendable (FacilitatorEndpoint) async throws -> [(String, String)])?

        /// Creates settings.
        public init(baseURL: String = "https://x402.org/facilitator", timeout: Duration = .seconds(90),
                    maxResponseBytes: Int = 1 << 20, connectRetries: Int = 2, retryDelay: Duration = .milliseconds(250),
                    authHeaders: (@Sendable (FacilitatorEndpoint) async throws -> [(String, String)])? = nil) {
            self.baseURL = baseURL
            self.timeout = timeout
            self.maxResponseBytes = maxResponseBytes
            self.connectRetries = connectRetries
            self.retryDelay = retryDelay
            self.authHeaders = authHeaders
        }
    }

    /// Settings.
    public let configuration: Configuration
    /// The HTTP client used.
    public let httpClient: HTTPClient
    /// Logger for requests, retries and failures.
    public let logger: Logger

    /// Creates a client.
    public init(configuration: Configuration, httpClient: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
    }

    /// `POST {base}/verify`; connect failures are retried.
    public func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> VerifyResponse {
        try await call(.verify, body: try encode(.verify, FacilitatorRequest(paymentPayload: payload, paymentRequirements: requirements)),
                       as: VerifyResponse.self)
    }

    /// `POST {base}/settle`; never retried.
    public func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> SettleResponse {
        try await call(.settle, body: try encode(.settle, FacilitatorRequest(paymentPayload: payload, paymentRequirements: requirements)),
                       as: SettleResponse.self)
    }

    /// `GET {base}/supported`; connect failures are retried.
    public func supported() async throws -> SupportedResponse {
        try await call(.supported, body: nil, as: SupportedResponse.self)
    }

    private func encode(_ endpoint: FacilitatorEndpoint, _ request: FacilitatorRequest) throws(HTTPFacilitatorError) -> [UInt8] {
        do { return try X402JSON.encode(request) } catch {
            throw HTTPFacilitatorError(.invalidRequest, endpoint: endpoint, message: "cannot encode the request", underlying: error)
        }
    }

    /// One call with the endpoint's retry policy.
    func call<T: Decodable>(_ endpoint: FacilitatorEndpoint, body: [UInt8]?, as type: T.Type) async throws(HTTPFacilitatorError) -> T {
        let attempts = endpoint.isIdempotent ? 1 + max(0, configuration.connectRetries) : 1
        var attempt = 1
        while true {
            do {
                return try await send(endpoint, body: body, as: type)
            } catch {
                guard error.kind == .connectFailed, attempt < attempts else {
                    logger.warning("x402 facilitator call failed", metadata: ["endpoint": "\(endpoint.rawValue)", "error": "\(error)"])
                    throw error
                }
                logger.info("x402 facilitator connect failed; retrying",
                            metadata: ["endpoint": "\(endpoint.rawValue)", "attempt": "\(attempt)", "error": "\(error)"])
                attempt += 1
                do { try await Task.sleep(for: configuration.retryDelay) } catch {
                    throw HTTPFacilitatorError(.cancelled, endpoint: endpoint, underlying: error)
                }
            }
        }
    }

    private func send<T: Decodable>(_ endpoint: FacilitatorEndpoint, body: [UInt8]?, as type: T.Type) async throws(HTTPFacilitatorError) -> T {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        var request = HTTPClientRequest(url: "\(base)/\(endpoint.rawValue)")
        request.method = body == nil ? .GET : .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if let authHeaders = configuration.authHeaders {
            do {
                for (name, value) in try await authHeaders(endpoint) { request.headers.replaceOrAdd(name: name, value: value) }
            } catch {
                throw HTTPFacilitatorError(.invalidRequest, endpoint: endpoint, message: "auth headers failed", underlying: error)
            }
        }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        logger.debug("x402 facilitator request", metadata: ["endpoint": "\(endpoint.rawValue)", "url": "\(request.url)"])

        let bytes: ByteBuffer
        let status: Int
        do {
            // NIO saturates huge durations; a negative one means "now".
            let response = try await httpClient.execute(request, deadline: .now() + TimeAmount(max(configuration.timeout, .zero)))
            status = Int(response.status.code)
            do {
                bytes = try await response.body.collect(upTo: configuration.maxResponseBytes)
            } catch is NIOTooManyBytesError {
                throw HTTPFacilitatorError(.bodyTooLarge(limit: configuration.maxResponseBytes), endpoint: endpoint)
            }
        } catch let error as HTTPFacilitatorError {
            throw error
        } catch {
            throw Self.classify(error, endpoint: endpoint)
        }
        guard status == 200 else {
            throw HTTPFacilitatorError(.httpStatus(status), endpoint: endpoint,
                                       message: String(decoding: bytes.readableBytesView.prefix(512), as: UTF8.self))
        }
        do {
            return try X402JSON.decode(type, from: bytes.readableBytesView)
        } catch {
            throw HTTPFacilitatorError(.undecodableBody, endpoint: endpoint, message: error.description, underlying: error)
        }
    }

    /// Maps a transport error to its kind; only failures before any byte was sent are `connectFailed`.
    static func classify(_ error: any Error, endpoint: FacilitatorEndpoint) -> HTTPFacilitatorError {
        if error is CancellationError { return HTTPFacilitatorError(.cancelled, endpoint: endpoint, underlying: error) }
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout, .getConnectionFromPoolTimeout:
                return HTTPFacilitatorError(.connectFailed, endpoint: endpoint, underlying: error)
            case .deadlineExceeded, .readTimeout, .writeTimeout, .tlsHandshakeTimeout:
                return HTTPFacilitatorError(.timedOut, endpoint: endpoint, underlying: error)
            case .cancelled:
                return HTTPFacilitatorError(.cancelled, endpoint: endpoint, underlying: error)
            case .invalidURL, .emptyHost, .emptyScheme:
                return HTTPFacilitatorError(.invalidRequest, endpoint: endpoint, underlying: error)
            default:
                return HTTPFacilitatorError(.transport, endpoint: endpoint, underlying: error)
            }
        }
        if error is NIOConnectionError { return HTTPFacilitatorError(.connectFailed, endpoint: endpoint, underlying: error) }
        if let e = error as? ChannelError, case .connectTimeout = e {
            return HTTPFacilitatorError(.connectFailed, endpoint: endpoint, underlying: error)
        }
        if let e = error as? IOError, [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL].contains(e.errnoCode) {
            return HTTPFacilitatorError(.connectFailed, endpoint: endpoint, underlying: error)
        }
        return HTTPFacilitatorError(.transport, endpoint: endpoint, underlying: error)
    }
}
