import HTTPTypes
import Testing
import X402Core
import X402EVM
import X402EVMMechanisms
import X402Exact
import X402ExactFacilitator
import X402Testing

// The three exact roles in one process on the devnet: our client pays our resource server, which verifies with our
// facilitator before the handler and settles after it.
extension DevnetIntegrationTests {
    static func exactSeller(_ f: ExactFixture, payTo: Address) async throws -> X402HTTPResourceServer {
        let server = X402ResourceServer(facilitators: [LocalFacilitatorClient(f.registry)])
            .register(ExactServerScheme(), for: .family("eip155"))
        // payTo written in lowercase by the operator: the offer carries it checksummed.
        let routes = try RouteTable(["GET /weather": RouteConfig(accepts: [
            PaymentOption(scheme: "exact", price: "$0.01", network: ExactFixture.network, payTo: payTo.lowercased),
        ])])
        let http = X402HTTPResourceServer(server: server, routes: routes)
        try await http.initialize()
        return http
    }

    static func get(_ path: String, _ headers: HTTPFields = HTTPFields()) -> HTTPRequest {
        HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1", path: path, headerFields: headers)
    }

    @Test func exactClientPaysExactSeller() async throws {
        let f = try await ExactFixture()
        let payTo = freshReceiver(320)
        let http = try await Self.exactSeller(f, payTo: payTo)

        // 402: one exact offer, EIP-55 addresses, the token domain.
        guard case .paymentRequired(let challenge) = await http.processRequest(Self.get("/weather")) else {
            Issue.record("expected a 402"); return
        }
        let required = try HeaderCodec.decodePaymentRequired(try #require(challenge.headerFields[.paymentRequired]))
        let offer = try #require(required.accepts.first)
        #expect(offer.scheme == "exact" && offer.amount == "10000" && offer.payTo == payTo.checksummed)
        #expect(offer.asset == Devnet.testUSDC.checksummed && offer.extra["name"] == "USDC" && offer.extra["version"] == "2")

        // The buyer pays; the seller verifies before its handler and settles after it.
        let clock = try await f.now()
        let client = X402Client().register(ExactClientScheme(wallet: PrivateKeySigner(f.payer),
                                                             configuration: ExactClientConfiguration(clock: { clock })),
                                           for: .family("eip155"))
        let (_, header) = try await client.createPaymentHeader(for: required)
        var fields = HTTPFields()
        fields[.paymentSignature] = header
        guard case .proceed(let payment) = await http.processRequest(Self.get("/weather", fields)) else {
            Issue.record("expected the handler to run"); return
        }
        #expect(payment.verifyResponse.payer == f.payer.address.checksummed)
        #expect(try await f.tokenBalance(payTo) == 0)   // nothing moved before the handler ran
        var responseHeaders = HTTPFields()
        guard case .settled(let settlement) = await http.settle(payment, responseStatus: .ok, responseHeaders: &responseHeaders) else {
            Issue.record("expected a settlement"); return
        }
        let (settled, paid) = (settlement.response, settlement.headerFields)
        let response = try HeaderCodec.decodePaymentResponse(try #require(paid[.paymentResponse]))
        #expect(response == settled && response.success && !response.transaction.isEmpty)
        #expect(try await f.rpc.getTransactionReceipt(try Bytes32(hex: response.transaction))?.succeeded == true)
        #expect(try await f.tokenBalance(payTo) == 10000)

        // A handler failure settles nothing: the authorization stays unspent.
        let (_, second) = try await client.createPaymentHeader(for: required)
        fields[.paymentSignature] = second
        guard case .proceed(let unpaid) = await http.processRequest(Self.get("/weather", fields)) else {
            Issue.record("expected the handler to run"); return
        }
        guard case .notSettled = await http.settle(unpaid, responseStatus: .internalServerError, responseHeaders: &responseHeaders) else {
            Issue.record("a failed handler was charged"); return
        }
        #expect(try await f.tokenBalance(payTo) == 10000)

        // The first payment presented again: the facilitator refuses it before the handler.
        fields[.paymentSignature] = header
        guard case .paymentRequired(let refused) = await http.processRequest(Self.get("/weather", fields)) else {
            Issue.record("a replayed payment reached the handler"); return
        }
        let reason = try HeaderCodec.decodePaymentRequired(try #require(refused.headerFields[.paymentRequired])).error
        #expect(reason == "invalid_exact_evm_nonce_already_used")
    }
}
