// swift-tools-version:6.1
import PackageDescription

// Layers (lower never imports higher):
//   X402JSON, X402Primitives (pure Swift, no C)
//     → X402EVM (+ CSecp256k1) → X402EVMRPC
//     → X402Core (wire, roles; no C library, no HTTP framework)
//     → X402EVMMechanisms (EVM money, assets, ERC-3009) → X402BatchSettlement, X402Exact
//     → adapters → X402CLI
// A buyer-only app links no server framework.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "swift-x402",
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [
        .library(name: "X402JSON", targets: ["X402JSON"]),
        .library(name: "X402Primitives", targets: ["X402Primitives"]),
        .library(name: "X402EVM", targets: ["X402EVM"]),
        .library(name: "X402EVMRPC", targets: ["X402EVMRPC"]),
        .library(name: "X402Core", targets: ["X402Core"]),
        .library(name: "X402EVMMechanisms", targets: ["X402EVMMechanisms"]),
        .library(name: "X402BatchSettlement", targets: ["X402BatchSettlement"]),
        .library(name: "X402BatchSettlementServer", targets: ["X402BatchSettlementServer"]),
        .library(name: "X402BatchSettlementClient", targets: ["X402BatchSettlementClient"]),
        .library(name: "X402Exact", targets: ["X402Exact"]),
        .library(name: "X402ExactFacilitator", targets: ["X402ExactFacilitator"]),
        .library(name: "X402AsyncHTTPClient", targets: ["X402AsyncHTTPClient"]),
        .library(name: "X402URLSession", targets: ["X402URLSession"]),
        .library(name: "X402EVMRelayer", targets: ["X402EVMRelayer"]),
        .library(name: "X402BatchSettlementFacilitator", targets: ["X402BatchSettlementFacilitator"]),
        .library(name: "X402Postgres", targets: ["X402Postgres"]),
        .library(name: "X402Hummingbird", targets: ["X402Hummingbird"]),
        .library(name: "X402Testing", targets: ["X402Testing"]),
        .executable(name: "x402", targets: ["X402CLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.11.0"),  // LogEvent (test log handlers)
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.25.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.21.0"),
    ],
    targets: [
        // MARK: Pure-Swift foundations
        .target(
            name: "X402JSON",
            swiftSettings: strict
        ),
        .target(
            name: "X402Primitives",
            dependencies: ["X402JSON"],
            swiftSettings: strict
        ),
        // MARK: EVM
        .systemLibrary(
            name: "CSecp256k1",
            pkgConfig: "libsecp256k1",
            providers: [.apt(["libsecp256k1-dev"]), .brew(["secp256k1"])]
        ),
        // The append-only, fsync'd, flock'ed log file behind the file journal and the file channel storage.
        .target(
            name: "X402FileLog",
            swiftSettings: strict
        ),
        .target(
            name: "X402EVM",
            dependencies: ["CSecp256k1", "X402Primitives", "X402JSON"],
            swiftSettings: strict
        ),
        .target(
            name: "X402EVMRPC",
            dependencies: [
                "X402EVM", "X402JSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // MARK: x402 core and schemes
        .target(
            name: "X402Core",
            dependencies: [
                "X402JSON", "X402Primitives",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "X402EVMMechanisms",
            dependencies: ["X402Core", "X402EVM"],
            swiftSettings: strict
        ),
        // Adapter: the facilitator HTTP client and the buyer's paying HTTP client over AsyncHTTPClient
        // (keeps X402Core free of any HTTP client).
        .target(
            name: "X402AsyncHTTPClient",
            dependencies: [
                "X402Core",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "X402BatchSettlement",
            dependencies: ["X402JSON", "X402EVM", "X402Core", "X402EVMMechanisms", "X402FileLog"],
            swiftSettings: strict
        ),
        // The buyer's batch-settlement scheme: deposits, vouchers, client channel state, refunds, spending controls.
        .target(
            name: "X402BatchSettlementClient",
            dependencies: [
                "X402BatchSettlement", "X402Core", "X402EVM", "X402EVMMechanisms", "X402EVMRPC", "X402JSON", "X402FileLog",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The `exact` scheme (ERC-3009 transferWithAuthorization): wire, offline rules, client and server schemes.
        // No relayer, RPC or server framework: a buyer-only app stays small.
        .target(
            name: "X402Exact",
            dependencies: ["X402Core", "X402EVM", "X402EVMMechanisms", "X402JSON"],
            swiftSettings: strict
        ),
        // Adapter: the buyer's HTTP wrapper over URLSession (FoundationNetworking on Linux).
        .target(
            name: "X402URLSession",
            dependencies: ["X402Core", .product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: strict
        ),
        // The seller's batch-settlement scheme (B.11 hooks over a ChannelStorage) and its channel manager service.
        .target(
            name: "X402BatchSettlementServer",
            dependencies: [
                "X402BatchSettlement", "X402Core", "X402EVM", "X402EVMMechanisms", "X402EVMRPC", "X402JSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // MARK: Facilitator: relaying transactions, the batch-settlement facilitator scheme
        // Transactions that move money: nonce manager, journal (file; PostgreSQL in X402Postgres), send,
        // receipts. Shared by every EVM scheme's facilitator.
        .target(
            name: "X402EVMRelayer",
            dependencies: [
                "X402EVM", "X402EVMRPC", "X402JSON", "X402FileLog",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "X402BatchSettlementFacilitator",
            dependencies: [
                "X402BatchSettlement", "X402EVMRelayer", "X402Core", "X402EVM", "X402EVMRPC",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // The `exact` facilitator scheme: verify against the chain, settle through the shared relayer.
        .target(
            name: "X402ExactFacilitator",
            dependencies: [
                "X402Exact", "X402EVMRelayer", "X402EVMMechanisms", "X402Core", "X402EVM", "X402EVMRPC", "X402JSON",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // MARK: Server adapters
        // PostgreSQL storage shared by several instances: the facilitator journal, the seller channel storage.
        .target(
            name: "X402Postgres",
            dependencies: [
                "X402EVMRelayer", "X402BatchSettlement", "X402EVM", "X402JSON",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Hummingbird: the facilitator HTTP service and the seller payment middleware.
        .target(
            name: "X402Hummingbird",
            dependencies: [
                "X402Core", "X402JSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // MARK: Testing support and tools
        .target(
            name: "X402Testing",
            dependencies: ["X402EVM", "X402EVMRPC", "X402Core", "X402BatchSettlement", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "X402CLI",
            dependencies: [
                "X402EVM", "X402Core", "X402EVMMechanisms", "X402BatchSettlement",
                "X402EVMRPC", "X402EVMRelayer", "X402BatchSettlementFacilitator", "X402Postgres", "X402Hummingbird",
                "X402BatchSettlementServer", "X402AsyncHTTPClient", "X402BatchSettlementClient", "X402Testing",
                "X402Exact", "X402ExactFacilitator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        // MARK: Unit tests (no network, no devnet)
        .testTarget(
            name: "X402JSONTests",
            dependencies: ["X402JSON", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402EVMTests",
            dependencies: ["X402EVM", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402EVMRPCTests",
            dependencies: ["X402EVMRPC", "X402EVM", "X402Testing", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402CoreTests",
            dependencies: [
                "X402Core", "X402EVMMechanisms", "X402EVM",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402AsyncHTTPClientTests",
            dependencies: [
                "X402AsyncHTTPClient", "X402Core", "X402Testing",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402BatchSettlementTests",
            dependencies: ["X402BatchSettlement", "X402EVMMechanisms", "X402Core", "X402EVM"],
            swiftSettings: strict
        ),
        // The ChannelStorage contract, checked against every seller storage (in memory, file, PostgreSQL).
        .target(
            name: "X402ChannelStorageContract",
            dependencies: ["X402BatchSettlement", "X402EVM", "X402JSON"],
            path: "Tests/X402ChannelStorageContract",
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402BatchSettlementServerTests",
            dependencies: [
                "X402BatchSettlement", "X402BatchSettlementServer", "X402Core", "X402EVM", "X402EVMRPC", "X402JSON",
                "X402ChannelStorageContract", "X402Testing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402BatchSettlementClientTests",
            dependencies: ["X402BatchSettlementClient", "X402BatchSettlement", "X402Core", "X402EVM", "X402JSON", "X402EVMRPC", "X402BatchSettlementServer", "X402Testing", .product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402ExactTests",
            dependencies: ["X402Exact", "X402ExactFacilitator", "X402EVMMechanisms", "X402Core", "X402EVM", "X402EVMRPC", "X402JSON"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402URLSessionTests",
            dependencies: ["X402URLSession", "X402Core", "X402Testing"],
            swiftSettings: strict
        ),
        // The TransactionJournal contract, checked against every journal (in memory, file, PostgreSQL).
        .target(
            name: "X402JournalContract",
            dependencies: ["X402EVMRelayer", "X402EVM", "X402JSON"],
            path: "Tests/X402JournalContract",
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402BatchSettlementFacilitatorTests",
            dependencies: ["X402BatchSettlementFacilitator", "X402BatchSettlement", "X402Core", "X402EVM", "X402EVMRPC"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402RelayerTests",
            dependencies: ["X402EVMRelayer", "X402EVM", "X402JournalContract", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402HummingbirdTests",
            dependencies: [
                "X402Hummingbird", "X402Core", "X402Testing", "X402Exact", "X402BatchSettlement", "X402BatchSettlementServer",
                "X402BatchSettlementClient", "X402EVM",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // MARK: Integration tests (a live devnet: X402_RPC_URL or one they launch; PostgreSQL: X402_DATABASE_URL)
        .testTarget(
            name: "X402IntegrationTests",
            dependencies: [
                "X402Testing", "X402EVMRPC", "X402EVM", "X402Core", "X402BatchSettlement",
                "X402BatchSettlementFacilitator", "X402EVMRelayer", "X402Hummingbird", "X402AsyncHTTPClient",
                "X402BatchSettlementServer", "X402Postgres", "X402JSON", "X402BatchSettlementClient", "X402URLSession",
                "X402Exact", "X402ExactFacilitator", "X402EVMMechanisms",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402PostgresTests",
            dependencies: [
                "X402Postgres", "X402EVMRelayer", "X402EVM", "X402JournalContract", "X402BatchSettlement",
                "X402ChannelStorageContract",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
