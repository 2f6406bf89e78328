// swift-tools-version:6.1
import PackageDescription

// Run from the repository root: swift package --package-path Benchmarks benchmark
let package = Package(
    name: "X402Benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-x402", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "X402Benchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "X402EVM", package: "swift-x402"),
                .product(name: "X402Core", package: "swift-x402"),
                .product(name: "X402BatchSettlement", package: "swift-x402"),
            ],
            path: "Benchmarks/X402Benchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
