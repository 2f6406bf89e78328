import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import X402BatchSettlement
import X402BatchSettlementClient
import X402BatchSettlementServer
import X402Core
import X402EVM
import X402Exact
import X402Hummingbird
import X402Testing

/// One route offering `exact` and `batch-settlement` side by side through the Hummingbird middleware: the 402 lists
/// both, and each payment goes to its own scheme (exact: verified and settled by the facilitator, with a transaction;
/// batch-settlement: a deposit through the facilitator, then a voucher verified in process).
@Suite struct TwoSchemeRouteTests {
    static let network: Network = "eip155:84532"
    static let payTo = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
    static let exactTransaction = "0x" + String(repeating: "ef", count: 32)
    static let authorizerKey = try! PrivateKey(hex: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
    static let buyerKey = try! PrivateKey(hex: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6")

    /// batch-settlement answered by the shared scripted facilitator; exact verified by its payload's signer and
    /// settled with a fixed transaction.
    final class TwoSchemeFacilitator: FacilitatorClient {
        let batch = ScriptedBatchSettlementFacilitator()
        let exactSettled = Mutex<[String]>([])

        func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> VerifyResponse {
            guard payload.accepted.scheme == Exact.scheme else { return try await batch.verify(payload, requirements: requirements) }
            let exact = try ExactPayload(payload.payload)
            return VerifyResponse(isValid: true, payer: exact.authorization.from.checksummed)
        }

        func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> SettleResponse {
            guard payload.accepted.scheme == Exact.scheme else { return try await batch.settle(payload, requirements: requirements) }
            let exact = try ExactPayload(payload.payload)
            exactSettled.withLock { $0.append(exact.authorization.value.description) }
            return SettleResponse(success: true, payer: exact.authorization.from.checksummed, transaction: TwoSchemeRouteTests.exactTransaction,
                                  network: requirements.network, amount: requirements.amount)
        }

        func supported() async throws -> SupportedResponse {
            SupportedResponse(kinds: [SupportedKind(scheme: "batch-settlement", network: TwoSchemeRouteTests.network),
                                      SupportedKind(scheme: Exact.scheme, network: TwoSchemeRouteTests.network)])
        }
    }

    @Test func eachPaymentGoesToItsScheme() async throws {
        let facilitator = TwoSchemeFacilitator()
        var configuration = BatchSettlementServerConfiguration()
        configuration.receiverAuthorizerKey = Self.authorizerKey
        let resourceServer = X402ResourceServer(facilitator: facilitator)
            .register(BatchSettlementServerScheme(storage: InMemoryChannelStorage(), configuration: configuration), for: "eip155:*")
            .register(ExactServerScheme(), for: "eip155:*")
        let options = [Exact.scheme, "batch-settlement"].map {
            PaymentOption(scheme: $0, price: "$0.001", network: Self.network, payTo: Self.payTo)
        }
        let middleware = try X402PaymentMiddleware<X402BasicRequestContext>(
            routes: [("GET /weather", RouteConfig(accepts: options))], resourceServer: resourceServer)
        try await middleware.server.initialize()
        let seen = Mutex<[String]>([])
        let router = Router(context: X402BasicRequestContext.self)
        router.add(middleware: middleware)
        router.get("/weather") { _, context in
            seen.withLock { $0.append(context.x402Payment?.scheme ?? "unpaid") }
            return "sunny"
        }

        let wallet = PrivateKeySigner(Self.buyerKey)
        let exactBuyer = X402Client(policy: PaymentSelectionPolicy(preferredSchemes: [Exact.scheme]))
            .register(ExactClientScheme(wallet: wallet), for: .family("eip155"))
        let batchBuyer = X402Client(policy: PaymentSelectionPolicy(preferredSchemes: ["batch-settlement"]))
            .register(try BatchSettlementClientScheme(wallet: wallet), for: .family("eip155"))

        try await Application(router: router).test(.router) { client in
            let unpaid = try await client.execute(uri: "/weather", method: .get)
            #expect(unpaid.status.code == 402 && seen.withLock { $0.isEmpty })
            let required = try HeaderCodec.decodePaymentRequired(try #require(unpaid.headers[.paymentRequired]))
            #expect(required.accepts.map(\.scheme) == [Exact.scheme, "batch-settlement"])
            // exact's offer names payTo in EIP-55 form; batch-settlement's carries the channel terms.
            #expect(required.accepts[0].payTo == Self.payTo && required.accepts[1].extra["receiverAuthorizer"] != nil)

            func pay(_ buyer: X402Client) async throws -> SettleResponse {
                let payload = try await buyer.createPaymentPayload(for: required, requestURL: "http://localhost/weather")
                let paid = try await client.execute(uri: "/weather", method: .get,
                                                    headers: [.paymentSignature: try HeaderCodec.encodePaymentSignature(payload)])
                #expect(paid.status == .ok && String(buffer: paid.body) == "sunny", "\(payload.accepted.scheme): \(paid.status)")
                // The buyer records the answer (the batch-settlement client's cumulative base moves on).
                _ = try await buyer.handlePaymentResponse(for: payload, status: paid.status, headerFields: paid.headers,
                                                          requestURL: "http://localhost/weather")
                return try HeaderCodec.decodePaymentResponse(try #require(paid.headers[.paymentResponse]))
            }
            let exact = try await pay(exactBuyer)
            #expect(exact.success && exact.transaction == Self.exactTransaction && exact.amount == "1000")
            let deposit = try await pay(batchBuyer)
            #expect(deposit.success && deposit.extra?["chargedAmount"] == "1000")
            let voucher = try await pay(batchBuyer)
            #expect(voucher.success && voucher.transaction.isEmpty && voucher.extra?["chargedAmount"] == "1000")
        }
        #expect(seen.withLock { $0 } == [Exact.scheme, "batch-settlement", "batch-settlement"])
        #expect(facilitator.exactSettled.withLock { $0 } == ["1000"])
        // One batch-settlement settle (the deposit); the voucher never reached the facilitator.
        #expect(facilitator.batch.settles.withLock { $0.count } == 1)
    }
}
