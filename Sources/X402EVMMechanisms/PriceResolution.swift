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

extension DefaultAssets {
    /// The decimals of `asset` (any-case address text) when it is a default asset of `network`.
    public static func decimals(asset: String, network: Network) -> Int? {
        guard let address = try? Address(hex: asset) else { return nil }
        return find(asset: address, on: network)?.decimals
    }
}

extension PaymentRequirements {
    /// For a default asset, fills the token's EIP-712 `extra.name` / `extra.version` and, for a Permit2 token,
    /// `extra.assetTransferMethod`, keeping what the route set; returns that asset (nil for other tokens).
    @discardableResult
    public mutating func fillDefaultAssetExtra() -> DefaultAsset? {
        guard let address = try? Address(hex: asset), let known = DefaultAssets.find(asset: address, on: network) else { return nil }
        if extra["name"] == nil { extra["name"] = .string(known.name) }
        if extra["version"] == nil { extra["version"] = .string(known.version) }
        if extra["assetTransferMethod"] == nil, known.transferMethod == .permit2 {
            extra["assetTransferMethod"] = .string(known.transferMethod.rawValue)
        }
        return known
    }
}
