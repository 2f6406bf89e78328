import ArgumentParser
import AsyncHTTPClient
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOPosix
import PostgresNIO
import Prometheus
import ServiceLifecycle
import X402AsyncHTTPClient
import X402BatchSettlement
import X402BatchSettlementServer
import X402Core
import X402EVM
import X402EVMRPC
import X402Exact
import X402Hummingbird
import X402Postgres
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `x402 serve`: a paid reverse proxy that sells any HTTP API with batch-settlement, the channel manager inside.
struct ServeCommand: AsyncParsableCommand {
    /// The `--scheme` name of `exact` paid through Permit2.
    static let exactPermit2 = "exact-permit2"

    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Sell an HTTP API: a paid reverse proxy (batch-settlement and/or exact) with its channel manager.",
        discussion: """
            Routes: --route "GET /weather=$0.01" (repeatable) or --config FILE (JSON: upstream, payTo, network, \
            facilitator, routes [{route, price, description, mimeType, schemes}]). --scheme exact --scheme \
            batch-settlement offers both on every route (the buyer picks); exact-permit2 offers exact paid through \
            Permit2 (for buyers that approved Permit2 for the token). The upstream may answer with a \
            Settlement-Overrides header ({"amount":"50%"}) to charge less than the route price. \
            Receiver-authorizer key: X402_AUTHORIZER_KEY or --authorizer-key-file; without one claims and refunds \
            are signed by the facilitator for X402_FACILITATOR_API_KEY. Storage: memory, file:DIR or postgres:URL. \
            Prints "listening http://HOST:PORT" on stdout once ready; SIGTERM drains requests and flushes claims.
            """)

    @Option(help: "Base URL of the API sold.")
    var upstream: String?

    @Option(name: .customLong("route"), help: "A paid route, \"METHOD /path=PRICE\" (repeatable).")
    var routes: [String] = []

    @Option(help: "JSON file with routes and defaults.")
    var config: String?

    @Option(name: .customLong("scheme"),
            help: "A scheme every route offers, in order (repeatable): batch-settlement, exact, exact-permit2. Default batch-settlement.")
    var schemes: [String] = []

    @Option(help: "Facilitator base URL.")
    var facilitator: String?

    @Option(help: "Receiver address (the seller's wallet).")
    var payTo: String?

    @Option(help: "CAIP-2 network, e.g. eip155:84532.")
    var network: String?

    @Option(help: "Channel storage: memory, file:DIR or postgres:URL.")
    var storage = "file:x402-seller-data"

    @Option(help: "Bind address.")
    var host = "127.0.0.1"

    @Option(help: "Port (0 picks a free one).")
    var port = 4022

    @Option(help: "File with the receiver-authorizer key (hex).")
    var authorizerKeyFile: String?

    @Option(help: "JSON-RPC URL: the channel manager watches payers' withdrawals there.")
    var rpcURL: String?

    @Option(help: "Seconds between claim runs (0: no timer).")
    var claimInterval = 60

    @Option(help: "Seconds between settle runs (0: no timer).")
    var settleInterval = 120

    @Option(help: "Refund channels idle this many seconds (0: never).")
    var refundIdle = 0

    @Option(help: "Claim a channel once its unclaimed value reaches this many atomic units.")
    var claimThreshold: String?

    @Option(help: "Seconds between polls of the chain for payers' withdrawals (with --rpc-url).")
    var withdrawalPollInterval = 15

    @Option(help: "Vouchers per claim transaction.")
    var maxClaimsPerBatch = 100

    @Option(help: "withdrawDelay (seconds) offered to buyers.")
    var withdrawDelay: UInt64 = 900

    @Flag(inversion: .prefixedNo,
          help: "Run Swift concurrency on NIO's event loops: a request is verified and answered on the thread that read it.")
    var eventLoopExecutor = true

    func run() async throws {
        // Before any task exists. A paid request then stays on its event loop from parsing to writing instead of
        // hopping to the concurrency pool and back: over loopback the paid rate rose from ≈ 72 % to 79–86 % of
        // its ceiling (Benchmarks/README.md, fourth round). Nothing here blocks a thread: file storage has a thread of its own.
        if eventLoopExecutor, !NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() {
            throw ValidationError("NIO's event loops could not become the concurrency executor (use --no-event-loop-executor)")
        }
        var logger = Logger(label: "x402.serve")
        logger.logLevel = Logger.Level(rawValue: environment("X402_LOG_LEVEL") ?? "info") ?? .info
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let file = try config.map(ServeConfigFile.load)
        guard let upstream = upstream ?? file?.upstream else { throw ValidationError("--upstream is required") }
        guard let facilitatorURL = facilitator ?? file?.facilitator else { throw ValidationError("--facilitator is required") }
        guard let payToText = payTo ?? file?.payTo, let payTo = try? Address(hex: payToText) else {
            throw ValidationError("--pay-to must be an address")
        }
        let network = try Network(validating: network ?? file?.network ?? "eip155:84532")
        let specs = try routes.map(PaidRouteSpec.init(argument:)) + (file?.routeSpecs ?? [])
        guard !specs.isEmpty else { throw ValidationError("no paid route: give --route or --config") }
        let authorizerKey = try authorizerKey(file: authorizerKeyFile)

        // The facilitator: its API key authenticates delegated claims and refunds.
        let facilitatorClient = facilitatorClient(url: facilitatorURL, timeout: .seconds(60), logger: logger)

        var background: [Task<Void, Never>] = []
        let channelStorage = try await Self.openStorage(storage, logger: logger, background: &background)

        let scheme = BatchSettlementServerScheme(
            storage: channelStorage,
            configuration: BatchSettlementServerConfiguration(withdrawDelay: withdrawDelay, receiverAuthorizerKey: authorizerKey),
            logger: logger)
        let resourceServer = X402ResourceServer(facilitator: facilitatorClient)
        resourceServer.register(scheme, for: NetworkPattern(rawValue: network.rawValue))
        resourceServer.register(ExactServerScheme(), for: NetworkPattern(rawValue: network.rawValue))
        let known = [BatchSettlement.scheme, Exact.scheme, Self.exactPermit2]
        for name in schemes + specs.flatMap({ $0.schemes ?? [] }) where !known.contains(name) {
            throw ValidationError("unknown scheme \(name): use \(known.joined(separator: ", "))")
        }
        let offered = schemes.isEmpty ? [BatchSettlement.scheme] : schemes
        let table = try RouteTable(specs.map { spec in
            let accepts = (spec.schemes ?? offered).map { name in
                // exact-permit2: `exact` paid through Permit2 (the buyer signs a permit for the Permit2 proxy).
                name == Self.exactPermit2
                    ? PaymentOption(scheme: Exact.scheme, price: .money(.string(spec.price)), network: network, payTo: payTo.checksummed,
                                    extra: ["assetTransferMethod": .string(Exact.permit2TransferMethod)])
                    : PaymentOption(scheme: name, price: .money(.string(spec.price)), network: network, payTo: payTo.checksummed)
            }
            return (spec.pattern, RouteConfig(accepts: accepts, description: spec.description, mimeType: spec.mimeType))
        })
        let http = X402HTTPResourceServer(server: resourceServer, routes: table)
        try await Self.initialize(http, logger: logger)

        // The channel manager claims what the routes earn, in the same process.
        let token = try Address(hex: try await http.server.buildPaymentRequirements(table.routes[0].config.accepts[0]).asset)
        var managerConfiguration = ChannelManagerConfiguration(
            claimInterval: claimInterval > 0 ? .seconds(claimInterval) : nil,
            settleInterval: settleInterval > 0 ? .seconds(settleInterval) : nil,
            refundInterval: refundIdle > 0 ? .seconds(max(1, refundIdle / 2)) : nil,
            maxClaimsPerBatch: maxClaimsPerBatch,
            idleRefundAfter: refundIdle > 0 ? .seconds(refundIdle) : nil)
        managerConfiguration.withdrawalWatch.pollInterval = .seconds(max(1, withdrawalPollInterval))
        if let claimThreshold {
            guard let bound = UInt128(claimThreshold) else { throw ValidationError("--claim-threshold must be an atomic amount") }
            managerConfiguration.thresholds.perChannel = bound
        }
        let rpc = rpcURL.map { RPCClient(url: $0, logger: logger) }
        let manager = try ChannelManager(storage: channelStorage, facilitator: facilitatorClient, network: network, receiver: payTo,
                                         token: token, receiverAuthorizerKey: authorizerKey, configuration: managerConfiguration,
                                         rpc: rpc, logger: logger)
        scheme.onEvent { event in
            switch event {
            case .charged(let channel): manager.chargeRecorded(channel)
            case .withdrawalObserved(let channelId): manager.requestClaim(channelId)
            case .refunded: Task { try? await manager.noteClaimedElsewhere() }
            }
        }

        let proxy = UpstreamProxy(upstream: upstream, client: HTTPClient.shared, timeout: .seconds(60), maxBodyBytes: 32 << 20,
                                  logger: logger)
        let router = Router(context: X402BasicRequestContext.self)
        router.add(middleware: X402PaymentMiddleware<X402BasicRequestContext>(server: http))
        router.get("/x402/health") { _, _ in "ok" }
        router.get("/x402/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        for method: HTTPRequest.Method in [.get, .post, .put, .patch, .delete, .head, .options] {
            router.on("**", method: method) { request, context in
                try await proxy.forward(request, payer: context.x402Payment?.payer)
            }
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "x402-serve"),
            onServerRunning: { channel in
                let address = channel.localAddress
                print("listening http://\(address?.ipAddress ?? "127.0.0.1"):\(address?.port ?? 0)")
                fflush(nil)
            },
            logger: logger)
        // The manager flushes claims when the group shuts down; its end must not cut the HTTP drain short.
        let managerService = ServiceGroupConfiguration.ServiceConfiguration(service: manager, successTerminationBehavior: .ignore,
                                                                            failureTerminationBehavior: .ignore)
        let group = ServiceGroup(configuration: .init(services: [.init(service: app), managerService],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        if let files = channelStorage as? FileChannelStorage { await files.close() }
        for task in background { task.cancel() }
    }

    /// `memory`, `file:DIR` or `postgres:URL` (a PostgreSQL client runs in `background`).
    static func openStorage(_ spec: String, logger: Logger, background: inout [Task<Void, Never>]) async throws -> any ChannelStorage {
        if spec == "memory" { return InMemoryChannelStorage() }
        if spec.hasPrefix("file:") { return try FileChannelStorage(directory: String(spec.dropFirst(5))) }
        if spec.hasPrefix("postgres:") {
            let url = String(spec.dropFirst("postgres:".count))
            let client = PostgresClient(configuration: try PostgresClient.Configuration(url: url), backgroundLogger: logger)
            background.append(Task { await client.run() })
            return try await PostgresChannelStorage.open(client: client, logger: logger)
        }
        throw ValidationError("--storage must be memory, file:DIR or postgres:URL")
    }

    /// `/supported` from the facilitator, retried for a while: `x402 serve` often starts beside it.
    static func initialize(_ http: X402HTTPResourceServer, logger: Logger) async throws {
        for attempt in 1...20 {
            let failure: X402Error
            do {
                try await http.initialize()
                return
            } catch {
                failure = error
            }
            guard failure.reason == .facilitatorUnavailable, attempt < 20 else { throw failure }
            logger.info("facilitator not reachable yet, retrying", metadata: ["attempt": "\(attempt)"])
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}
