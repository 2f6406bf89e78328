import ArgumentParser
import AsyncHTTPClient
import Logging
import NIOCore
import X402AsyncHTTPClient
import X402BatchSettlementClient
import X402EVM

// Keys, the facilitator client and the refund transport, as every seller and payer command reads or builds them.

/// The receiver-authorizer key: `--authorizer-key-file`, else `X402_AUTHORIZER_KEY`, else none (delegated).
func authorizerKey(file: String?) throws -> PrivateKey? {
    try file.map { try PrivateKey(contentsOfFile: $0) } ?? environment("X402_AUTHORIZER_KEY").map { try PrivateKey(hex: $0) }
}

/// The payer's wallet: `--key-file`, else `EVM_PRIVATE_KEY`.
func walletKey(file: String?) throws -> PrivateKey {
    if let file { return try PrivateKey(contentsOfFile: file) }
    guard let hex = environment("EVM_PRIVATE_KEY") else { throw ValidationError("no wallet key: set EVM_PRIVATE_KEY or --key-file") }
    return try PrivateKey(hex: hex)
}

/// A facilitator client that authenticates with `X402_FACILITATOR_API_KEY` (Bearer) when it is set.
func facilitatorClient(url: String, timeout: Duration, logger: Logger) -> HTTPFacilitatorClient {
    let apiKey = environment("X402_FACILITATOR_API_KEY")
    return HTTPFacilitatorClient(
        configuration: .init(baseURL: url, timeout: timeout,
                             authHeaders: apiKey.map { key in { @Sendable _ in [("Authorization", "Bearer \(key)")] } }),
        logger: logger)
}

/// The client's cooperative-refund round trips over AsyncHTTPClient, each within `timeout`.
func asyncHTTPRefundTransport(timeout: TimeAmount) -> RefundTransport {
    { url, headers in
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        _ = try await response.body.collect(upTo: 1 << 20)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name] = header.value }
        return RefundHTTPResponse(status: Int(response.status.code), headers: fields)
    }
}
