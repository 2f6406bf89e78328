import HTTPTypes
import Testing
import X402Core

/// ``PaymentSelectionPolicy/fallBackWhenSchemeRefuses``: a buyer with two schemes pays with the next one when the
/// preferred one refuses (e.g. batch-settlement may not open a channel, so exact).
@Suite struct SchemeFallbackTests {
    struct Refusal: Error {}

    /// Refuses every payment, or builds one tagged with its scheme.
    struct Scheme: SchemeNetworkClient {
        let scheme: String
        var refuses = false
        func createPaymentPayload(for requirements: PaymentRequirements, context: PaymentPayloadContext) async throws -> SchemePayload {
            if refuses { throw Refusal() }
            return SchemePayload(payload: ["by": .string(scheme)])
        }
        func serializationKey(for requirements: PaymentRequirements, requestURL: String?) -> String? { "key-\(scheme)" }
    }

    static func offer(_ schemes: String...) -> PaymentRequired {
        PaymentRequired(accepts: schemes.map {
            PaymentRequirements(scheme: $0, network: "eip155:84532", asset: "0xA", amount: "1000", payTo: "0xB")
        })
    }

    static func client(preferredRefuses: Bool, fallBack: Bool) -> X402Client {
        X402Client(policy: PaymentSelectionPolicy(preferredSchemes: ["batch-settlement", "exact"], fallBackWhenSchemeRefuses: fallBack))
            .register(Scheme(scheme: "batch-settlement", refuses: preferredRefuses), for: .family("eip155"))
            .register(Scheme(scheme: "exact"), for: .family("eip155"))
    }

    @Test func preferredSchemeFirstThenTheFallback() async throws {
        let required = Self.offer("exact", "batch-settlement")
        #expect(try Self.client(preferredRefuses: false, fallBack: true).rankRequirements(required).map(\.scheme)
                == ["batch-settlement", "exact"])
        let preferred = try await Self.client(preferredRefuses: false, fallBack: true).createPaymentPayload(for: required)
        #expect(preferred.accepted.scheme == "batch-settlement" && preferred.payload["by"] == "batch-settlement")
        let fallback = try await Self.client(preferredRefuses: true, fallBack: true).createPaymentPayload(for: required)
        #expect(fallback.accepted.scheme == "exact" && fallback.payload["by"] == "exact")
        // Off (the default): the refusal is the answer, with its cause.
        let error = await #expect(throws: X402Error.self) {
            _ = try await Self.client(preferredRefuses: true, fallBack: false).createPaymentPayload(for: required)
        }
        #expect(error?.underlying is Refusal)
        // Nothing to fall back to: the last refusal is thrown.
        await #expect(throws: X402Error.self) {
            _ = try await Self.client(preferredRefuses: true, fallBack: true).createPaymentPayload(for: Self.offer("batch-settlement"))
        }
    }

    /// In the HTTP flow the first payment falls back and the flow reports the requirement it paid.
    @Test func paymentFlowPaysTheFallback() async throws {
        var flow = PaymentFlow(client: Self.client(preferredRefuses: true, fallBack: true), requestURL: "https://api.example.com/x")
        var fields = HTTPFields()
        fields[.paymentRequired] = try HeaderCodec.encodePaymentRequired(Self.offer("exact", "batch-settlement"))
        #expect(try await flow.receive(status: .init(code: 402), headerFields: fields) == .payment(serializationKey: "key-batch-settlement"))
        let (payload, _) = try await flow.pay()
        #expect(payload.accepted.scheme == "exact" && flow.requirements?.scheme == "exact")
    }
}
