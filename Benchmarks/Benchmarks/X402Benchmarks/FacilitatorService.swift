import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import SellerBenchKit
import ServiceLifecycle
import X402BatchSettlement
import X402BatchSettlementFacilitator
import X402Core
import X402EVM
import X402EVMRPC
import X402EVMRelayer
import X402Hummingbird
import X402JSON
import X402Testing

/// The facilitator as `x402 facilitator` runs it (FacilitatorCommand.swift: file journal, Relayer,
/// BatchSettlementFacilitator, X402Facilitator, FacilitatorHTTPServer on port 0 beside RelayerRecoveryService,
/// Prometheus metrics),
/// in-process against a devnet, plus a payer that builds real signed payloads (after
/// Tests/X402IntegrationTests/FacilitatorFixture.swift) and a keep-alive AsyncHTTPClient.
///
/// Devnet: `X402_RPC_URL` if set, else `Devnet/devnet --port 0` launched once per benchmark process.
/// Keys: relayer = dev account #5, receiver authorizer = #6, payer = #3.
final class FacilitatorService: Sendable {
    static let chainId: UInt64 = 84532
    static let network: Network = .eip155(chainId)
    static let relayerKey = Devnet.accounts[5].privateKey
    static let authorizerKey = Devnet.accounts[6].privateKey
    static let payerKey = Devnet.accounts[3].privateKey
    static let apiSecret = "x402-bench-secret"

    /// False when no devnet can be had (no `X402_RPC_URL`, and the launcher is missing or not on Linux), or
    /// `X402_BENCH_NO_DEVNET` is set: the facilitator benchmarks are then not registered.
    static var isAvailable: Bool {
        if let skip = ProcessInfo.processInfo.environment["X402_BENCH_NO_DEVNET"], !skip.isEmpty { return false }
        return Devnet.isAvailable
    }

    let rpc: RPCClient
    let relayer: Relayer
    let facilitator: X402Facilitator
    let url: String
    /// Receivers the API key owns (the seller's `payTo`).
    let receiver: Address
    let client: HTTPClient
    private let group: ServiceGroup
    private let serviceTask: Task<Void, any Error>
    private let dataDir: String

