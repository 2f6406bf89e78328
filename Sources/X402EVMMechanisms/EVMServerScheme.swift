import X402Core
import X402EVM

/// A seller scheme on EVM chains that prices in the default-asset table: `$` money on the network's stablecoin
/// (with its EIP-712 domain in `extra`) or an explicit asset amount, and `$` settlement overrides in its decimals.
public protocol EVMServerScheme: SchemeNetworkServer {}

extension EVMServerScheme {
    /// ``X402Core/Price/resolve(on:)``: money on the network's default asset, or the explicit asset amount.
    public func parsePrice(_ price: Price, network: Network) throws -> AssetAmount {
        try price.resolve(on: network)
    }

    /// The asset's decimals when it is a default asset.
    public func assetDecimals(asset: String, network: Network) -> Int? {
        DefaultAssets.decimals(asset: asset, network: network)
    }
}
