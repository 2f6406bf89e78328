import X402Core
import X402EVM

extension Price {
    /// Resolves to an atomic amount, asset and `extra` (`name`, `version`, and `assetTransferMethod`
    /// for permit2 tokens), as the SDK's batch-settlement `parse_price` does.
    public func resolve(on network: Network) throws(MoneyError) -> AssetAmount {
        switch self {
        case .assetAmount(let a):
            guard !a.asset.isEmpty else { throw .missingAsset }
            return AssetAmount(amount: a.amount, asset: a.asset, extra: a.extra ?? JSONObject())
        case .money(let money):
            let (amount, symbol) = try money.parse()
            let asset = try DefaultAssets.asset(for: network, symbol: symbol)
            let atomic = try amount.atomicAmount(decimals: asset.decimals)
            var extra: JSONObject = ["name": .string(asset.name), "version": .string(asset.version)]
            if asset.transferMethod == .permit2 { extra["assetTransferMethod"] = .string(asset.transferMethod.rawValue) }
            return AssetAmount(amount: atomic.description, asset: asset.address.checksummed, extra: extra)
        }
    }
}
