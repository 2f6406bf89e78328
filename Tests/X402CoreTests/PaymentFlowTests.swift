import HTTPTypes
import Synchronization
import Testing
import X402Core

/// A client scheme that answers payment responses from a script and counts the payloads it builds.
private final class ScriptedScheme: SchemeNetworkClient {
    let scheme = Fake.scheme
    let key: String?
    let refusal: (any Error & Sendable)?
    private let state: Mutex<(decisions: [PaymentResponseDecision], built: Int)>

    init(decisions: [PaymentResponseDecision] = [], key: String? = nil, refusal: (any Error & Sendable)? = nil) {
        self.key = key
        self.refusal = refusal
        state = Mutex((decisions, 0))
    }

    var built: Int { state.withLock { $0.built } }

    func createPaymentPayload(for requirements: PaymentRequirements, context: PaymentPayloadContext) async throws -> SchemePayload {
        if let refusal { throw refusal }
        let n = state.withLock { s -> Int in
            s.built += 1
            return s.built
        }
        return SchemePayload(payload: ["signature": .string("sig-\(n)"), "url": .string(context.requestURL ?? "")])
    }

    func onPaymentResponse(_ context: PaymentResponseContext) async throws -> PaymentResponseDecision {
        state.withLock { $0.decisions.isEmpty ? .done : $0.decisions.removeFirst() }
    }

    func serializationKey(for requirements: PaymentRequirements, requestURL: String?) -> String? { key }
}

private struct SpendLimitHit: Error, Equatable {
    let limit: String
}

private let url = "http://127.0.0.1/paid"
private let offer = PaymentRequired(error: "Payment required", resource: ResourceInfo(url: url, description: "", mimeType: ""),
                                    accepts: [PaymentRequirements(scheme: Fake.scheme, network: Fake.network, asset: Fake.asset,
                                                                  amount: "1000", payTo: Fake.payTo)])

private func required(_ error: String? = nil) throws -> HTTPFields {
    var copy = offer
    if let error { copy.error = error }
    var fields = HTTPFields()
    fields[.paymentRequired] = try HeaderCodec.encodePaymentRequired(copy)
    return fields
}

private func settled(_ success: Bool = true, reason: ErrorReason? = nil) throws -> HTTPFields {
    var fields = HTTPFields()
    fields[.paymentResponse] = try HeaderCodec.encodePaymentResponse(
        SettleResponse(success: success, errorReason: reason, transaction: "0xtx", network: Fake.network))
    return fields
}

private let paymentRequiredStatus = HTTPResponse.Status(code: 402)

@Suite struct PaymentFlowTests {
    fileprivate func flow(_ scheme: ScriptedScheme, policy: PaymentSelectionPolicy = PaymentSelectionPolicy()) -> PaymentFlow {
        PaymentFlow(client: X402Client(policy: policy).register(scheme, for: .family("eip155")), requestURL: url)
    }

    @Test func answersWithoutAnX402PaymentPassThrough() async throws {
        var garbage = HTTPFields()
        garbage[.paymentRequired] = "%%% not base64 %%%"
        for (status, fields) in [(HTTPResponse.Status.ok, try required()), (paymentRequiredStatus, HTTPFields()),
                                 (paymentRequiredStatus, garbage)] {
            let scheme = ScriptedScheme()
            var flow = flow(scheme)
            #expect(try await flow.receive(status: status, headerFields: fields) == .done)
            #expect(flow.paymentPayload == nil && scheme.built == 0)
        }
    }

    @Test func paysOnceAndExposesThePaymentResponse() async throws {
        let scheme = ScriptedScheme(key: "channel-1")
        var flow = flow(scheme)
        #expect(try await flow.receive(status: paymentRequiredStatus, headerFields: required()) == .payment(serializationKey: "channel-1"))
        let (payload, header) = try await flow.pay()
        #expect(try HeaderCodec.decodePaymentSignature(header) == payload)
        #expect(payload.accepted == offer.accepts[0] && payload.payload["url"] == .string(url))
        #expect(try await flow.receive(status: .ok, headerFields: settled()) == .done)
        #expect(flow.settleResponse?.transaction == "0xtx" && flow.paymentPayload == payload && flow.correctiveRetries == 0)
        #expect(scheme.built == 1)
    }

