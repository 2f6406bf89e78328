import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus
import X402Core

/// Answers the facilitator endpoints: authentication, rate limiting, routing, JSON in and out, logs and metrics.
///
/// Every answer is JSON (except `/metrics`); bad input gets a 4xx with a ``FacilitatorHTTPError`` body and
/// never reaches the facilitator.
struct FacilitatorResponder: HTTPResponder {
    typealias Context = FacilitatorRequestContext

    let facilitator: X402Facilitator
    let transactionStatus: (any TransactionStatusSource)?
    let registry: PrometheusCollectorRegistry?
    let authenticator: APIKeyAuthenticator
    let rateLimiter: RateLimiter?
    let rateLimitPerMinute: Int
    let metrics: FacilitatorHTTPMetrics
    let maxBodyBytes: Int
    let jsonLimits: JSONLimits

    func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let route = FacilitatorRoute(method: request.method, path: request.uri.path)
        var client = context.remoteIP ?? "unknown"
        let response = await answer(request, route: route, client: &client)
        let duration = ContinuousClock.now - start
        metrics.request(endpoint: route.metricsLabel, status: response.status.code, duration: duration)
        log(request, response.status, duration: duration, client: client, logger: context.logger)
        return response
    }

    /// `client` becomes the API key id once authenticated (the IP otherwise), for the log line.
    private func answer(_ request: Request, route: FacilitatorRoute, client: inout String) async -> Response {
        if route == .health { return Self.json(["status": "ok"]) }

        let outcome = authenticator.authenticate(request.headers)
        var caller: FacilitatorCaller?
        if case .authenticated(let c) = outcome {
            caller = c
            client = c.id
        }
        // Rejected keys count against the IP's bucket too, which slows down key guessing.
        let bucket = caller.map { "key:\($0.id)" } ?? "ip:\(client)"
        if let rateLimiter, case .limited(let retryAfter) = rateLimiter.acquire(bucket) {
            return Self.error(.tooManyRequests, .rateLimited, "more than \(rateLimitPerMinute) requests per minute",
                              headers: [.retryAfter: String(retryAfter)])
        }
        if case .rejected(let reason) = outcome {
            return Self.error(.unauthorized, .unauthorized, reason, headers: [.wwwAuthenticate: "Bearer"])
        }
        return await FacilitatorCaller.$current.withValue(caller) { await dispatch(request, route: route) }
    }

    private func dispatch(_ request: Request, route: FacilitatorRoute) async -> Response {
        switch route {
        case .verify:
            switch await decodeBody(request) {
            case .rejected(let response): return response
            case .decoded(let body):
                let result = await facilitator.verify(body.paymentPayload, requirements: body.paymentRequirements)
                metrics.verify(result)
                return Self.json(result)
            }
        case .settle:
            switch await decodeBody(request) {
            case .rejected(let response): return response
            case .decoded(let body):
                let result = await facilitator.settle(body.paymentPayload, requirements: body.paymentRequirements)
                metrics.settle(result)
                return Self.json(result)
            }
        case .supported:
            return Self.json(facilitator.supported())
        case .health:
            return Self.json(["status": "ok"])
        case .metrics:
            guard let registry else { return Self.error(.notFound, .notFound, "metrics are not enabled") }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        case .transaction(let hash):
            return await transaction(hash)
        case .notFound:
            return Self.error(.notFound, .notFound, "no such endpoint")
        case .methodNotAllowed(let allow):
            return Self.error(.methodNotAllowed, .methodNotAllowed, "use \(allow)", headers: [.allow: allow])
        }
    }

    private enum DecodedBody {
        case decoded(FacilitatorRequest)
        case rejected(Response)
    }

    /// The `/verify` / `/settle` body, read within ``maxBodyBytes`` and parsed within ``jsonLimits``.
    private func decodeBody(_ request: Request) async -> DecodedBody {
        let tooLarge = Self.error(.contentTooLarge, .payloadTooLarge, "body exceeds \(maxBodyBytes) bytes")
        // A declared length over the limit is refused before reading anything.
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBodyBytes {
            return .rejected(tooLarge)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            return .rejected(tooLarge)
        } catch {
            return .rejected(Self.error(.badRequest, .invalidRequest, "the request body could not be read"))
        }
        guard buffer.readableBytes > 0 else { return .rejected(Self.error(.badRequest, .invalidJSON, "empty body")) }
        do {
            return .decoded(try X402JSON.decode(FacilitatorRequest.self, from: buffer.readableBytesView, limits: jsonLimits))
        } catch {
            switch error {
            case .malformed(let e): return .rejected(Self.error(.badRequest, .invalidJSON, "malformed JSON: \(e)"))
            case .invalidShape(let s): return .rejected(Self.error(.badRequest, .invalidRequest, s))
            }
        }
    }

    private func transaction(_ hash: String) async -> Response {
        guard Self.isTransactionHash(hash) else {
            return Self.error(.badRequest, .invalidTransactionHash, "expected 0x followed by 64 hex digits")
        }
        guard let transactionStatus else { return Self.error(.notFound, .notFound, "transaction status is not available") }
        do {
            guard let status = try await transactionStatus.transactionStatus(hash: hash.lowercased()) else {
                return Self.error(.notFound, .notFound, "unknown transaction")
            }
            return Self.json(status)
        } catch {
            return Self.error(.serviceUnavailable, .unavailable, "transaction status lookup failed")
        }
    }

    /// `0x` + 64 hex digits, any case.
    static func isTransactionHash(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count == 66, bytes.starts(with: "0x".utf8) else { return false }
        return bytes.dropFirst(2).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0 | 0x20) }
    }

    private func log(_ request: Request, _ status: HTTPResponse.Status, duration: Duration, client: String, logger: Logger) {
        let (seconds, attoseconds) = duration.components
        let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        // Paths are logged (they hold no secrets) but cut short; bodies and headers never are.
        let metadata: Logger.Metadata = [
            "http.method": "\(request.method.rawValue)",
            "http.path": "\(String(request.uri.path.prefix(128)))",
            "http.status": "\(status.code)",
            "duration_ms": "\((milliseconds * 1000).rounded() / 1000)",
            "client": "\(client)",
        ]
        // A flood of refusals must not flood the log.
        let level: Logger.Level = status.code >= 500 ? .error : status == .tooManyRequests ? .debug : .info
        logger.log(level: level, "request", metadata: metadata)
    }

    // MARK: Answers

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let bytes: [UInt8]
        do {
            bytes = try X402JSON.encode(value)
        } catch {
            return Response(status: .internalServerError, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"error":"internal_error","message":"response encoding failed"}"#)))
        }
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func error(_ status: HTTPResponse.Status, _ code: FacilitatorHTTPError.Code, _ message: String,
                      headers: HTTPFields = [:]) -> Response {
        json(FacilitatorHTTPError(code, message), status: status, headers: headers)
    }
}