    /// Starts the service; `receiver` becomes the only receiver of the benchmark's API key.
    static func start(receiver: Address) async throws -> FacilitatorService {
        let devnet = try await Devnet.shared()
        var logger = Logger(label: "x402.facilitator.bench")
        logger.logLevel = .warning
        bootstrapMetrics()

        let rpc = RPCClient(url: devnet.url, logger: logger)
        let nodeChain = try await rpc.chainId()
        guard nodeChain == chainId else { throw BenchError("the node at \(devnet.url) is chain \(nodeChain), not \(chainId)") }

        let dataDir = FileManager.default.temporaryDirectory
            .appendingPathComponent("x402-bench-\(getpid())-\(WallClock.millis())").path
        let journal = try FileTransactionJournal(directory: dataDir, logger: logger)
        let relayer = Relayer(rpc: rpc, keys: [relayerKey], journal: journal,
                              configuration: RelayerConfiguration(chainId: chainId, receiptTimeout: .seconds(60)),
                              logger: logger)
        let scheme = BatchSettlementFacilitator(
            relayer: relayer,
            configuration: BatchSettlementFacilitatorConfiguration(chainId: chainId, authorizerKey: authorizerKey,
                                                                   requireAuthenticatedCaller: true),
            logger: logger)
        let facilitator = X402Facilitator().register(scheme, networks: [network]).registerExtension("eip2612GasSponsoring")

        // The CLI's rate limiter stays in the path, with a limit no benchmark reaches (the default 200/min would).
        let (address, continuation) = AsyncStream.makeStream(of: FacilitatorHTTPServer.ListeningAddress.self)
        let app = try FacilitatorHTTPServer.makeApplication(
            facilitator: facilitator,
            configuration: FacilitatorHTTPConfiguration(
                host: "127.0.0.1", port: 0, rateLimitPerMinute: 100_000_000,
                apiKeys: [FacilitatorAPIKey(id: "bench-seller", secret: apiSecret, receivers: [receiver])]),
            transactionStatus: RelayerTransactionStatus(relayer: relayer),
            metricsRegistry: metricsRegistry,
            logger: logger
        ) { address in
            continuation.yield(address)
            continuation.finish()
        }
        let recovery = ServiceGroupConfiguration.ServiceConfiguration(service: RelayerRecoveryService(relayer: relayer),
                                                                      successTerminationBehavior: .ignore,
                                                                      failureTerminationBehavior: .ignore)
        let group = ServiceGroup(configuration: .init(services: [.init(service: app), recovery], logger: logger))
        let serviceTask = Task { try await group.run() }
        var listening: FacilitatorHTTPServer.ListeningAddress?
        for await a in address { listening = a }
        guard let listening else { throw BenchError("the facilitator HTTP service did not start") }

        // One connection, kept alive between requests (requests are sequential).
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 8)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)

        let service = FacilitatorService(rpc: rpc, relayer: relayer, facilitator: facilitator, url: listening.url,
                                         receiver: receiver, client: client, group: group, serviceTask: serviceTask,
                                         dataDir: dataDir)
        try await service.fundPayer()
        return service
    }

    private init(rpc: RPCClient, relayer: Relayer, facilitator: X402Facilitator, url: String, receiver: Address,
                 client: HTTPClient, group: ServiceGroup, serviceTask: Task<Void, any Error>, dataDir: String) {
        self.rpc = rpc
        self.relayer = relayer
        self.facilitator = facilitator
        self.url = url
        self.receiver = receiver
        self.client = client
        self.group = group
        self.serviceTask = serviceTask
        self.dataDir = dataDir
    }

    func shutdown() async {
        try? await client.shutdown()
        await group.triggerGracefulShutdown()
        _ = try? await serviceTask.value
        try? FileManager.default.removeItem(atPath: dataDir)
    }

    // MARK: Metrics, bootstrapped once per process as the CLI does

    static let metricsRegistry = PrometheusCollectorRegistry()
    private static let metricsBootstrapped: Void = {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metricsRegistry))
    }()

    static func bootstrapMetrics() { _ = metricsBootstrapped }

    // MARK: HTTP

    /// POSTs `body` to `path` with the seller's API key; returns status and body.
    func post(_ path: String, _ body: ByteBuffer) async throws -> (UInt, ByteBuffer) {
        var request = HTTPClientRequest(url: url + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-API-Key", value: Self.apiSecret)
        request.body = .bytes(body)
        let response = try await client.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        return (response.status.code, bytes)
    }

    func verify(_ body: ByteBuffer) async throws -> VerifyResponse {
        let (status, bytes) = try await post("/verify", body)
        guard status == 200 else { throw BenchError("/verify answered \(status): \(String(buffer: bytes))") }
        return try X402JSON.decode(VerifyResponse.self, from: bytes.readableBytesView)
    }

    func settle(_ body: ByteBuffer) async throws -> SettleResponse {
        let (status, bytes) = try await post("/settle", body)
        guard status == 200 else { throw BenchError("/settle answered \(status): \(String(buffer: bytes))") }
        return try X402JSON.decode(SettleResponse.self, from: bytes.readableBytesView)
    }

    static func body(_ payload: BatchSettlementPayload, _ requirements: PaymentRequirements) throws -> ByteBuffer {
        let payment = PaymentPayload(payload: payload.jsonObject(), accepted: requirements)
        return ByteBuffer(bytes: try X402JSON.encode(FacilitatorRequest(paymentPayload: payment, paymentRequirements: requirements)))
    }

    // MARK: Payer (after FacilitatorFixture)

    func fundPayer() async throws {
        if try await tokenBalance(Self.payerKey.address) < UInt256(1_000_000_000_000) {
            _ = try await rpc.request("devnet_mint", [.string(Devnet.testUSDC.lowercased), .string(Self.payerKey.address.lowercased),
                                                      .string("0x38d7ea4c68000")])  // 10^15
        }
    }

    func tokenBalance(_ account: Address) async throws -> UInt256 {
        let data = try await rpc.call(CallRequest(to: Devnet.testUSDC, data: try BatchSettlementCalldata.balanceOf(account)))
        return try BatchSettlementCalldata.decodeUInt256(data)
    }

    /// A channel from the payer to `receiver`, delegating receiver authorization to the facilitator.
    static func channel(receiver: Address, salt: UInt64) -> ChannelConfig {
        ChannelConfig(payer: payerKey.address, payerAuthorizer: payerKey.address, receiver: receiver,
                      receiverAuthorizer: authorizerKey.address, token: Devnet.testUSDC, withdrawDelay: 900,
                      salt: Bytes32(0, 0, 0, salt))
    }

    static func requirements(receiver: Address, amount: UInt128 = 1000) -> PaymentRequirements {
        PaymentRequirements(scheme: BatchSettlement.scheme, network: network, asset: Devnet.testUSDC.checksummed,
                            amount: String(amount), payTo: receiver.checksummed, maxTimeoutSeconds: 300,
                            extra: ["name": "USDC", "version": "2", "receiverAuthorizer": .string(authorizerKey.address.checksummed),
                                    "withdrawDelay": 900])
    }

    /// A server-authored job's requirement (protocol.md B.9.3).
    static func jobRequirements(receiver: Address) -> PaymentRequirements {
        PaymentRequirements(scheme: BatchSettlement.scheme, network: network, asset: Devnet.testUSDC.checksummed, amount: "0",
                            payTo: receiver.checksummed, maxTimeoutSeconds: 0, extra: [:])
    }

    static func voucher(_ config: ChannelConfig, _ max: UInt128) -> SignedVoucher {
        let id = config.channelId(chainId: chainId)
        let sig = payerKey.sign(digest: Voucher(channelId: id, maxClaimableAmount: max).digest(chainId: chainId))
        return SignedVoucher(channelId: id, maxClaimableAmount: TokenAmount128(max), signature: HexBytes(sig.bytes))
    }

    static func depositPayload(_ config: ChannelConfig, amount: UInt128, max: UInt128, validBefore: UInt64,
                               saltSeed: UInt64) -> DepositPayload {
        let id = config.channelId(chainId: chainId)
        let salt = Bytes32(0, 0, saltSeed, validBefore)
        let auth = ReceiveWithAuthorization(from: config.payer, to: BatchSettlement.erc3009CollectorAddress, value: UInt256(amount),
                                            validAfter: .zero, validBefore: UInt256(validBefore),
                                            nonce: BatchSettlement.erc3009DepositNonce(channelId: id, salt: salt))
        let domain = ERC3009Domain(name: "USDC", version: "2", chainId: chainId, token: config.token)
        let sig = payerKey.sign(digest: auth.digest(in: domain))
        let erc3009 = ERC3009Authorization(validAfter: .zero, validBefore: TokenAmount(UInt256(validBefore)), salt: salt,
                                           signature: HexBytes(sig.bytes))
        return DepositPayload(channelConfig: config, voucher: voucher(config, max),
                              deposit: DepositFields(amount: TokenAmount128(amount), authorization: .erc3009(erc3009)))
    }

    /// An ERC-3009 deadline `seconds` past the chain's clock (the devnet's clock runs ahead of the wall clock).
    func validBefore(_ seconds: UInt64 = 3600) async throws -> UInt64 {
        guard let head = try await rpc.getBlockByNumber(.latest) else { throw BenchError("no latest block") }
        return max(head.timestamp, WallClock.seconds()) + seconds
    }

    /// Opens `count` channels to `receiver` with `amount` each, by deposits through the facilitator (in
    /// process, `width` at a time); returns their configs.
    func open(count: Int, receiver: Address, amount: UInt128, width: Int = 8) async throws -> [ChannelConfig] {
        let before = try await validBefore()
        let base = WallClock.millis() << 16
        let requirements = Self.requirements(receiver: receiver)
        return try await withThrowingTaskGroup(of: ChannelConfig.self) { group in
            var opened: [ChannelConfig] = []
            for i in 0..<count {
                if i >= width, let config = try await group.next() { opened.append(config) }
                let salt = base | UInt64(i)
                group.addTask {
                    let config = Self.channel(receiver: receiver, salt: salt)
                    let payload = PaymentPayload(
                        payload: BatchSettlementPayload.deposit(Self.depositPayload(config, amount: amount, max: 1000, validBefore: before,
                                                                                    saltSeed: salt)).jsonObject(),
                        accepted: requirements)
                    let response = await self.facilitator.settle(payload, requirements: requirements)
                    guard response.success else { throw BenchError("deposit failed: \(response)") }
                    return config
                }
            }
            for try await config in group { opened.append(config) }
            return opened
        }
    }
}

/// A receiver address unique to this process (never a dev account).
func benchReceiver(_ n: UInt64) -> Address {
    Address(word: Bytes32(0, 0, 0xBE7C_1AE5, n &+ UInt64(WallClock.millis() % 1_000_000) << 20))
}
