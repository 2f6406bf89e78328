import Foundation
import Synchronization
import Testing
import X402Core
import X402Testing
import X402Hummingbird

/// A journal stand-in for `GET /transactions/{hash}`: one known transaction; records the hashes asked for.
final class FakeTransactionSource: TransactionStatusSource {
    let known = TransactionStatus(transaction: settledHash, network: fakeNetwork, status: .settled, purpose: "claim",
                                  blockHash: "0x" + String(repeating: "cd", count: 32), blockNumber: 42,
                                  timestamp: 1_700_000_000, gasUsed: 123_456)
    let asked = Mutex<[String]>([])
    let fails: Bool

    init(fails: Bool = false) { self.fails = fails }

    struct LookupFailed: Error {}

    func transactionStatus(hash: String) async throws -> TransactionStatus? {
        asked.withLock { $0.append(hash) }
        if fails { throw LookupFailed() }
        return hash == known.transaction ? known : nil
    }
}

/// The endpoints over real HTTP on loopback.
@Suite struct FacilitatorEndpointTests {
    @Test func verifyAndSettleRoundTrip() async throws {
        let scheme = FakeScheme()
        let facilitator = makeFacilitator(scheme)
        try await TestServer.with(facilitator: facilitator) { server in

            let verify = try await server.post("/verify", requestBody())
            #expect(verify.status == 200)
            #expect(verify.header("Content-Type") == "application/json")
            let direct = await facilitator.verify(payload, requirements: requirements)
            #expect(try verify.decode(VerifyResponse.self) == direct)

            let settle = try await server.post("/settle", requestBody())
            #expect(settle.status == 200)
            let settled = try settle.decode(SettleResponse.self)
            #expect(settled == SettleResponse(success: true, payer: "0xBuyer", transaction: settledHash, network: fakeNetwork,
                                              amount: "1000", extra: ["chargedAmount": "1000"]))
            #expect(scheme.calls.map(\.operation) == ["verify", "verify", "settle"])
        }
    }

    @Test func paymentFailuresAreOK() async throws {
        try await TestServer.with(facilitator: makeFacilitator(FakeScheme())) { server in
            let bad = PaymentPayload(payload: ["signature": "bad"], accepted: requirements)

            let verify = try await server.post("/verify", requestBody(bad))
            #expect(verify.status == 200)
            let invalid = try verify.decode(VerifyResponse.self)
            #expect(!invalid.isValid && invalid.invalidReason == "invalid_fake_signature" && invalid.invalidMessage == "bad signature")

            let settle = try await server.post("/settle", requestBody(bad))
            #expect(settle.status == 200)
            #expect(try settle.decode(SettleResponse.self).errorReason == "invalid_fake_signature")

            // A scheme nobody serves is a payment failure too, not an HTTP error.
            var other = requirements
            other.scheme = "exact"
            let unsupported = try await server.post("/settle", requestBody(PaymentPayload(payload: [:], accepted: other), other))
            #expect(unsupported.status == 200)
            let failure = try unsupported.decode(SettleResponse.self)
            #expect(!failure.success && failure.errorReason == .unsupportedScheme)
        }
    }

    @Test func supportedAndHealth() async throws {
        let facilitator = makeFacilitator(FakeScheme()).registerExtension("eip2612GasSponsoring")
        try await TestServer.with(facilitator: facilitator) { server in
            #expect(server.port > 0)

            let supported = try await server.get("/supported")
            #expect(supported.status == 200)
            let decoded = try supported.decode(SupportedResponse.self)
            #expect(decoded == facilitator.supported())
            #expect(decoded.kind(scheme: "fake", network: fakeNetwork)?.extra?["receiverAuthorizer"] == "0x00000000000000000000000000000000000000aa")

            let health = try await server.get("/health")
            #expect(health.status == 200 && health.text == #"{"status":"ok"}"#)
        }
    }

    @Test func unknownRoutesAndMethods() async throws {
        let scheme = FakeScheme()
        try await TestServer.with(facilitator: makeFacilitator(scheme)) { server in

            for path in ["/", "/nope", "/verify/extra", "/transactions/", "/transactions/0x1/2", "/VERIFY"] {
                let answer = try await server.get(path)
                #expect(answer.status == 404, "\(path)")
                #expect(answer.error?.error == .notFound, "\(path)")
            }
            let getVerify = try await server.get("/verify")
            #expect(getVerify.status == 405 && getVerify.header("Allow") == "POST" && getVerify.error?.error == .methodNotAllowed)
            let postHealth = try await server.post("/health", [])
            #expect(postHealth.status == 405 && postHealth.header("Allow") == "GET")
            let deleteSettle = try await server.request(.delete, "/settle")
            #expect(deleteSettle.status == 405)
            #expect(scheme.calls.isEmpty)
        }
    }

    @Test func transactionStatus() async throws {
        let source = FakeTransactionSource()
        try await TestServer.with(facilitator: makeFacilitator(FakeScheme()), transactionStatus: source) { server in

            let found = try await server.get("/transactions/\(settledHash.uppercased().replacingOccurrences(of: "0X", with: "0x"))")
            #expect(found.status == 200)
            #expect(try found.decode(TransactionStatus.self) == source.known)
            #expect(source.asked.withLock { $0 } == [settledHash], "the source gets the lowercase hash")

            let unknown = try await server.get("/transactions/0x" + String(repeating: "01", count: 32))
            #expect(unknown.status == 404 && unknown.error?.error == .notFound)

            for malformed in ["0x1234", "ab" + String(repeating: "ab", count: 32), "0x" + String(repeating: "zz", count: 32),
                              "0x" + String(repeating: "ab", count: 33), "0x" + String(repeating: "ab", count: 31) + "a"] {
                let answer = try await server.get("/transactions/\(malformed)")
                #expect(answer.status == 400 && answer.error?.error == .invalidTransactionHash, "\(malformed)")
            }
            #expect(source.asked.withLock { $0.count } == 2, "malformed hashes never reach the source")
        }
    }

    @Test func transactionStatusWithoutOrFailingSource() async throws {
        try await TestServer.with(facilitator: makeFacilitator(FakeScheme())) { server in
            let missing = try await server.get("/transactions/\(settledHash)")
            #expect(missing.status == 404 && missing.error?.error == .notFound)
        }
        let failing = FakeTransactionSource(fails: true)
        try await TestServer.with(facilitator: makeFacilitator(FakeScheme()), transactionStatus: failing) { server in
            let unavailable = try await server.get("/transactions/\(settledHash)")
            #expect(unavailable.status == 503 && unavailable.error?.error == .unavailable)
        }
    }

    @Test func metricsAfterTraffic() async throws {
        try await TestServer.with(facilitator: makeFacilitator(FakeScheme())) { server in
            _ = try await server.post("/verify", requestBody())
            _ = try await server.post("/verify", requestBody(PaymentPayload(payload: ["signature": "bad"], accepted: requirements)))
            _ = try await server.post("/settle", requestBody())
            _ = try await server.post("/settle", Array("{".utf8))
            _ = try await server.get("/nope/\(String(repeating: "x", count: 50))")

            let metrics = try await server.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
            let text = metrics.text
            #expect(text.contains(#"x402_facilitator_http_requests_total{endpoint="/verify",status="200"} 2"#))
            #expect(text.contains(#"x402_facilitator_http_requests_total{endpoint="/settle",status="200"} 1"#))
            #expect(text.contains(#"x402_facilitator_http_requests_total{endpoint="/settle",status="400"} 1"#))
            #expect(text.contains(#"x402_facilitator_http_requests_total{endpoint="not_found",status="404"} 1"#))
            #expect(text.contains(#"x402_facilitator_verify_results_total{reason="ok"} 1"#))
            #expect(text.contains(#"x402_facilitator_verify_results_total{reason="invalid_fake_signature"} 1"#))
            #expect(text.contains(#"x402_facilitator_settle_results_total{reason="ok"} 1"#))
            #expect(text.contains(#"x402_facilitator_http_request_duration_seconds_count{endpoint="/verify"} 2"#))
            #expect(!text.contains("xxxxx"), "raw paths never become label values")
        }
    }

    @Test func metricsEndpointNeedsARegistry() async throws {
        try await TestServer.with(facilitator: makeFacilitator(FakeScheme()), exposeMetrics: false) { server in
            let metrics = try await server.get("/metrics")
            #expect(metrics.status == 404 && metrics.error?.error == .notFound)
        }
    }

    @Test func requestsAreLoggedWithoutBodies() async throws {
        let logs = LogCapture()
        try await TestServer.with(facilitator: makeFacilitator(FakeScheme()), logs: logs) { server in
            _ = try await server.post("/verify", requestBody())
        }
        let line = try #require(logs.records.first { $0.metadata["http.path"] == "/verify" })
        #expect(line.level == .info)
        #expect(line.metadata["http.method"] == "POST" && line.metadata["http.status"] == "200")
        #expect(line.metadata["client"] == "127.0.0.1")
        #expect(line.metadata["duration_ms"].flatMap { Double($0.description) } != nil)
        #expect(!logs.text.contains("good"), "the body (its signature) is never logged")
    }
}
