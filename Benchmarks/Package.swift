// swift-tools-version:6.1
import PackageDescription

// Run from the repository root: swift package --package-path Benchmarks benchmark
// The facilitator benchmarks need a devnet (X402_RPC_URL, or Devnet/devnet launched); without one they
// are not registered.
let package = Package(
    name: "X402Benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-x402", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // Already in swift-x402's graph (same versions): the facilitator benchmarks' HTTP client and service.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.11.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
    ],
    targets: [
        .executableTarget(
            name: "X402Benchmarks",
            dependencies: [
                "SellerBenchKit",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "X402EVM", package: "swift-x402"),
                .product(name: "X402Core", package: "swift-x402"),
                .product(name: "X402JSON", package: "swift-x402"),
                .product(name: "X402BatchSettlement", package: "swift-x402"),
                .product(name: "X402BatchSettlementFacilitator", package: "swift-x402"),
                .product(name: "X402BatchSettlementServer", package: "swift-x402"),
                .product(name: "X402EVMRelayer", package: "swift-x402"),
                .product(name: "X402EVMRPC", package: "swift-x402"),
                .product(name: "X402Hummingbird", package: "swift-x402"),
                .product(name: "X402Testing", package: "swift-x402"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Benchmarks/X402Benchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The seller fixture and its HTTP app, shared by the benchmarks and the seller process.
        .target(
            name: "SellerBenchKit",
            dependencies: [
                .product(name: "X402EVM", package: "swift-x402"),
                .product(name: "X402Core", package: "swift-x402"),
                .product(name: "X402JSON", package: "swift-x402"),
                .product(name: "X402BatchSettlement", package: "swift-x402"),
                .product(name: "X402BatchSettlementServer", package: "swift-x402"),
                .product(name: "X402Hummingbird", package: "swift-x402"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Benchmarks/SellerBenchKit"
        ),
        // The loopback benchmarks' seller as its own process (built beside X402Benchmarks; see README.md).
        .executableTarget(
            name: "x402-bench-seller",
            dependencies: [
                "SellerBenchKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/x402-bench-seller"
        ),
    ],
    swiftLanguageModes: [.v6]
)
