// swift-tools-version:6.1
import PackageDescription

// Layers (lower never imports higher):
//   CSecp256k1 → X402EVM → X402EVMRPC → X402Core → X402BatchSettlement → adapters → X402CLI
// A buyer-only app links X402EVM/X402Core/X402BatchSettlement and no server framework.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "swift-x402",
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [
        .library(name: "X402EVM", targets: ["X402EVM"]),
        .library(name: "X402EVMRPC", targets: ["X402EVMRPC"]),
        .library(name: "X402Core", targets: ["X402Core"]),
        .library(name: "X402BatchSettlement", targets: ["X402BatchSettlement"]),
        .library(name: "X402AsyncHTTPClient", targets: ["X402AsyncHTTPClient"]),
        .executable(name: "x402", targets: ["X402CLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.25.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSecp256k1",
            pkgConfig: "libsecp256k1",
            providers: [.apt(["libsecp256k1-dev"]), .brew(["secp256k1"])]
        ),
        .target(
            name: "X402EVM",
            dependencies: ["CSecp256k1"],
            swiftSettings: strict
        ),
        .target(
            name: "X402EVMRPC",
            dependencies: [
                "X402EVM",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "X402Core",
            dependencies: [
                "X402EVM",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict
        ),
        // Adapter: the facilitator HTTP client over AsyncHTTPClient (keeps X402Core free of any HTTP client).
        .target(
            name: "X402AsyncHTTPClient",
            dependencies: [
                "X402Core",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "X402BatchSettlement",
            dependencies: ["X402EVM", "X402Core"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "X402CLI",
            dependencies: [
                "X402EVM", "X402Core", "X402BatchSettlement",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402EVMTests",
            dependencies: ["X402EVM", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402EVMRPCTests",
            dependencies: ["X402EVMRPC", "X402EVM"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402CoreTests",
            dependencies: [
                "X402Core", "X402EVM",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402AsyncHTTPClientTests",
            dependencies: [
                "X402AsyncHTTPClient", "X402Core",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "X402BatchSettlementTests",
            dependencies: ["X402BatchSettlement", "X402Core", "X402EVM"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
