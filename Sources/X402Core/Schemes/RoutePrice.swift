/// A route price as the application wrote it (protocol.md A.8). Core never converts it: the server
/// scheme's ``SchemeNetworkServer/parsePrice(_:network:)`` turns it into an atomic ``AssetAmount``.
/// (Named `RoutePrice` while the EVM money `Price` still lives in X402Core.)
public enum RoutePrice: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral {
    /// Money text such as `"$0.01"`, `"0.01"` or `"1.5 USDC"`.
    case money(String)
    /// A number, kept as its decimal text (`0.01` → `"0.01"`).
    case number(String)
    /// An explicit atomic amount of an asset.
    case assetAmount(AssetAmount)

    /// `.money(value)`.
    public init(stringLiteral value: String) { self = .money(value) }
    /// `.number` with the integer's decimal text.
    public init(integerLiteral value: Int) { self = .number(String(value)) }
    /// `.number` with the shortest text that reads back as `value` (as Python's `str(float)`).
    public init(floatLiteral value: Double) { self = .number("\(value)") }
}
