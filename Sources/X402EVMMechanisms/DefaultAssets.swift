import X402Core
import X402EVM

import X402EVM

/// How a token is pulled into escrow/transferred (`extra.assetTransferMethod`).
public enum AssetTransferMethod: String, Codable, Sendable, Hashable {
    /// ERC-3009 `receiveWithAuthorization` (the default when the key is absent).
    case eip3009
    /// Uniswap Permit2 `permitWitnessTransferFrom`.
    case permit2
}

/// A network's well-known stablecoin (Python `x402/mechanisms/evm/default_assets.py`).
public struct DefaultAsset: Sendable, Hashable {
    /// Token contract.
    public let address: Address
    /// EIP-712 domain `name`; must match the token contract exactly or every signature is invalid.
    public let name: String
    /// EIP-712 domain `version`.
    public let version: String
    /// Token decimals: one whole token is 10^decimals atomic units (6 for USDC, 18 for MegaUSD).
    public let decimals: Int
    /// Ticker used by money strings such as `"1 USDT"` (matched case-insensitively).
    public let symbol: String
    /// How deposits pull the token; `.permit2` is also advertised as `extra.assetTransferMethod`.
    public let transferMethod: AssetTransferMethod
    /// Supports EIP-2612 `permit` (gas-sponsored Permit2 approval).
    public let supportsEIP2612: Bool

    init(address: String, name: String, version: String, decimals: Int, symbol: String,
         transferMethod: AssetTransferMethod, supportsEIP2612: Bool) {
        // Literal table entries below; a typo is a programming error caught by the tests.
        self.address = try! Address(hex: address)
        self.name = name
        self.version = version
        self.decimals = decimals
        self.symbol = symbol
        self.transferMethod = transferMethod
        self.supportsEIP2612 = supportsEIP2612
    }
}

/// The default asset table (x402 2.25.0). The first entry of each network is the `$` default.
public enum DefaultAssets {
    /// Network → assets, first entry is the default.
    public static let table: [Network: [DefaultAsset]] = Dictionary(uniqueKeysWithValues: entries.map { (Network(rawValue: $0.0), $0.1) })

    /// v1 network names resolved for asset lookups only (Python `V1_NETWORK_CHAIN_IDS`).
    public static let v1Aliases: [String: UInt64] = [
        "base": 8453, "base-sepolia": 84532, "ethereum": 1, "polygon": 137, "polygon-amoy": 80002,
        "avalanche": 43114, "avalanche-fuji": 43113, "abstract": 2741, "abstract-testnet": 11124, "iotex": 4689,
        "sei": 1329, "sei-testnet": 1328, "peaq": 3338, "story": 1513, "educhain": 656476,
        "skale-base-sepolia": 1444673419, "megaeth": 4326, "monad": 143, "monad-testnet": 10143, "stable": 988,
        "stable-testnet": 2201, "celo": 42220, "flare": 14,
    ]

    static func resolve(_ network: Network) -> Network {
        if table[network] != nil { return network }
        if let id = v1Aliases[network.rawValue] { return .eip155(id) }
        return network
    }

    /// The asset for `symbol` (case-insensitive) on `network`, or the network default when `symbol` is nil.
    public static func asset(for network: Network, symbol: String? = nil) throws(MoneyError) -> DefaultAsset {
        guard let assets = table[resolve(network)], let first = assets.first else { throw .noDefaultAsset(network) }
        guard let symbol, !symbol.isEmpty else { return first }
        let wanted = symbol.uppercased()
        guard let match = assets.first(where: { $0.symbol.uppercased() == wanted }) else {
            throw .unknownTicker(symbol, network)
        }
        return match
    }

    /// Reverse lookup by token address on `network`.
    public static func find(asset: Address, on network: Network) -> DefaultAsset? {
        table[resolve(network)]?.first { $0.address == asset }
    }

