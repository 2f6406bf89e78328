import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Forwards a request to the upstream API and answers with its response: the paid half of `x402 serve`.
///
/// Hop-by-hop headers and the payment headers stay at the proxy; the upstream may answer with a
/// `Settlement-Overrides` header to charge less than the route price (dynamic pricing), which the payment
/// middleware applies and strips. Bodies are capped both ways.
struct UpstreamProxy: Sendable {
    let upstream: String
    let client: HTTPClient
    let timeout: TimeAmount
    let maxBodyBytes: Int
    let logger: Logger

    /// Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus what the proxy sets itself.
    static let dropped: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length", "payment-signature", "x-payment",
    ]

    func forward(_ request: Request, payer: String?) async throws -> Response {
        var target = upstream
        if target.hasSuffix("/") { target.removeLast() }
        target += request.uri.path
        if let query = request.uri.query, !query.isEmpty { target += "?" + query }

        var outbound = HTTPClientRequest(url: target)
        outbound.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers where !Self.dropped.contains(field.name.canonicalName) {
            outbound.headers.add(name: field.name.rawName, value: field.value)
        }
        if let payer { outbound.headers.replaceOrAdd(name: "X-X402-Payer", value: payer) }
        let body = try await request.body.collect(upTo: maxBodyBytes)
        if body.readableBytes > 0 { outbound.body = .bytes(body) }

        let response: HTTPClientResponse
        do {
            response = try await client.execute(outbound, timeout: timeout)
        } catch {
            logger.warning("upstream unreachable", metadata: ["error": "\(error)"])
            return Self.badGateway("upstream unreachable")
        }
        let bytes: ByteBuffer
        do {
            bytes = try await response.body.collect(upTo: maxBodyBytes)
        } catch {
            logger.warning("upstream body failed or too large", metadata: ["error": "\(error)"])
            return Self.badGateway("upstream response failed or exceeded \(maxBodyBytes) bytes")
        }
        var headers = HTTPFields()
        for (name, value) in response.headers where !Self.dropped.contains(name.lowercased()) {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        return Response(status: HTTPResponse.Status(code: Int(response.status.code)), headers: headers, body: ResponseBody(byteBuffer: bytes))
    }

    static func badGateway(_ message: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .badGateway, headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":"\#(message)"}"#)))
    }
}
