import AsyncHTTPClient
import Foundation
import Logging
import Synchronization
import Testing
import X402Testing
import X402AsyncHTTPClient
import X402Core

private func json(_ text: String) -> [UInt8] { Array(text.utf8) }

private let requirements = PaymentRequirements(scheme: "fake", network: "eip155:84532", asset: "0xToken", amount: "1000",
                                               payTo: "0xSeller", extra: ["name": "Fake"])
private let payload = PaymentPayload(payload: ["signature": "sig-1000"], accepted: requirements)

/// Tests of the HTTP facilitator client against a real loopback HTTP server.
@Suite(.serialized) struct HTTPFacilitatorClientTests {
    func client(_ url: String, timeout: Duration = .seconds(5), maxBytes: Int = 1 << 20, retries: Int = 2,
                http: HTTPClient = .shared, log: LogCapture = LogCapture(),
                auth: (@Sendable (FacilitatorEndpoint) async throws -> [(String, String)])? = nil) -> HTTPFacilitatorClient {
        HTTPFacilitatorClient(configuration: .init(baseURL: url, timeout: timeout, maxResponseBytes: maxBytes, connectRetries: retries,
                                                   retryDelay: .milliseconds(50), authHeaders: auth),
                              httpClient: http, logger: log.logger)
    }

