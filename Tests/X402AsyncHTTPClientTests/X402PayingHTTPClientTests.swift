import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import Testing
import X402AsyncHTTPClient
import X402Core
import X402Testing

/// A seller on a loopback server: `/free/…` is served as is; `/paid/<key>` answers 402 with `PAYMENT-REQUIRED`
/// (payTo `<key>`) unless `PAYMENT-SIGNATURE` is present, then 200 with `PAYMENT-RESPONSE` and the request
/// body echoed. The first `corrective` paid attempts get a corrective 402 instead.
final class Paywall: Sendable {
    static let mismatch = "invalid_fake_cumulative_mismatch"
    private let delay: Double
    private let state: Mutex<(inFlight: [String: Int], peak: [String: Int], total: Int, peakTotal: Int, corrective: Int)>

    init(corrective: Int = 0, delay: Double = 0) {
        self.delay = delay
        state = Mutex(([:], [:], 0, 0, corrective))
    }

    /// The most paid requests of one key in flight at once, by key.
    var peaks: [String: Int] { state.withLock { $0.peak } }
    /// The most paid requests in flight at once.
    var peakTotal: Int { state.withLock { $0.peakTotal } }

    static func offer(_ key: String, amount: String = "1000") -> PaymentRequired {
        PaymentRequired(error: "Payment required", resource: ResourceInfo(url: "/paid/\(key)", description: "", mimeType: ""),
                        accepts: [PaymentRequirements(scheme: "fake", network: "eip155:84532", asset: "0xToken", amount: amount,
                                                      payTo: key)])
    }

    func handle(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        if request.path.hasPrefix("/free") { return .init(status: 201, body: Array("free".utf8), headers: [("X-Seen", "yes")]) }
        if request.path == "/plain402" { return .init(status: 402, body: Array("{}".utf8)) }
        let key = String(request.path.split(separator: "/").last ?? "")
        guard let signature = request.header(X402Header.paymentSignature),
              let payload = try? HeaderCodec.decodePaymentSignature(signature) else {
            return .init(status: 402, body: Array("{}".utf8),
                         headers: [(X402Header.paymentRequired, try! HeaderCodec.encodePaymentRequired(Self.offer(key)))])
        }
        let paidKey = payload.accepted.payTo
        state.withLock { s in
            s.inFlight[paidKey, default: 0] += 1
            s.total += 1
            s.peak[paidKey] = max(s.peak[paidKey] ?? 0, s.inFlight[paidKey]!)
            s.peakTotal = max(s.peakTotal, s.total)
        }
        // The work happens while the request counts as in flight.
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        let corrective = state.withLock { s -> Bool in
            s.inFlight[paidKey]! -= 1
            s.total -= 1
            guard s.corrective > 0 else { return false }
            s.corrective -= 1
            return true
        }
        if corrective {
            var offer = Self.offer(key)
            offer.error = Self.mismatch
            return .init(status: 402, body: Array("{}".utf8),
                         headers: [(X402Header.paymentRequired, try! HeaderCodec.encodePaymentRequired(offer))])
        }
        let settle = SettleResponse(success: true, payer: "0xBuyer", transaction: "0xtx-\(payload.payload["signature"]?.stringValue ?? "")",
                                    network: "eip155:84532", amount: payload.accepted.amount)
        return .init(body: request.body.isEmpty ? Array("paid".utf8) : request.body,
                     headers: [(X402Header.paymentResponse, try! HeaderCodec.encodePaymentResponse(settle))])
    }
}

/// A client scheme keyed by payTo that recovers from the paywall's corrective 402 and counts its payloads.
final class PaywallScheme: SchemeNetworkClient {
    let scheme = "fake"
    private let built = Mutex(0)

    var payloads: Int { built.withLock { $0 } }

    func createPaymentPayload(for requirements: PaymentRequirements, context: PaymentPayloadContext) async throws -> SchemePayload {
        let n = built.withLock { n -> Int in
            n += 1
            return n
        }
        return SchemePayload(payload: ["signature": .string("sig-\(n)"), "url": .string(context.requestURL ?? "")])
    }

    func onPaymentResponse(_ context: PaymentResponseContext) async throws -> PaymentResponseDecision {
        context.paymentRequired?.error == Paywall.mismatch ? .retryWithFreshPayload : .done
    }

    func serializationKey(for requirements: PaymentRequirements, requestURL: String?) -> String? { requirements.payTo }
}

/// The paying AsyncHTTPClient wrapper against a real loopback seller.
@Suite struct X402PayingHTTPClientTests {
    let scheme = PaywallScheme()

    func paying(policy: PaymentSelectionPolicy = PaymentSelectionPolicy(),
                configuration: X402PayingHTTPClient.Configuration = .init()) -> X402PayingHTTPClient {
        X402PayingHTTPClient(client: X402Client(policy: policy).register(scheme, for: .family("eip155")),
                             configuration: configuration)
    }

    func text(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }

    @Test func paysAndExposesThePaymentResponse() async throws {
        let paywall = Paywall()
        let server = try LoopbackHTTPServer(paywall.handle)
        defer { server.stop() }
        let url = server.url + "/paid/a"
        let response = try await paying().execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        #expect(response.status == .ok && text(response.body) == "paid")
        #expect(response.settleResponse?.transaction == "0xtx-sig-1" && response.settleResponse?.amount == "1000")
        #expect(response.paymentPayload?.payload["url"] == .string(url))
        let requests = server.requests
        #expect(requests.count == 2 && requests[0].header(X402Header.paymentSignature) == nil)
        #expect(try HeaderCodec.decodePaymentSignature(requests[1].header(X402Header.paymentSignature)!) == response.paymentPayload)
    }

