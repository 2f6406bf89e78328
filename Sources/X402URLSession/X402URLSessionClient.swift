import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import X402Core

/// An answer of ``X402URLSessionClient``, with the payment that bought it.
public struct X402URLSessionResponse: Sendable {
    /// The body of the last answer.
    public var data: Data
    /// The last answer.
    public var response: HTTPURLResponse
    /// The decoded `PAYMENT-RESPONSE`; nil when the request was not paid or the header is absent or undecodable.
    public var settleResponse: SettleResponse?
    /// The payment sent with the last attempt; nil when the server asked for none.
    public var paymentPayload: PaymentPayload?

    /// Creates a response.
    public init(data: Data, response: HTTPURLResponse, settleResponse: SettleResponse?, paymentPayload: PaymentPayload?) {
        self.data = data
        self.response = response
        self.settleResponse = settleResponse
        self.paymentPayload = paymentPayload
    }
}

/// The buyer's HTTP client over URLSession: answers a 402 by paying and retrying (protocol.md A.10).
///
/// The same exchange as the AsyncHTTPClient wrapper (``PaymentFlow``): a request without a 402 passes through
/// untouched; a 402 with `PAYMENT-REQUIRED` is paid and the request resent with `PAYMENT-SIGNATURE`; a scheme
/// that recovers from a corrective 402 gets exactly one more attempt. Payments with the same serialization key
/// never overlap; share ``serializer`` between clients of one wallet.
///
/// The request must be replayable: its body is `httpBody` (kept as is for every attempt); a request with an
/// `httpBodyStream` is rejected as ``X402PayingClientError/Kind/invalidRequest``. URLSession collects the whole
/// response body; there is no size cap here.
public struct X402URLSessionClient: Sendable {
    /// The session used.
    public let session: URLSession
    /// The buyer role that pays.
    public let client: X402Client
    /// Orders payments with the same serialization key.
    public let serializer: PaymentSerializer

    /// Creates a paying client.
    public init(session: URLSession = .shared, client: X402Client, serializer: PaymentSerializer = PaymentSerializer()) {
        self.session = session
        self.client = client
        self.serializer = serializer
    }

    /// Sends `request`, paying when the server answers 402.
    ///
    /// Throws ``X402PayingClientError`` for the client's own failures (nothing payable, paid but still 402,
    /// transport) and a scheme's error unchanged when it refuses to pay (e.g. a spend limit).
    public func data(for request: URLRequest) async throws -> X402URLSessionResponse {
        guard request.httpBodyStream == nil else {
            throw X402PayingClientError(.invalidRequest, "a request with an httpBodyStream cannot be replayed; set httpBody")
        }
        let result = try await PaymentFlow.run(client: client, serializer: serializer,
                                               requestURL: request.url?.absoluteString) { signature in
            var attempt = request
            if let signature { attempt.setValue(signature, forHTTPHeaderField: X402Header.paymentSignature) }
            let (data, response) = try await send(attempt)
            return ((data, response), HTTPResponse.Status(code: response.statusCode), Self.fields(response))
        }
        return X402URLSessionResponse(data: result.response.0, response: result.response.1,
                                      settleResponse: result.settleResponse, paymentPayload: result.paymentPayload)
    }

    private func send(_ request: URLRequest) async throws(X402PayingClientError) -> (Data, HTTPURLResponse) {
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw Self.classify(error)
        }
        guard let http = response as? HTTPURLResponse else {
            throw X402PayingClientError(.invalidRequest, "not an HTTP response (URL \(request.url?.absoluteString ?? "nil"))")
        }
        return (data, http)
    }

    /// Maps a URLSession error to its kind.
    static func classify(_ error: any Error) -> X402PayingClientError {
        if error is CancellationError { return X402PayingClientError(.cancelled, underlying: error) }
        guard let urlError = error as? URLError else { return X402PayingClientError(.transport, underlying: error) }
        switch urlError.code {
        case .timedOut: return X402PayingClientError(.timedOut, underlying: error)
        case .cancelled: return X402PayingClientError(.cancelled, underlying: error)
        case .badURL, .unsupportedURL: return X402PayingClientError(.invalidRequest, underlying: error)
        default: return X402PayingClientError(.transport, underlying: error)
        }
    }

    /// The response's headers as `HTTPFields` (names that are not valid field names are skipped).
    static func fields(_ response: HTTPURLResponse) -> HTTPFields {
        var fields = HTTPFields()
        for case let (name as String, value as String) in response.allHeaderFields {
            guard let fieldName = HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        return fields
    }
}