    /// An HTTP client that fails at once when it cannot connect (the shared one keeps trying until the deadline).
    func noReconnectClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    @Test func verifySettleAndSupportedWireShapes() async throws {
        let server = try LoopbackHTTPServer { request in
            switch (request.method, request.path) {
            case ("POST", "/facilitator/verify"):
                return .init(body: json(#"{"isValid":false,"invalidReason":"invalid_fake_signature","invalidMessage":"bad","payer":"0xBuyer"}"#))
            case ("POST", "/facilitator/settle"):
                return .init(body: json(#"{"success":true,"transaction":"0xtx","network":"eip155:84532","amount":"1000","extra":{"k":1}}"#))
            case ("GET", "/facilitator/supported"):
                return .init(body: json(#"{"kinds":[{"x402Version":2,"scheme":"fake","network":"eip155:84532","extra":{"feePayer":"0xF"}}],"extensions":["e"],"signers":{"eip155:*":["0xR"]}}"#))
            default:
                return .init(status: 404, body: [])
            }
        }
        defer { server.stop() }
        let facilitator = client(server.url + "/facilitator/", auth: { endpoint in [("Authorization", "Bearer \(endpoint.rawValue)")] })

        let verify = try await facilitator.verify(payload, requirements: requirements)
        #expect(!verify.isValid && verify.invalidReason == "invalid_fake_signature" && verify.payer == "0xBuyer")
        let settle = try await facilitator.settle(payload, requirements: requirements)
        #expect(settle.success && settle.transaction == "0xtx" && settle.extra == ["k": 1])
        let supported = try await facilitator.supported()
        #expect(supported.kinds.first?.extra == ["feePayer": "0xF"] && supported.signers == ["eip155:*": ["0xR"]])

        let requests = server.requests
        #expect(requests.map(\.path) == ["/facilitator/verify", "/facilitator/settle", "/facilitator/supported"])
        #expect(requests.map { $0.header("Authorization") } == ["Bearer verify", "Bearer settle", "Bearer supported"])
        #expect(requests.allSatisfy { $0.header("Content-Type") == "application/json" })
        let body = try X402JSON.decode(FacilitatorRequest.self, from: requests[0].body)
        #expect(body == FacilitatorRequest(paymentPayload: payload, paymentRequirements: requirements))
        #expect(String(decoding: requests[0].body, as: UTF8.self).hasPrefix(#"{"x402Version":2,"paymentPayload":"#))
        #expect(requests[2].body.isEmpty)
    }

    @Test func non200IsTypedWithItsStatusAndNotRetried() async throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 503, body: json("upstream down")) }
        defer { server.stop() }
        let error = await #expect(throws: HTTPFacilitatorError.self) {
            try await client(server.url).verify(payload, requirements: requirements)
        }
        #expect(error?.kind == .httpStatus(503) && error?.endpoint == .verify && error?.message == "upstream down")
        #expect(server.requests.count == 1)
    }

    @Test func oversizedBodyIsRejected() async throws {
        let server = try LoopbackHTTPServer { _ in .init(body: json(#"{"kinds":[],"pad":""# + String(repeating: "x", count: 4096) + #""}"#)) }
        defer { server.stop() }
        let error = await #expect(throws: HTTPFacilitatorError.self) { try await client(server.url, maxBytes: 1024).supported() }
        #expect(error?.kind == .bodyTooLarge(limit: 1024))
        #expect(try await client(server.url, maxBytes: 8192).supported().kinds.isEmpty)
    }

    @Test func undecodableBodyIsTyped() async throws {
        let server = try LoopbackHTTPServer { request in
            .init(body: json(request.path == "/verify" ? #"{"isValid":"yes"}"# : "<html>"))
        }
        defer { server.stop() }
        let shape = await #expect(throws: HTTPFacilitatorError.self) { try await client(server.url).verify(payload, requirements: requirements) }
        #expect(shape?.kind == .undecodableBody)
        let garbage = await #expect(throws: HTTPFacilitatorError.self) { try await client(server.url).settle(payload, requirements: requirements) }
        #expect(garbage?.kind == .undecodableBody && garbage?.endpoint == .settle)
    }

    @Test func slowFacilitatorTimesOut() async throws {
        let server = try LoopbackHTTPServer { _ in .init(body: json(#"{"isValid":true}"#), delay: 1.5) }
        defer { server.stop() }
        let start = ContinuousClock.now
        let error = await #expect(throws: HTTPFacilitatorError.self) {
            try await client(server.url, timeout: .milliseconds(300)).verify(payload, requirements: requirements)
        }
        #expect(error?.kind == .timedOut)
        #expect(ContinuousClock.now - start < .seconds(1.4))
    }

    @Test func connectFailureIsRetriedForVerifyAndSupportedOnly() async throws {
        let port = try LoopbackHTTPServer.closedPort()
        let http = noReconnectClient()
        let log = LogCapture()
        let facilitator = client("http://127.0.0.1:\(port)", retries: 2, http: http, log: log)
        for call in [{ _ = try await facilitator.verify(payload, requirements: requirements) },
                     { _ = try await facilitator.supported() }] as [@Sendable () async throws -> Void] {
            let error = await #expect(throws: HTTPFacilitatorError.self) { try await call() }
            #expect(error?.kind == .connectFailed)
        }
        #expect(log.count(containing: "retrying") == 4)
        let settle = await #expect(throws: HTTPFacilitatorError.self) { try await facilitator.settle(payload, requirements: requirements) }
        #expect(settle?.kind == .connectFailed)
        #expect(log.count(containing: "retrying") == 4)
        try await http.shutdown()
    }

    @Test func verifyRecoversWhenTheFacilitatorComesUp() async throws {
        let port = try LoopbackHTTPServer.releasedPort()
        let http = noReconnectClient()
        let starter = Task {
            try await Task.sleep(for: .milliseconds(300))
            return try LoopbackHTTPServer(port: port) { _ in .init(body: json(#"{"isValid":true,"payer":"0xBuyer"}"#)) }
        }
        // Up to 10 s of retries: a loaded machine may start the server late.
        let facilitator = client("http://127.0.0.1:\(port)", retries: 200, http: http)
        // A failure is recorded, not thrown: the HTTP client must still be shut down.
        do {
            let result = try await facilitator.verify(payload, requirements: requirements)
            #expect(result.isValid && result.payer == "0xBuyer")
        } catch {
            let started = await starter.result
            Issue.record("verify failed: \(error); server: \(started)")
        }
        (try? await starter.value)?.stop()
        try await http.shutdown()
    }

    @Test func settleIsNeverResentOnceSent() async throws {
        let server = try LoopbackHTTPServer { _ in .init(body: [], drop: true) }
        defer { server.stop() }
        let log = LogCapture()
        let error = await #expect(throws: HTTPFacilitatorError.self) {
            try await client(server.url, log: log).settle(payload, requirements: requirements)
        }
        #expect(error?.kind != .connectFailed)
        #expect(server.requests.count == 1)
        #expect(log.count(containing: "retrying") == 0)
    }

    @Test func resourceServerInitializesOverHTTP() async throws {
        let server = try LoopbackHTTPServer { _ in
            .init(body: json(#"{"kinds":[{"x402Version":2,"scheme":"fake","network":"eip155:84532"},{"x402Version":1,"scheme":"old","network":"base"}]}"#))
        }
        defer { server.stop() }
        struct Scheme: SchemeNetworkServer {
            let scheme = "fake"
            func parsePrice(_ price: Price, network: Network) throws -> AssetAmount { AssetAmount(amount: "5", asset: "0xToken") }
        }
        let resourceServer = X402ResourceServer(facilitator: client(server.url)).register(Scheme(), for: "eip155:84532")
        try await resourceServer.initialize()
        #expect(resourceServer.supportedKind(scheme: "fake", network: "eip155:84532") != nil)
        #expect(resourceServer.supportedKind(scheme: "old", network: "base") == nil)
        let built = try await resourceServer.buildPaymentRequirements(PaymentOption(scheme: "fake", price: "$1", network: "eip155:84532", payTo: "0xS"))
        #expect(built.amount == "5")
    }
}
