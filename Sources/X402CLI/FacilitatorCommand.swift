import ArgumentParser
import Hummingbird
import Logging
import Metrics
import PostgresNIO
import Prometheus
import ServiceLifecycle
import X402BatchSettlement
import X402BatchSettlementFacilitator
import X402Core
import X402EVM
import X402EVMRPC
import X402EVMRelayer
import X402ExactFacilitator
import X402Hummingbird
import X402Postgres
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `x402 facilitator`: the batch-settlement facilitator as an HTTP service.
struct FacilitatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facilitator",
        abstract: "Run a batch-settlement and exact facilitator (POST /verify, POST /settle, GET /supported, /health, /metrics, /transactions/{hash}).",
        discussion: """
            Keys never come from the command line. Relayer keys: X402_RELAYER_KEYS (comma-separated hex) or \
            --relayer-key-file (one hex key per line). Receiver-authorizer key: X402_AUTHORIZER_KEY or \
            --authorizer-key-file. Seller API keys: X402_API_KEYS or --api-keys-file, JSON \
            [{"id": "...", "secret": "...", "receivers": ["0x..."]}]. Database: --database-url or X402_DATABASE_URL \
            (PostgreSQL, shared by several instances); otherwise a journal file under --data-dir. \
            Prints "listening http://HOST:PORT" on stdout once ready; SIGTERM drains in-flight requests.
            """)

    @Option(help: "JSON-RPC URL of the chain's node.")
    var rpcURL: String

    @Option(help: "CAIP-2 network served, e.g. eip155:84532.")
    var network: String

    @Option(help: "Bind address.")
    var host = "127.0.0.1"

    @Option(help: "Port (0 picks a free one).")
    var port = 4021

    @Option(help: "Directory of the transaction journal file (default ./x402-facilitator-data).")
    var dataDir: String?

    @Option(help: "PostgreSQL URL for the journal (or X402_DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "File with relayer keys, one hex key per line.")
    var relayerKeyFile: String?

    @Option(help: "File with the receiver-authorizer key (hex).")
    var authorizerKeyFile: String?

    @Option(help: "File with seller API keys (JSON).")
    var apiKeysFile: String?

    @Option(help: "Requests per minute per client (API key, else IP); 0 turns the limit off.")
    var rateLimit = 200

    @Option(help: "Seconds to wait for a receipt before answering settlement_pending.")
    var receiptTimeout = 30

    @Flag(help: "Sign delegated claims/refunds for unauthenticated callers too (trusted networks only).")
    var allowUnauthenticatedSigning = false

    func run() async throws {
        var logger = Logger(label: "x402.facilitator")
        logger.logLevel = Logger.Level(rawValue: environment("X402_LOG_LEVEL") ?? "info") ?? .info

        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let network = try Network(validating: network)
        let chainId = try network.evmChainId()
        let relayerKeys = try Self.relayerKeys(file: relayerKeyFile)
        guard !relayerKeys.isEmpty else {
            throw ValidationError("no relayer key: set X402_RELAYER_KEYS or --relayer-key-file")
        }
        let authorizerKey = try authorizerKey(file: authorizerKeyFile)
        let apiKeys = try Self.apiKeys(file: apiKeysFile)

        let rpc = RPCClient(url: rpcURL, logger: logger)
        let nodeChain = try await rpc.chainId()
        guard nodeChain == chainId else {
            throw ValidationError("the node at --rpc-url is chain \(nodeChain), not \(network)")
        }

        // The journal: PostgreSQL (its client runs beside the service) or a file.
        var background: [Task<Void, Never>] = []
        let journal: any TransactionJournal
        if let url = databaseURL ?? environment("X402_DATABASE_URL") {
            let client = PostgresClient(configuration: try PostgresClient.Configuration(url: url), backgroundLogger: logger)
            background.append(Task { await client.run() })
            journal = try await PostgresTransactionJournal.open(client: client, logger: logger)
        } else {
            journal = try FileTransactionJournal(directory: dataDir ?? "x402-facilitator-data", logger: logger)
        }

        let relayer = Relayer(rpc: rpc, keys: relayerKeys, journal: journal,
                              configuration: RelayerConfiguration(chainId: chainId, receiptTimeout: .seconds(receiptTimeout)),
                              logger: logger)
        let scheme = BatchSettlementFacilitator(
            relayer: relayer,
            configuration: BatchSettlementFacilitatorConfiguration(chainId: chainId, authorizerKey: authorizerKey,
                                                                   requireAuthenticatedCaller: !allowUnauthenticatedSigning),
            logger: logger)
        // exact beside batch-settlement: the same relayer keys, nonce lanes and journal send both schemes' transactions.
        let exact = ExactFacilitator(relayer: relayer, configuration: ExactFacilitatorConfiguration(chainId: chainId), logger: logger)
        let facilitator = X402Facilitator().register(scheme, networks: [network]).register(exact, networks: [network])
            .registerExtension(BatchSettlement.eip2612GasSponsoringKey)

        let app = try FacilitatorHTTPServer.makeApplication(
            facilitator: facilitator,
            configuration: FacilitatorHTTPConfiguration(host: host, port: port, rateLimitPerMinute: rateLimit, apiKeys: apiKeys),
            transactionStatus: RelayerTransactionStatus(relayer: relayer),
            metricsRegistry: registry,
            logger: logger
        ) { address in
            print("listening \(address.url)")
            fflush(nil)  // all streams: `stdout` itself is not concurrency-safe to name
        }
        // The recovery service re-sends what was in flight after a crash and keeps pending transactions moving.
        // Its end (at shutdown) must not cut the HTTP service's drain short.
        let recovery = ServiceGroupConfiguration.ServiceConfiguration(service: RelayerRecoveryService(relayer: relayer),
                                                                      successTerminationBehavior: .ignore,
                                                                      failureTerminationBehavior: .ignore)
        let group = ServiceGroup(configuration: .init(services: [.init(service: app), recovery],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        for task in background { task.cancel() }
    }

    private static func relayerKeys(file: String?) throws -> [PrivateKey] {
        let text: String
        if let file {
            guard let contents = readFile(file) else { throw ValidationError("cannot read --relayer-key-file") }
            text = contents
        } else {
            text = environment("X402_RELAYER_KEYS") ?? ""
        }
        return try text.split(whereSeparator: { $0 == "," || $0.isNewline || $0 == " " })
            .map { try PrivateKey(hex: String($0)) }
    }

    private static func apiKeys(file: String?) throws -> [FacilitatorAPIKey] {
        let text: String
        if let file {
            guard let contents = readFile(file) else { throw ValidationError("cannot read --api-keys-file") }
            text = contents
        } else if let value = environment("X402_API_KEYS") {
            text = value
        } else {
            return []
        }
        struct Entry: Decodable {
            var id: String
            var secret: String
            var receivers: [String]
        }
        let entries = try X402JSON.decode([Entry].self, from: Array(text.utf8))
        return try entries.map { entry in
            FacilitatorAPIKey(id: entry.id, secret: entry.secret,
                              receivers: Set(try entry.receivers.map { try Address(hex: $0) }))
        }
    }
}