    static let entries: [(String, [DefaultAsset])] = [
        ("eip155:8453", [
            DefaultAsset(address: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", name: "USD Coin", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:84532", [
            DefaultAsset(address: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", name: "USDC", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:1", [
            DefaultAsset(address: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", name: "USD Coin", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:43114", [
            DefaultAsset(address: "0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E", name: "USD Coin", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:4326", [
            DefaultAsset(address: "0xFAfDdbb3FC7688494971a79cc65DCa3EF82079E7", name: "MegaUSD", version: "1", decimals: 18, symbol: "MegaUSD", transferMethod: .permit2, supportsEIP2612: true)]),
        ("eip155:143", [
            DefaultAsset(address: "0x754704Bc059F8C67012fEd69BC8A327a5aafb603", name: "USDC", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:10143", [
            DefaultAsset(address: "0x534b2f3A21130d7a60830c2Df862319e593943A3", name: "USDC", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:988", [
            DefaultAsset(address: "0x779Ded0c9e1022225f8E0630b35a9b54bE713736", name: "USDT0", version: "1", decimals: 6, symbol: "USDT0", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:2201", [
            DefaultAsset(address: "0x78Cf24370174180738C5B8E352B6D14c83a6c9A9", name: "USDT0", version: "1", decimals: 6, symbol: "USDT0", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:137", [
            DefaultAsset(address: "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359", name: "USD Coin", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:42161", [
            DefaultAsset(address: "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", name: "USD Coin", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:421614", [
            DefaultAsset(address: "0x75faf114eafb1BDbe2F0316DF893fd58CE46AA4d", name: "USD Coin", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:31612", [
            DefaultAsset(address: "0xdD468A1DDc392dcdbEf6db6e34E89AA338F9F186", name: "Mezo USD", version: "1", decimals: 18, symbol: "mUSD", transferMethod: .permit2, supportsEIP2612: true)]),
        ("eip155:31611", [
            DefaultAsset(address: "0x118917a40FAF1CD7a13dB0Ef56C86De7973Ac503", name: "Mezo USD", version: "1", decimals: 18, symbol: "mUSD", transferMethod: .permit2, supportsEIP2612: true)]),
        ("eip155:723487", [
            DefaultAsset(address: "0x33ad9e4BD16B69B5BFdED37D8B5D9fF9aba014Fb", name: "Stable Coin", version: "1", decimals: 6, symbol: "SBC", transferMethod: .permit2, supportsEIP2612: true)]),
        ("eip155:72344", [
            DefaultAsset(address: "0x33ad9e4BD16B69B5BFdED37D8B5D9fF9aba014Fb", name: "Stable Coin", version: "1", decimals: 6, symbol: "SBC", transferMethod: .permit2, supportsEIP2612: true)]),
        ("eip155:36900", [
            DefaultAsset(address: "0x9cb8142aEBBcdc60AF7c97Af897A67A8f3CA71C2", name: "USDC.e", version: "2", decimals: 6, symbol: "USDC.e", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:190415", [
            DefaultAsset(address: "0x401eCb1D350407f13ba348573E5630B83638E30D", name: "Bridged USDC", version: "2", decimals: 6, symbol: "USDC.e", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:181228", [
            DefaultAsset(address: "0x401eCb1D350407f13ba348573E5630B83638E30D", name: "Bridged USDC", version: "2", decimals: 6, symbol: "USDC.e", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:50", [
            DefaultAsset(address: "0xfA2958CB79b0491CC627c1557F441eF849Ca8eb1", name: "USDC", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:51", [
            DefaultAsset(address: "0xb5AB69F7bBada22B28e79C8FFAECe55eF1c771D4", name: "USDC", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:38833", [
            DefaultAsset(address: "0xA5b8BF902b2844dA17d4506cc827F7F1681735E7", name: "USDC", version: "1", decimals: 6, symbol: "USDC", transferMethod: .permit2, supportsEIP2612: false)]),
        ("eip155:14", [
            DefaultAsset(address: "0xe7cd86e13AC4309349F30B3435a9d337750fC82D", name: "USD\u{20ae}0", version: "1", decimals: 6, symbol: "USDT0", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:42220", [
            DefaultAsset(address: "0xcebA9300f2b948710d2653dD7B07f33A8B32118C", name: "USDC", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false),
            DefaultAsset(address: "0x48065fbBE25f71C9282ddf5e1cD6D6A887483D5e", name: "Tether USD", version: "1", decimals: 6, symbol: "USDT", transferMethod: .eip3009, supportsEIP2612: false),
            DefaultAsset(address: "0xD2ab3C9A02DBBAB236BfEC45D1d755DF4267F771", name: "Tether America USD", version: "1", decimals: 6, symbol: "USAT", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:11142220", [
            DefaultAsset(address: "0x01C5C0122039549AD1493B8220cABEdD739BC44E", name: "USDC", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:1329", [
            DefaultAsset(address: "0xe15fC38F6D8c56aF07bbCBe3BAf5708A2Bf42392", name: "USDC", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:1328", [
            DefaultAsset(address: "0x4fCF1784B31630811181f670Aea7A7bEF803eaED", name: "USDC", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:5042", [
            DefaultAsset(address: "0x3600000000000000000000000000000000000000", name: "USDC", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
        ("eip155:5042002", [
            DefaultAsset(address: "0x3600000000000000000000000000000000000000", name: "USDC", version: "2", decimals: 6, symbol: "USDC", transferMethod: .eip3009, supportsEIP2612: false)]),
    ]
}
