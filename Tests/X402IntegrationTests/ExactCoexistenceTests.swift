import AsyncHTTPClient
import Logging
import Testing
import X402AsyncHTTPClient
import X402Core
import X402EVM
import X402EVMRelayer
import X402Exact
import X402Testing

// `x402 serve --scheme exact --scheme batch-settlement`: one route offers both; a plain exact buyer and a
// batch-settlement buyer each pay it, through `x402 facilitator` serving both schemes.
extension DevnetIntegrationTests {
    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func oneRouteOffersExactAndBatchSettlement() async throws {
        let stack = try await SellerStack(receiverSeed: 330, slowSeconds: 0.2)
        defer { stack.cleanup() }
        let url = try stack.startSeller(extra: ["--scheme", "exact", "--scheme", "batch-settlement"]).url

        // The 402 offers exact first, then batch-settlement, with the payTo checksummed.
        let challenge = try await HTTPClient.shared.execute(HTTPClientRequest(url: url + "/weather"), timeout: .seconds(30))
        #expect(challenge.status == .paymentRequired)
        let required = try HeaderCodec.decodePaymentRequired(try #require(challenge.headers.first(name: "PAYMENT-REQUIRED")))
        #expect(required.accepts.map(\.scheme) == ["exact", "batch-settlement"])
        #expect(required.accepts.allSatisfy { $0.payTo == stack.payTo.checksummed && $0.amount == "1000" })

        // A buyer with only an EIP-3009 wallet pays with exact: one transfer per request, settled before the answer.
        let key = try await Self.fundedPayer(stack.rpc).key
        let head = try #require(try await stack.rpc.getBlockByNumber(.latest))
        let now = max(head.timestamp, WallClock.seconds())
        let exact = X402Client().register(ExactClientScheme(wallet: PrivateKeySigner(key), configuration: ExactClientConfiguration(clock: { now })),
                                          for: .family("eip155"))
        let paying = X402PayingHTTPClient(client: exact, logger: Logger(label: "test.exact-buyer"))
        let before = try await stack.tokenBalance(stack.payTo)
        for _ in 0..<2 {
            let response = try await paying.execute(HTTPClientRequest(url: url + "/weather"), timeout: .seconds(60))
            #expect(response.status == .ok)
            let settle = try #require(response.settleResponse)
            #expect(settle.success && settle.payer == key.address.checksummed)
            #expect(try await stack.rpc.getTransactionReceipt(try Bytes32(hex: settle.transaction))?.succeeded == true)
        }
        #expect(try await stack.tokenBalance(stack.payTo) == before + 2000)

        // The batch-settlement buyer on the same route still opens a channel and pays with vouchers.
        let (_, batch) = try await Self.buyer(try await Self.fundedPayer(stack.rpc).key, rpc: stack.rpc)
        let voucher = try await batch.execute(HTTPClientRequest(url: url + "/weather"), timeout: .seconds(60))
        #expect(voucher.status == .ok)
        #expect(voucher.settleResponse?.extra?["chargedAmount"] == "1000")
    }
}
