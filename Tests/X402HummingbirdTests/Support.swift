import AsyncHTTPClient
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization
import Testing
import X402Core
import X402Testing
import X402Hummingbird

let fakeNetwork: Network = "eip155:84532"
let requirements = PaymentRequirements(scheme: "fake", network: fakeNetwork, asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
                                       amount: "1000", payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
                                       maxTimeoutSeconds: 60, extra: ["name": "USDC"])
let payload = PaymentPayload(payload: ["signature": "good"], accepted: requirements)
let settledHash = "0x" + String(repeating: "ab", count: 32)

/// A scheme that answers from the payload's `signature` and records every call with the caller it ran under.
final class FakeScheme: SchemeNetworkFacilitator {
    struct Call: Equatable {
        var operation: String
        var caller: FacilitatorCaller?
    }

    let scheme = "fake"
    let caipFamily = "eip155:*"
    let settleDelay: Duration
    private let recorded = Mutex<[Call]>([])

    init(settleDelay: Duration = .zero) { self.settleDelay = settleDelay }

    var calls: [Call] { recorded.withLock { $0 } }

    func extra(for network: Network) -> JSONObject? { ["receiverAuthorizer": "0x00000000000000000000000000000000000000aa"] }
    func signers(for network: Network) -> [String] { ["0x00000000000000000000000000000000000000bb"] }

    func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> VerifyResponse {
        recorded.withLock { $0.append(Call(operation: "verify", caller: FacilitatorCaller.current)) }
        if payload.payload["signature"] == "bad" { return .invalid("invalid_fake_signature", message: "bad signature", payer: "0xBuyer") }
        return VerifyResponse(isValid: true, payer: "0xBuyer", extra: ["channel": ["balance": "5000"]])
    }

    func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> SettleResponse {
        recorded.withLock { $0.append(Call(operation: "settle", caller: FacilitatorCaller.current)) }
        if settleDelay > .zero { try await Task.sleep(for: settleDelay) }
        if payload.payload["signature"] == "bad" { return .failure("invalid_fake_signature", message: "bad", network: payload.accepted.network) }
        return SettleResponse(success: true, payer: "0xBuyer", transaction: settledHash, network: payload.accepted.network,
                              amount: requirements.amount, extra: ["chargedAmount": "1000"])
    }
}

/// Collects log events (message and metadata) so tests can check what is, and is not, logged.
/// An HTTP answer with its body collected.
struct Answer {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    var text: String { String(decoding: body, as: UTF8.self) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try X402JSON.decode(type, from: body) }
    var error: FacilitatorHTTPError? { try? decode(FacilitatorHTTPError.self) }
}

/// The service on a free loopback port inside a ServiceGroup, and a client for it.
struct TestServer {
    let url: String
    let port: Int
    let group: ServiceGroup
    let run: Task<Void, any Error>
    let registry: PrometheusCollectorRegistry

    static func start(
        facilitator: X402Facilitator,
        configuration: FacilitatorHTTPConfiguration = FacilitatorHTTPConfiguration(port: 0),
        transactionStatus: (any TransactionStatusSource)? = nil,
        exposeMetrics: Bool = true,
        logs: LogCapture = LogCapture()
    ) async throws -> TestServer {
        let registry = PrometheusCollectorRegistry()
        let (ports, continuation) = AsyncStream<FacilitatorHTTPServer.ListeningAddress>.makeStream()
        let app = try FacilitatorHTTPServer.makeApplication(
            facilitator: facilitator, configuration: configuration, transactionStatus: transactionStatus,
            metricsRegistry: exposeMetrics ? registry : nil, metricsFactory: PrometheusMetricsFactory(registry: registry),
            logger: logs.logger
        ) { address in
            continuation.yield(address)
            continuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test.group") { _ in SwiftLogNoOpLogHandler() }))
        let run = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let address = await iterator.next() else {
            run.cancel()
            throw TestFailure("the server did not start")
        }
        return TestServer(url: address.url, port: address.port, group: group, run: run, registry: registry)
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await run.value
    }

    /// Runs `body` against a started server and shuts the server down afterwards, also when `body` throws.
    static func with(
        facilitator: X402Facilitator,
        configuration: FacilitatorHTTPConfiguration = FacilitatorHTTPConfiguration(port: 0),
        transactionStatus: (any TransactionStatusSource)? = nil,
        exposeMetrics: Bool = true,
        logs: LogCapture = LogCapture(),
        _ body: (TestServer) async throws -> Void
    ) async throws {
        let server = try await start(facilitator: facilitator, configuration: configuration,
                                     transactionStatus: transactionStatus, exposeMetrics: exposeMetrics, logs: logs)
        do {
            try await body(server)
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    func request(_ method: HTTPMethodName, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = [],
                 stream: Bool = false, timeout: Int64 = 30) async throws -> Answer {
        var request = HTTPClientRequest(url: url + path)
        request.method = .init(rawValue: method.rawValue)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            if stream {
                // Chunked transfer encoding: no Content-Length for the server to check up front.
                let chunks = stride(from: 0, to: body.count, by: 1024).map { ByteBuffer(bytes: body[$0..<min($0 + 1024, body.count)]) }
                request.body = .stream(chunks.async, length: .unknown)
            } else {
                request.body = .bytes(body)
            }
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeout))
        let collected = try await response.body.collect(upTo: 16 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                      body: Array(collected.readableBytesView))
    }

    func post(_ path: String, _ body: [UInt8], headers: [(String, String)] = []) async throws -> Answer {
        try await request(.post, path, body: body, headers: headers)
    }

    func get(_ path: String, headers: [(String, String)] = [], timeout: Int64 = 30) async throws -> Answer {
        try await request(.get, path, headers: headers, timeout: timeout)
    }
}

/// Request methods used by the tests.
enum HTTPMethodName: String {
    case get = "GET", post = "POST", put = "PUT", delete = "DELETE"
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Array where Element: Sendable {
    /// The elements as an async sequence.
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}

/// A facilitator serving only ``FakeScheme`` on ``fakeNetwork``.
func makeFacilitator(_ scheme: FakeScheme) -> X402Facilitator {
    X402Facilitator().register(scheme, networks: [fakeNetwork])
}

/// The `/verify` and `/settle` body for `payload`.
func requestBody(_ payload: PaymentPayload = payload, _ requirements: PaymentRequirements = requirements) throws -> [UInt8] {
    try X402JSON.encode(FacilitatorRequest(paymentPayload: payload, paymentRequirements: requirements))
}