    @Test func correctiveRetryHappensExactlyOnce() async throws {
        let server = try LoopbackHTTPServer(Paywall(corrective: 1).handle)
        defer { server.stop() }
        let response = try await paying().execute(HTTPClientRequest(url: server.url + "/paid/a"), timeout: .seconds(5))
        #expect(response.status == .ok && response.settleResponse?.transaction == "0xtx-sig-2")
        #expect(server.requests.count == 3 && scheme.payloads == 2)

        let stubborn = try LoopbackHTTPServer(Paywall(corrective: 2).handle)
        defer { stubborn.stop() }
        let error = await #expect(throws: X402PayingClientError.self) {
            _ = try await paying().execute(HTTPClientRequest(url: stubborn.url + "/paid/a"), timeout: .seconds(5))
        }
        #expect(error?.kind == .paidButStillPaymentRequired && error?.serverError == Paywall.mismatch)
        #expect(stubborn.requests.count == 3)
    }

    @Test func sameKeyNeverOverlapsOtherKeysDo() async throws {
        let paywall = Paywall(delay: 0.15)
        let server = try LoopbackHTTPServer(paywall.handle)
        defer { server.stop() }
        let client = paying()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<6 {
                let url = server.url + "/paid/" + (i % 2 == 0 ? "a" : "b")
                group.addTask {
                    let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
                    #expect(response.status == .ok)
                }
            }
            try await group.waitForAll()
        }
        #expect(paywall.peaks == ["a": 1, "b": 1])
        #expect(paywall.peakTotal == 2)
        #expect(client.serializer.activeKeys == 0)
    }

    @Test func answersWithoutAPaymentPassThroughUntouched() async throws {
        let server = try LoopbackHTTPServer(Paywall().handle)
        defer { server.stop() }
        var request = HTTPClientRequest(url: server.url + "/free/x")
        request.headers.add(name: "X-Mine", value: "1")
        let response = try await paying().execute(request, timeout: .seconds(5))
        #expect(response.status == .created && text(response.body) == "free" && response.headers.first(name: "X-Seen") == "yes")
        #expect(response.paymentPayload == nil && response.settleResponse == nil)
        let plain = try await paying().execute(HTTPClientRequest(url: server.url + "/plain402"), timeout: .seconds(5))
        #expect(plain.status == .paymentRequired && plain.paymentPayload == nil)
        #expect(server.requests.count == 2 && server.requests[0].header("X-Mine") == "1")
        #expect(server.requests.allSatisfy { $0.header(X402Header.paymentSignature) == nil } && scheme.payloads == 0)
    }

    @Test func aStreamedPostBodyIsReplayed() async throws {
        let server = try LoopbackHTTPServer(Paywall().handle)
        defer { server.stop() }
        let chunks = AsyncStream<ByteBuffer> { continuation in
            continuation.yield(ByteBuffer(string: #"{"query":"#))
            continuation.yield(ByteBuffer(string: #""weather"}"#))
            continuation.finish()
        }
        var request = HTTPClientRequest(url: server.url + "/paid/a")
        request.method = .POST
        request.body = .stream(chunks, length: .unknown)
        let response = try await paying().execute(request, timeout: .seconds(5))
        #expect(text(response.body) == #"{"query":"weather"}"#)
        #expect(server.requests.map(\.method) == ["POST", "POST"])
        #expect(server.requests.map { String(decoding: $0.body, as: UTF8.self) } == [#"{"query":"weather"}"#, #"{"query":"weather"}"#])

        var large = HTTPClientRequest(url: server.url + "/paid/a")
        large.method = .POST
        large.body = .bytes(ByteBuffer(repeating: 1, count: 64))
        let error = await #expect(throws: X402PayingClientError.self) {
            _ = try await paying(configuration: .init(maxRequestBodyBytes: 32)).execute(large, timeout: .seconds(5))
        }
        #expect(error?.kind == .requestBodyTooLarge(limit: 32) && server.requests.count == 2)
    }

    @Test func refusalsAndFailuresAreTyped() async throws {
        let server = try LoopbackHTTPServer(Paywall().handle)
        defer { server.stop() }
        let capped = await #expect(throws: X402PayingClientError.self) {
            _ = try await paying(policy: PaymentSelectionPolicy(maxAmountPerPayment: "999"))
                .execute(HTTPClientRequest(url: server.url + "/paid/a"), timeout: .seconds(5))
        }
        #expect(capped?.kind == .noAcceptableRequirement && (capped?.underlying as? X402Error)?.reason == .amountExceedsPolicy)
        #expect(server.requests.count == 1)

        let tooLarge = await #expect(throws: X402PayingClientError.self) {
            _ = try await paying(configuration: .init(maxResponseBytes: 2)).execute(HTTPClientRequest(url: server.url + "/free"),
                                                                                    timeout: .seconds(5))
        }
        #expect(tooLarge?.kind == .responseBodyTooLarge(limit: 2))

        let closed = try LoopbackHTTPServer.closedPort()
        let refused = await #expect(throws: X402PayingClientError.self) {
            _ = try await paying().execute(HTTPClientRequest(url: "http://127.0.0.1:\(closed)/paid/a"), timeout: .milliseconds(500))
        }
        #expect(refused?.kind == .transport || refused?.kind == .timedOut)
    }
}