    @Test func correctiveRetryHappensOnceWithAFreshPayload() async throws {
        let scheme = ScriptedScheme(decisions: [.retryWithFreshPayload])
        var flow = flow(scheme)
        _ = try await flow.receive(status: paymentRequiredStatus, headerFields: required())
        let first = try await flow.pay().payload
        guard case .send(let fresh, let header) = try await flow.receive(status: paymentRequiredStatus,
                                                                          headerFields: required("cumulative_mismatch")) else {
            Issue.record("expected a corrective retry")
            return
        }
        #expect(fresh != first && fresh.payload["signature"] == "sig-2")
        #expect(try HeaderCodec.decodePaymentSignature(header) == fresh)
        // Built from the original offer, not from the corrective 402.
        #expect(fresh.accepted == offer.accepts[0])
        #expect(try await flow.receive(status: .ok, headerFields: settled()) == .done)
        #expect(flow.correctiveRetries == 1 && flow.paymentPayload == fresh && flow.settleResponse?.success == true)
    }

    @Test func aSecondCorrectiveAnswerIsAnError() async throws {
        let scheme = ScriptedScheme(decisions: [.retryWithFreshPayload, .retryWithFreshPayload])
        var flow = flow(scheme)
        _ = try await flow.receive(status: paymentRequiredStatus, headerFields: required())
        _ = try await flow.pay()
        _ = try await flow.receive(status: paymentRequiredStatus, headerFields: required("mismatch_1"))
        let error = await #expect(throws: X402PayingClientError.self) {
            _ = try await flow.receive(status: paymentRequiredStatus, headerFields: required("mismatch_2"))
        }
        #expect(error?.kind == .paidButStillPaymentRequired && error?.serverError == "mismatch_2")
        #expect(error?.paymentPayload?.payload["signature"] == "sig-2" && scheme.built == 2)
    }

    @Test func paidButStill402CarriesTheServersReason() async throws {
        var flow = flow(ScriptedScheme())
        _ = try await flow.receive(status: paymentRequiredStatus, headerFields: required())
        _ = try await flow.pay()
        let error = await #expect(throws: X402PayingClientError.self) {
            _ = try await flow.receive(status: paymentRequiredStatus, headerFields: settled(false, reason: "transaction_failed"))
        }
        #expect(error?.kind == .paidButStillPaymentRequired && error?.serverError == "transaction_failed")
        #expect(error?.settleResponse?.success == false)
    }

    @Test func aRetryDecisionOnAServedAnswerIsIgnored() async throws {
        let scheme = ScriptedScheme(decisions: [.retryWithFreshPayload])
        var flow = flow(scheme)
        _ = try await flow.receive(status: paymentRequiredStatus, headerFields: required())
        _ = try await flow.pay()
        #expect(try await flow.receive(status: .ok, headerFields: HTTPFields()) == .done)
        #expect(scheme.built == 1)
    }

    @Test func nothingPayableIsTyped() async throws {
        var flow = flow(ScriptedScheme(), policy: PaymentSelectionPolicy(maxAmountPerPayment: "999"))
        let error = await #expect(throws: X402PayingClientError.self) {
            _ = try await flow.receive(status: paymentRequiredStatus, headerFields: required())
        }
        #expect(error?.kind == .noAcceptableRequirement && (error?.underlying as? X402Error)?.reason == .amountExceedsPolicy)
        #expect(error?.paymentRequired == offer)
    }

    @Test func aSchemesRefusalIsRethrownUnchanged() async throws {
        var flow = flow(ScriptedScheme(refusal: SpendLimitHit(limit: "daily")))
        _ = try await flow.receive(status: paymentRequiredStatus, headerFields: required())
        let error = await #expect(throws: SpendLimitHit.self) { _ = try await flow.pay() }
        #expect(error == SpendLimitHit(limit: "daily"))
    }

    @Test func runDrivesTheWholeExchange() async throws {
        let scheme = ScriptedScheme(decisions: [.retryWithFreshPayload], key: "k")
        let client = X402Client().register(scheme, for: .family("eip155"))
        let answers = [(paymentRequiredStatus, try required()), (paymentRequiredStatus, try required("mismatch")), (.ok, try settled())]
        let sent = Mutex<[String?]>([])
        let serializer = PaymentSerializer()
        let result = try await PaymentFlow.run(client: client, serializer: serializer, requestURL: url) { signature in
            let index = sent.withLock { s -> Int in
                s.append(signature)
                return s.count - 1
            }
            // Payments run under the key's turn; the unpaid request does not.
            #expect(serializer.activeKeys == (signature == nil ? 0 : 1))
            return (index, answers[index].0, answers[index].1)
        }
        #expect(result.response == 2 && result.settleResponse?.transaction == "0xtx")
        let headers = sent.withLock { $0 }
        #expect(headers.count == 3 && headers[0] == nil)
        #expect(try headers.dropFirst().map { try HeaderCodec.decodePaymentSignature($0!).payload["signature"] } == ["sig-1", "sig-2"])
        #expect(try HeaderCodec.decodePaymentSignature(headers[2]!) == result.paymentPayload)
        #expect(serializer.activeKeys == 0)
    }

    @Test func runPassesAnUnpaidAnswerThrough() async throws {
        let result = try await PaymentFlow.run(client: X402Client(), serializer: PaymentSerializer(), requestURL: url) { _ in
            ("plain", HTTPResponse.Status.ok, HTTPFields())
        }
        #expect(result.response == "plain" && result.paymentPayload == nil && result.settleResponse == nil)
    }
}

