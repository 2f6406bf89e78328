import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing
import X402Core
import X402Testing
import X402URLSession

/// The seller: `/paid/<key>` costs 1000 paid to `<key>`; the first `corrective` paid attempts get a corrective
/// 402; paid answers echo the body. Paid requests in flight are counted per key.
private final class Seller: Sendable {
    static let mismatch = "invalid_fake_cumulative_mismatch"
    private let delay: Double
    private let counts = Mutex<(now: [String: Int], most: [String: Int], corrective: Int)>(([:], [:], 0))

    init(corrective: Int = 0, delay: Double = 0) {
        self.delay = delay
        counts.withLock { $0.corrective = corrective }
    }

    var most: [String: Int] { counts.withLock { $0.most } }

    private func required(_ key: String, error: String) -> (String, String) {
        let offer = PaymentRequired(error: error, accepts: [PaymentRequirements(scheme: "fake", network: "eip155:84532",
                                                                               asset: "0xToken", amount: "1000", payTo: key)])
        return (X402Header.paymentRequired, try! HeaderCodec.encodePaymentRequired(offer))
    }

    func answer(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        guard request.path.hasPrefix("/paid/") else { return .init(status: 200, body: Array("free".utf8)) }
        let key = String(request.path.dropFirst("/paid/".count))
        guard let header = request.header(X402Header.paymentSignature), let paid = try? HeaderCodec.decodePaymentSignature(header) else {
            return .init(status: 402, body: [], headers: [required(key, error: "Payment required")])
        }
        counts.withLock { c in
            c.now[key, default: 0] += 1
            c.most[key] = max(c.most[key] ?? 0, c.now[key]!)
        }
        Thread.sleep(forTimeInterval: delay)
        let corrective = counts.withLock { c -> Bool in
            c.now[key]! -= 1
            c.corrective -= 1
            return c.corrective >= 0
        }
        if corrective { return .init(status: 402, body: [], headers: [required(key, error: Self.mismatch)]) }
        let receipt = SettleResponse(success: true, transaction: paid.payload["signature"]?.stringValue ?? "", network: "eip155:84532")
        return .init(body: request.body, headers: [(X402Header.paymentResponse, try! HeaderCodec.encodePaymentResponse(receipt))])
    }
}

/// Signs `n` for the n-th payload, orders payments by payTo, recovers from the seller's corrective 402.
private final class CountingScheme: SchemeNetworkClient {
    let scheme = "fake"
    let count = Mutex(0)

    func createPaymentPayload(for requirements: PaymentRequirements, context: PaymentPayloadContext) async throws -> SchemePayload {
        SchemePayload(payload: ["signature": .string("\(count.withLock { $0 += 1; return $0 })")])
    }

    func onPaymentResponse(_ context: PaymentResponseContext) async throws -> PaymentResponseDecision {
        context.paymentRequired?.error == Seller.mismatch ? .retryWithFreshPayload : .done
    }

    func serializationKey(for requirements: PaymentRequirements, requestURL: String?) -> String? { requirements.payTo }
}

/// The paying URLSession wrapper against a real loopback seller.
@Suite struct X402URLSessionClientTests {
    private let scheme = CountingScheme()
    private var paying: X402URLSessionClient {
        X402URLSessionClient(session: .shared, client: X402Client().register(scheme, for: .family("eip155")))
    }

    private func post(_ url: String, _ body: String) -> URLRequest {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        return request
    }

    @Test func paysReplaysTheBodyAndExposesThePaymentResponse() async throws {
        let server = try LoopbackHTTPServer(Seller().answer)
        defer { server.stop() }
        let result = try await paying.data(for: post(server.url + "/paid/a", "hello"))
        #expect(result.response.statusCode == 200 && String(decoding: result.data, as: UTF8.self) == "hello")
        #expect(result.settleResponse?.transaction == "1" && result.paymentPayload?.payload["signature"] == "1")
        #expect(server.requests.map { String(decoding: $0.body, as: UTF8.self) } == ["hello", "hello"])
        #expect(try HeaderCodec.decodePaymentSignature(server.requests[1].header(X402Header.paymentSignature)!) == result.paymentPayload)
    }

    @Test func correctiveRetryHappensExactlyOnce() async throws {
        let server = try LoopbackHTTPServer(Seller(corrective: 1).answer)
        defer { server.stop() }
        let result = try await paying.data(for: URLRequest(url: URL(string: server.url + "/paid/a")!))
        #expect(result.response.statusCode == 200 && result.settleResponse?.transaction == "2" && server.requests.count == 3)

        let stubborn = try LoopbackHTTPServer(Seller(corrective: 2).answer)
        defer { stubborn.stop() }
        let error = await #expect(throws: X402PayingClientError.self) {
            _ = try await paying.data(for: URLRequest(url: URL(string: stubborn.url + "/paid/a")!))
        }
        #expect(error?.kind == .paidButStillPaymentRequired && error?.serverError == Seller.mismatch && stubborn.requests.count == 3)
    }

    @Test func sameKeyNeverOverlaps() async throws {
        let seller = Seller(delay: 0.1)
        let server = try LoopbackHTTPServer(seller.answer)
        defer { server.stop() }
        let client = paying
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<6 {
                let url = URL(string: server.url + "/paid/" + (i % 2 == 0 ? "a" : "b"))!
                group.addTask { _ = try await client.data(for: URLRequest(url: url)) }
            }
            try await group.waitForAll()
        }
        #expect(seller.most == ["a": 1, "b": 1] && server.requests.count == 12)
    }

    @Test func unpaidAnswersPassThroughAndStreamsAreRefused() async throws {
        let server = try LoopbackHTTPServer(Seller().answer)
        defer { server.stop() }
        let result = try await paying.data(for: URLRequest(url: URL(string: server.url + "/free")!))
        #expect(String(decoding: result.data, as: UTF8.self) == "free" && result.paymentPayload == nil && server.requests.count == 1)

        var streamed = URLRequest(url: URL(string: server.url + "/paid/a")!)
        streamed.httpMethod = "POST"
        streamed.httpBodyStream = InputStream(data: Data("x".utf8))
        let error = await #expect(throws: X402PayingClientError.self) { _ = try await paying.data(for: streamed) }
        #expect(error?.kind == .invalidRequest && server.requests.count == 1)
    }
}
