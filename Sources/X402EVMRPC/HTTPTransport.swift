import AsyncHTTPClient
import Logging
import NIOCore

/// Carries one JSON-RPC request body to a node and returns the response body.
///
/// Implementations map every failure to ``RPCError`` (status, timeout, connection); the client does
/// the JSON-RPC framing and decoding.
public protocol JSONRPCTransport: Sendable {
    /// Sends a UTF-8 JSON body and returns the raw response body.
    func roundTrip(_ body: [UInt8]) async throws(RPCError) -> [UInt8]
}

/// JSON-RPC over HTTP(S) POST with AsyncHTTPClient.
///
/// Connections are pooled and kept alive by the `HTTPClient`. The client is borrowed, never shut
/// down here: pass `HTTPClient.shared` (the default, which needs no shutdown) or your own client and
/// call `shutdown()` on it once every transport using it is done.
public struct HTTPTransport: JSONRPCTransport {
    /// The node's URL, e.g. `http://127.0.0.1:8545` or an `https://` testnet endpoint.
    public let url: String
    /// The shared HTTP client.
    public let httpClient: HTTPClient
    /// Deadline for one round trip (connect, send, receive the whole body).
    public let timeout: Duration
    /// Larger response bodies are rejected with ``RPCError/responseTooLarge(limit:)``.
    public let maxResponseBytes: Int
    /// Extra headers (e.g. an API key), sent with every request; never logged.
    public let headers: [(String, String)]
    /// Where round trips are logged (`trace`: endpoint, sizes, status, duration; `debug`: failures).
    /// Only `scheme://host:port` of ``url`` is logged, since paths often embed API keys.
    public let logger: Logger
    private let endpoint: String

    /// Creates a transport.
    public init(
        url: String,
        httpClient: HTTPClient = .shared,
        timeout: Duration = .seconds(30),
        maxResponseBytes: Int = 64 << 20,
        headers: [(String, String)] = [],
        logger: Logger = Logger(label: "x402.rpc")
    ) {
        self.url = url
        self.httpClient = httpClient
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.headers = headers
        self.logger = logger
        self.endpoint = RPCLog.endpoint(url)
    }

    /// POSTs `body` as JSON to ``url`` within ``timeout``; a status other than 200, a timeout, a body over
    /// ``maxResponseBytes`` or a connection failure becomes the matching ``RPCError``.
    public func roundTrip(_ body: [UInt8]) async throws(RPCError) -> [UInt8] {
        let clock = ContinuousClock()
        let start = clock.now
        do throws(RPCError) {
            let response = try await post(body)
            logger.trace("JSON-RPC HTTP round trip", metadata: [
                "http.endpoint": "\(endpoint)", "http.request_bytes": "\(body.count)",
                "http.response_bytes": "\(response.count)", "rpc.duration_ms": RPCLog.milliseconds(clock.now - start),
            ])
            return response
        } catch {
            logger.debug("JSON-RPC HTTP round trip failed", metadata: [
                "http.endpoint": "\(endpoint)", "http.request_bytes": "\(body.count)",
                "rpc.duration_ms": RPCLog.milliseconds(clock.now - start), "rpc.error": "\(error)",
            ])
            throw error
        }
    }

    private func post(_ body: [UInt8]) async throws(RPCError) -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        // NIO saturates huge durations; a negative one means "now".
        let deadline = NIODeadline.now() + TimeAmount(max(timeout, .zero))
        do {
            let response = try await httpClient.execute(request, deadline: deadline)
            let buffer: ByteBuffer
            do {
                buffer = try await response.body.collect(upTo: maxResponseBytes)
            } catch is NIOTooManyBytesError {
                throw RPCError.responseTooLarge(limit: maxResponseBytes)
            }
            guard response.status.code == 200 else {
                throw RPCError.httpStatus(code: Int(response.status.code), body: String(decoding: buffer.readableBytesView.prefix(512), as: UTF8.self))
            }
            return Array(buffer.readableBytesView)
        } catch let error as RPCError {
            throw error
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout,
                .tlsHandshakeTimeout:
                throw .timedOut
            case .cancelled:
                throw .cancelled
            default:
                throw .transport(String(describing: error))
            }
        } catch is CancellationError {
            throw .cancelled
        } catch {
            throw .transport(String(describing: error))
        }
    }
}