@Suite struct PaymentSerializerTests {
    /// Tracks how many bodies run at once, per key.
    final class Overlap: Sendable {
        private let state = Mutex<(current: [String: Int], peak: [String: Int], total: Int, peakTotal: Int)>(([:], [:], 0, 0))
        func enter(_ key: String) {
            state.withLock { s in
                s.current[key, default: 0] += 1
                s.total += 1
                s.peak[key] = max(s.peak[key] ?? 0, s.current[key]!)
                s.peakTotal = max(s.peakTotal, s.total)
            }
        }
        func leave(_ key: String) { state.withLock { $0.current[key]! -= 1; $0.total -= 1 } }
        var peaks: [String: Int] { state.withLock { $0.peak } }
        var peakTotal: Int { state.withLock { $0.peakTotal } }
    }

    @Test func sameKeyRunsAloneOtherKeysInParallel() async throws {
        let serializer = PaymentSerializer()
        let overlap = Overlap()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<12 {
                let key = i % 2 == 0 ? "a" : "b"
                group.addTask {
                    try await serializer.withTurn(for: key) {
                        overlap.enter(key)
                        try await Task.sleep(for: .milliseconds(20))
                        overlap.leave(key)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(overlap.peaks == ["a": 1, "b": 1])
        #expect(overlap.peakTotal == 2)
        #expect(serializer.activeKeys == 0)
    }

    @Test func noKeyNeverWaitsAndErrorsReleaseTheTurn() async throws {
        let serializer = PaymentSerializer()
        struct Boom: Error {}
        await #expect(throws: Boom.self) { try await serializer.withTurn(for: "k") { () throws -> Int in throw Boom() } }
        #expect(serializer.activeKeys == 0)
        #expect(try await serializer.withTurn(for: "k") { 7 } == 7)
        let overlap = Overlap()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await serializer.withTurn(for: nil) {
                        overlap.enter("none")
                        try await Task.sleep(for: .milliseconds(50))
                        overlap.leave("none")
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(overlap.peaks["none"]! > 1)
    }
}
