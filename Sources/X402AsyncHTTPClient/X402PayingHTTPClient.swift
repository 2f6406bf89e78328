import AsyncHTTPClient
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import X402Core

/// An answer of ``X402PayingHTTPClient``, with the payment that bought it.
public struct X402PaidResponse: Sendable {
    /// The HTTP status of the last answer.
    public var status: HTTPResponseStatus
    /// The headers of the last answer.
    public var headers: HTTPHeaders
    /// The body of the last answer, collected up to ``X402PayingHTTPClient/Configuration/maxResponseBytes``.
    public var body: ByteBuffer
    /// The decoded `PAYMENT-RESPONSE`; nil when the request was not paid or the header is absent or undecodable.
    public var settleResponse: SettleResponse?
    /// The payment sent with the last attempt; nil when the server asked for none.
    public var paymentPayload: PaymentPayload?

    /// Creates a response.
    public init(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer, settleResponse: SettleResponse?,
                paymentPayload: PaymentPayload?) {
        self.status = status
        self.headers = headers
        self.body = body
        self.settleResponse = settleResponse
        self.paymentPayload = paymentPayload
    }
}

/// The buyer's HTTP client over AsyncHTTPClient: answers a 402 by paying and retrying (protocol.md A.10).
///
/// A request without a 402 passes through untouched. On a 402 with a `PAYMENT-REQUIRED` header the
/// ``X402Client`` chooses a requirement and builds the payment, the request is resent with
/// `PAYMENT-SIGNATURE`, and the scheme sees the answer; a scheme that recovers from a corrective 402 gets
/// exactly one more attempt with a fresh payload (``PaymentFlow``). Payments with the same serialization key
/// (e.g. one batch-settlement channel) never overlap; share ``serializer`` between clients of one wallet.
///
/// The request body is collected once, up to ``Configuration/maxRequestBodyBytes``, and sent as bytes on every
/// attempt so it can be replayed (a streamed body is therefore buffered). The `HTTPClient` is borrowed,
/// never shut down here.
public struct X402PayingHTTPClient: Sendable {
    /// Settings.
    public struct Configuration: Sendable {
        /// Larger request bodies are rejected (they are held in memory for the paid retry).
        public var maxRequestBodyBytes: Int
        /// Larger response bodies are rejected.
        public var maxResponseBytes: Int

        /// Creates settings.
        public init(maxRequestBodyBytes: Int = 8 << 20, maxResponseBytes: Int = 32 << 20) {
            self.maxRequestBodyBytes = maxRequestBodyBytes
            self.maxResponseBytes = maxResponseBytes
        }
    }

    /// The buyer role that pays.
    public let client: X402Client
    /// The HTTP client used.
    public let httpClient: HTTPClient
    /// Orders payments with the same serialization key.
    public let serializer: PaymentSerializer
    /// Settings.
    public let configuration: Configuration
    /// Logger for payments and retries.
    public let logger: Logger

    /// Creates a paying client.
    public init(client: X402Client, httpClient: HTTPClient = .shared, serializer: PaymentSerializer = PaymentSerializer(),
                configuration: Configuration = Configuration(), logger: Logger = Logger(label: "x402.paying-http-client")) {
        self.client = client
        self.httpClient = httpClient
        self.serializer = serializer
        self.configuration = configuration
        self.logger = logger
    }

    /// Sends `request`, paying when the server answers 402; `timeout` applies to each HTTP attempt (at most three).
    ///
    /// Throws ``X402PayingClientError`` for the client's own failures (nothing payable, paid but still 402,
    /// body limits, transport) and a scheme's error unchanged when it refuses to pay (e.g. a spend limit).
    public func execute(_ request: HTTPClientRequest, timeout: TimeAmount) async throws -> X402PaidResponse {
        var replayable = request
        if request.body != nil { replayable.body = .bytes(try await collectBody(of: request)) }
        let result = try await PaymentFlow.run(client: client, serializer: serializer, requestURL: request.url) { signature in
            var attempt = replayable
            if let signature {
                attempt.headers.replaceOrAdd(name: X402Header.paymentSignature, value: signature)
                logger.debug("x402 paying", metadata: ["url": "\(request.url)"])
            }
            let answer = try await send(attempt, timeout: timeout)
            return (answer, HTTPResponse.Status(code: Int(answer.status.code)), Self.fields(answer.headers))
        }
        var response = result.response
        response.settleResponse = result.settleResponse
        response.paymentPayload = result.paymentPayload
        return response
    }

    /// The body of `request` in one buffer (empty without a body).
    private func collectBody(of request: HTTPClientRequest) async throws(X402PayingClientError) -> ByteBuffer {
        var collected = ByteBuffer()
        guard let body = request.body else { return collected }
        let limit = configuration.maxRequestBodyBytes
        do {
            for try await chunk in body {
                guard collected.readableBytes + chunk.readableBytes <= limit else {
                    throw X402PayingClientError(.requestBodyTooLarge(limit: limit))
                }
                collected.writeImmutableBuffer(chunk)
            }
        } catch let error as X402PayingClientError {
            throw error
        } catch {
            throw X402PayingClientError(.invalidRequest, "cannot read the request body", underlying: error)
        }
        return collected
    }

    /// One attempt, its body collected.
    private func send(_ request: HTTPClientRequest, timeout: TimeAmount) async throws(X402PayingClientError) -> X402PaidResponse {
        let limit = configuration.maxResponseBytes
        do {
            let response = try await httpClient.execute(request, timeout: timeout, logger: logger)
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: limit)
            } catch is NIOTooManyBytesError {
                throw X402PayingClientError(.responseBodyTooLarge(limit: limit), status: Int(response.status.code))
            }
            return X402PaidResponse(status: response.status, headers: response.headers, body: body, settleResponse: nil,
                                    paymentPayload: nil)
        } catch let error as X402PayingClientError {
            throw error
        } catch {
            throw Self.classify(error)
        }
    }

    /// Maps a transport error with the facilitator client's classification.
    static func classify(_ error: any Error) -> X402PayingClientError {
        let kind: X402PayingClientError.Kind
        switch HTTPFacilitatorClient.classify(error, endpoint: .verify).kind {
        case .timedOut: kind = .timedOut
        case .cancelled: kind = .cancelled
        case .invalidRequest: kind = .invalidRequest
        default: kind = .transport
        }
        return X402PayingClientError(kind, underlying: error)
    }

    /// The headers as `HTTPFields` (names that are not valid field names are skipped).
    static func fields(_ headers: HTTPHeaders) -> HTTPFields {
        var fields = HTTPFields()
        for header in headers {
            guard let name = HTTPField.Name(header.name) else { continue }
            fields.append(HTTPField(name: name, value: header.value))
        }
        return fields
    }
}
