import AsyncHTTPClient
import Hummingbird
import Logging
import Testing
import X402AsyncHTTPClient
import X402BatchSettlement
import X402BatchSettlementClient
import X402BatchSettlementServer
import X402Core
import X402EVM
import X402EVMRPC
import X402Hummingbird
import X402Testing

/// A seller in this process (`X402PaymentMiddleware` on Hummingbird, `BatchSettlementServerScheme`, in-memory channels)
/// in front of a `/weather` handler, verified and settled by a stack's `x402 facilitator` process. For terms
/// `x402 serve` does not offer: a chosen asset transfer method, declared extensions.
final class InProcessSeller: Sendable {
    let url: String
    private let service: Task<Void, any Error>

    init(stack: SellerStack, option: PaymentOption, extensions: JSONObject?) async throws {
        var logger = Logger(label: "test.seller")
        logger.logLevel = .warning
        var configuration = BatchSettlementServerConfiguration()
        configuration.receiverAuthorizerKey = SellerStack.sellerAuthorizer
        let scheme = BatchSettlementServerScheme(storage: InMemoryChannelStorage(), configuration: configuration)
        let server = X402ResourceServer(facilitator: HTTPFacilitatorClient(configuration: .init(baseURL: stack.facilitator.url), logger: logger))
        server.register(scheme, for: "eip155:*")
        let http = X402HTTPResourceServer(server: server, routes: try RouteTable([
            ("GET /weather", RouteConfig(accepts: [option], extensions: extensions)),
        ]))
        try await http.initialize()
        let router = Router(context: X402BasicRequestContext.self)
        router.add(middleware: X402PaymentMiddleware(server: http))
        router.get("/weather") { _, _ in "sunny" }
        let (ports, bound) = AsyncStream<Int>.makeStream()
        var quiet = logger
        quiet.logLevel = .critical  // stopping by cancellation is reported as errors
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  bound.yield(channel.localAddress?.port ?? 0)
                                  bound.finish()
                              }, logger: quiet)
        service = Task { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await p in ports { port = p }
        url = "http://127.0.0.1:\(port)"
    }

    func stop() { service.cancel() }
}

extension DevnetIntegrationTests {
    /// A payer that never approved Permit2 (and holds no ETH) pays a seller whose asset moves through Permit2 and who
    /// declares `eip2612GasSponsoring`: our client signs the EIP-2612 permit into the extension, the facilitator's
    /// collector runs it before the Permit2 transfer, the deposit lands and the seller serves; the payer sent no
    /// transaction, its permit nonce was used, and the next payment is a plain voucher without a permit.
    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func zeroAllowancePayerDepositsThroughEIP2612GasSponsoring() async throws {
        let stack = try await SellerStack(receiverSeed: 117)
        defer { stack.cleanup() }
        let price = AssetAmount(amount: "1000", asset: Devnet.testUSDC.checksummed,
                                extra: ["name": "USDC", "version": "2", "assetTransferMethod": "permit2"])
        let declared: JSONObject = [BatchSettlement.eip2612GasSponsoringKey: [
            "info": ["description": "gasless Permit2 approval", "version": "1"], "schema": ["type": "object"]]]
        let seller = try await InProcessSeller(
            stack: stack, option: PaymentOption(scheme: BatchSettlement.scheme, price: .assetAmount(price), network: "eip155:84532",
                                                payTo: stack.payTo.checksummed),
            extensions: declared)
        defer { seller.stop() }
        let key = try await Self.fundedPayer(stack.rpc).key
        func tokenRead(_ data: [UInt8]) async throws -> UInt256 {
            try BatchSettlementCalldata.decodeUInt256(try await stack.rpc.call(CallRequest(to: Devnet.testUSDC, data: data)))
        }
        #expect(try await tokenRead(try BatchSettlementCalldata.allowance(owner: key.address, spender: BatchSettlement.permit2Address)) == 0)
        #expect(try await tokenRead(try BatchSettlementCalldata.nonces(owner: key.address)) == 0)
        let (scheme, paying) = try await Self.buyer(key, rpc: stack.rpc)

        let first = try await paying.execute(HTTPClientRequest(url: seller.url + "/weather"), timeout: .seconds(60))
        #expect(first.status == .ok && String(buffer: first.body) == "sunny", "\(first.status)")
        #expect(Self.chargedAmount(first.settleResponse) == 1000)
        let payload = try #require(first.paymentPayload)
        #expect(payload.accepted.extra["assetTransferMethod"] == "permit2")
        let sponsoring = try #require(payload.extensions?[BatchSettlement.eip2612GasSponsoringKey]?.objectValue)
        #expect(sponsoring["schema"] == ["type": "object"])  // the declaration stays, the signed fields are merged in
        let info = try #require(sponsoring["info"]?.objectValue)
        #expect(info["from"]?.stringValue == key.address.checksummed && info["amount"] == "10000" && info["nonce"] == "0")
        guard case .deposit(let deposit) = try BatchSettlementPayload(payload), case .permit2(let auth) = deposit.deposit.authorization else {
            Issue.record("not a Permit2 deposit"); return
        }
        #expect(info["deadline"]?.stringValue == auth.deadline.description)

        let config = try scheme.channelConfig(for: payload.accepted)
        #expect(try await stack.onchainChannel(config).balance == 10_000)
        #expect(try await stack.tokenBalance(key.address) == UInt256(UInt64(990_000)))
        #expect(try await stack.rpc.getTransactionCount(key.address) == 0)  // the payer sent nothing
        #expect(try await tokenRead(try BatchSettlementCalldata.nonces(owner: key.address)) == 1)  // the permit was used

        let second = try await paying.execute(HTTPClientRequest(url: seller.url + "/weather"), timeout: .seconds(60))
        #expect(second.status == .ok && Self.chargedAmount(second.settleResponse) == 1000)
        let voucher = try #require(second.paymentPayload)
        #expect(try BatchSettlementPayload(voucher).kind == .voucher)
        #expect(voucher.extensions?[BatchSettlement.eip2612GasSponsoringKey]?.objectValue?["info"]?.objectValue?["signature"] == nil)
        #expect(try await stack.onchainChannel(config).balance == 10_000)
    }
}
