import HTTPTypes
import Testing
import X402Core

@Suite struct ClientSelectionTests {
    func required(_ accepts: [PaymentRequirements], extensions: JSONObject? = nil) -> PaymentRequired {
        PaymentRequired(error: "Payment required", resource: ResourceInfo(url: "https://api.example.com/paid", description: "", mimeType: ""),
                        accepts: accepts, extensions: extensions)
    }

    func requirement(_ scheme: String = Fake.scheme, _ network: Network = Fake.network, amount: String = "1000") -> PaymentRequirements {
        PaymentRequirements(scheme: scheme, network: network, asset: Fake.asset, amount: amount, payTo: Fake.payTo)
    }

    @Test func mostSpecificRegistrationWins() async throws {
        let log = EventLog()
        let client = X402Client()
            .register(FakeClientScheme(log: log, tag: "family"), for: .family("eip155"))
            .register(FakeClientScheme(log: log, tag: "exact"), for: NetworkPattern(Fake.network))
        _ = try await client.createPaymentPayload(for: required([requirement()]))
        _ = try await client.createPaymentPayload(for: required([requirement(Fake.scheme, Fake.otherNetwork)]))
        #expect(log.all == ["exact.create:\(Fake.network)", "family.create:\(Fake.otherNetwork)"])
        // The wildcard does not cover another namespace.
        let error = await #expect(throws: X402Error.self) {
            try await client.createPaymentPayload(for: required([requirement(Fake.scheme, "solana:mainnet")]))
        }
        #expect(error?.reason == .noMatchingRequirements)
    }

    @Test func preferredSchemesThenServerOrder() throws {
        let client = X402Client(policy: PaymentSelectionPolicy(preferredSchemes: ["b"]))
            .register(FakeClientScheme(scheme: "a"), for: .family("eip155"))
            .register(FakeClientScheme(scheme: "b"), for: .family("eip155"))
            .register(FakeClientScheme(scheme: "c"), for: .family("eip155"))
        let offer = required([requirement("c"), requirement("a"), requirement("b", amount: "5"), requirement("b", amount: "6")])
        #expect(try client.selectRequirements(offer) == requirement("b", amount: "5"))
        client.policy = PaymentSelectionPolicy()
        #expect(try client.selectRequirements(offer) == requirement("c"))
        // Unregistered schemes are skipped.
        #expect(try client.selectRequirements(required([requirement("zzz"), requirement("a")])) == requirement("a"))
    }

    @Test func maximumAmountComparesAsBigIntegers() throws {
        let max256 = "115792089237316195423570985008687907853269984665640564039457584007913129639935"  // 2^256 - 1
        let pow256 = "115792089237316195423570985008687907853269984665640564039457584007913129639936"  // 2^256
        let client = X402Client(policy: PaymentSelectionPolicy(maxAmountPerPayment: max256))
            .register(FakeClientScheme(), for: .family("eip155"))
        // 2^256 is rejected, 2^256 - 1 (equal to the cap) accepted, even though it comes second.
        let offer = required([requirement(amount: pow256), requirement(Fake.scheme, Fake.otherNetwork, amount: max256)])
        #expect(try client.selectRequirements(offer).amount == max256)
        let error = #expect(throws: X402Error.self) { try client.selectRequirements(required([requirement(amount: pow256)])) }
        #expect(error?.reason == .amountExceedsPolicy)
        client.policy.maxAmountPerPayment = "999"
        #expect(throws: X402Error.self) { try client.selectRequirements(required([requirement(amount: "1000")])) }
        client.policy.maxAmountPerPayment = "1000"
        #expect(try client.selectRequirements(required([requirement(amount: "0001000")])).amount == "0001000")
        // A non-numeric server amount never passes a cap.
        #expect(throws: X402Error.self) { try client.selectRequirements(required([requirement(amount: "1e3")])) }
    }

    @Test func allowedNetworks() throws {
        let client = X402Client(policy: PaymentSelectionPolicy(allowedNetworks: [Fake.otherNetwork]))
            .register(FakeClientScheme(), for: .family("eip155"))
        let offer = required([requirement(), requirement(Fake.scheme, Fake.otherNetwork)])
        #expect(try client.selectRequirements(offer).network == Fake.otherNetwork)
        let error = #expect(throws: X402Error.self) { try client.selectRequirements(required([requirement()])) }
        #expect(error?.reason == .noMatchingRequirements)
    }

    @Test func noSchemeRegistered() {
        let error = #expect(throws: X402Error.self) { try X402Client().selectRequirements(required([requirement()])) }
        #expect(error?.reason == .noMatchingRequirements)
    }

    @Test func payloadCopiesAcceptedResourceAndExtensions() async throws {
        var chosen = requirement()
        chosen.extra = ["name": "Fake", "nested": ["a": 1]]
        let declared: JSONObject = ["fakeExtension": ["info": ["server": "x"], "schema": [:]], "other": ["info": [:]]]
        let offer = required([chosen], extensions: declared)
        let client = X402Client().register(FakeClientScheme(), for: .family("eip155"))
        let (payload, header) = try await client.createPaymentHeader(for: offer)
        #expect(payload.accepted == chosen)
        #expect(payload.resource == offer.resource)
        #expect(payload.payload["signature"] == "sig-1000")
        // Scheme extension data merged over the declaration: nothing the server declared is lost.
        #expect(payload.extensions?["other"] == ["info": [:]])
        #expect(payload.extensions?["fakeExtension"] == ["info": ["server": "x", "signed": true], "schema": [:]])
        #expect(try HeaderCodec.decodePaymentSignature(header) == payload)
    }

    @Test func schemeErrorsKeepTheirCause() async {
        struct SignerDown: Error {}
        struct Failing: SchemeNetworkClient {
            let scheme = Fake.scheme
            func createPaymentPayload(for requirements: PaymentRequirements, context: PaymentPayloadContext) async throws -> SchemePayload {
                throw SignerDown()
            }
        }
        let client = X402Client().register(Failing(), for: .family("eip155"))
        let error = await #expect(throws: X402Error.self) { try await client.createPaymentPayload(for: required([requirement()])) }
        #expect(error?.underlying is SignerDown)
    }

    @Test func paymentResponseReachesTheScheme() async throws {
        let log = EventLog()
        let client = X402Client().register(FakeClientScheme(log: log, decision: .retryWithFreshPayload), for: .family("eip155"))
        let payload = fakePayload()
        var corrective = HTTPFields()
        corrective[.paymentRequired] = try HeaderCodec.encodePaymentRequired(required([requirement()]).with(error: "mismatch"))
        #expect(try await client.handlePaymentResponse(for: payload, status: .init(code: 402), headerFields: corrective) == .retryWithFreshPayload)
        var settled = HTTPFields()
        settled[.paymentResponse] = try HeaderCodec.encodePaymentResponse(SettleResponse(success: true, network: Fake.network))
        _ = try await client.handlePaymentResponse(for: payload, status: .ok, headerFields: settled)
        #expect(log.all == ["client.response:nil:mismatch", "client.response:true:nil"])
    }
}

extension PaymentRequired {
    func with(error: String) -> PaymentRequired {
        var copy = self
        copy.error = error
        return copy
    }
}
