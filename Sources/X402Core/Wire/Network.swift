/// Why a network id is not a usable CAIP-2 / EVM chain id.
public enum NetworkError: Error, Equatable, Sendable {
    /// Not `<namespace>:<reference>` with CAIP-2 character sets and lengths.
    case notCAIP2(String)
    /// A CAIP-2 id outside the `eip155` namespace where an EVM chain was required.
    case notEIP155(String)
    /// The `eip155` reference is not a canonical positive decimal that fits 64 bits.
    case invalidChainId(String)
}

/// A CAIP-2 network id such as `eip155:84532` (protocol.md A.9).
///
/// Decoding keeps any string (a server may advertise networks this package does not know);
/// use ``init(validating:)`` or ``evmChainId()`` where a well-formed id is required.
public struct Network: RawRepresentable, Hashable, Sendable, Codable, JSONValueDecodable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The id as sent on the wire.
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    /// Byte-wise equality: a wire id is its exact text (Swift's `String ==` would also equate
    /// canonically equivalent Unicode).
    public static func == (lhs: Network, rhs: Network) -> Bool { lhs.rawValue.utf8Equals(rhs.rawValue) }

    public func hash(into hasher: inout Hasher) { rawValue.hashUTF8(into: &hasher) }

    /// Parses a CAIP-2 id strictly: namespace `[-a-z0-9]{3,8}`, reference `[-_a-zA-Z0-9]{1,32}`.
    public init(validating text: String) throws(NetworkError) {
        let parts = text.utf8.split(separator: 0x3A, omittingEmptySubsequences: false)
        guard parts.count == 2,
              (3...8).contains(parts[0].count),
              parts[0].allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }),
              (1...32).contains(parts[1].count),
              parts[1].allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F })
        else { throw .notCAIP2(text) }
        self.rawValue = text
    }

    /// `eip155:<chainId>`.
    public static func eip155(_ chainId: UInt64) -> Network { Network(rawValue: "eip155:\(chainId)") }

    /// The EVM chain id: the text must be `eip155:` followed by a positive decimal without leading zeros.
    public func evmChainId() throws(NetworkError) -> UInt64 {
        let prefix = "eip155:"
        guard rawValue.hasPrefix(prefix) else { throw .notEIP155(rawValue) }
        let digits = rawValue.utf8.dropFirst(prefix.utf8.count)
        guard let first = digits.first, first != 0x30, digits.count <= 20,
              digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let id = UInt64(Substring(digits)) else { throw .invalidChainId(rawValue) }
        return id
    }

    /// True for ids in the `eip155` namespace.
    public var isEIP155: Bool { rawValue.hasPrefix("eip155:") }

    public init(from decoder: any Decoder) throws { self = try Self.decodeValue(from: decoder) }

    /// Reads the id as any string (validate with ``init(validating:)`` where a CAIP-2 id is required).
    public init(jsonValue: JSONValue) throws(JSONValueError) {
        rawValue = try jsonValue.requireString("a CAIP-2 network id")
    }

    public var description: String { rawValue }

    /// Base mainnet, chain id 8453.
    public static let base: Network = "eip155:8453"
    /// Base Sepolia testnet, chain id 84532.
    public static let baseSepolia: Network = "eip155:84532"
    /// Ethereum mainnet, chain id 1.
    public static let ethereum: Network = "eip155:1"
    /// Arbitrum One, chain id 42161.
    public static let arbitrum: Network = "eip155:42161"
    /// Arbitrum Sepolia testnet, chain id 421614.
    public static let arbitrumSepolia: Network = "eip155:421614"
    /// Polygon PoS, chain id 137.
    public static let polygon: Network = "eip155:137"
    /// Avalanche C-Chain, chain id 43114.
    public static let avalanche: Network = "eip155:43114"
    /// Avalanche Fuji testnet, chain id 43113.
    public static let avalancheFuji: Network = "eip155:43113"
    /// MegaETH, chain id 4326.
    public static let megaETH: Network = "eip155:4326"
}
