/// A network or a CAIP family wildcard (`"eip155:*"`) that scheme implementations register under.
public struct NetworkPattern: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The pattern text: a CAIP-2 id, or `<namespace>:*`.
    public let rawValue: String

    /// Wraps a pattern text.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Wraps a pattern literal.
    public init(stringLiteral value: String) { self.rawValue = value }
    /// The pattern that matches exactly `network`.
    public init(_ network: Network) { self.rawValue = network.rawValue }

    /// Every network of a CAIP-2 namespace, e.g. `.family("eip155")` is `"eip155:*"`.
    public static func family(_ namespace: String) -> NetworkPattern { NetworkPattern(rawValue: namespace + ":*") }

    /// True for `<namespace>:*`.
    public var isWildcard: Bool { rawValue.utf8.last == UInt8(ascii: "*") && rawValue.utf8.dropLast().last == UInt8(ascii: ":") }

    /// True when `network` is this exact id, or in this wildcard's namespace (compared as bytes: matched on every
    /// paid request).
    public func matches(_ network: Network) -> Bool {
        guard isWildcard else { return rawValue == network.rawValue }
        let namespace = rawValue.utf8.dropLast()  // "eip155:"
        let id = network.rawValue.utf8
        return id.count > namespace.count && id.starts(with: namespace)
    }

    /// The pattern text.
    public var description: String { rawValue }
}

/// Implementations of one role registered by (network pattern, scheme); lookups prefer an exact
/// network over a wildcard (most specific wins), then the latest registration.
struct SchemeRegistry<Value: Sendable>: Sendable {
    private var entries: [(pattern: NetworkPattern, scheme: String, value: Value)] = []

    mutating func register(_ pattern: NetworkPattern, scheme: String, _ value: Value) {
        entries.removeAll { $0.pattern == pattern && $0.scheme == scheme }
        entries.append((pattern, scheme, value))
    }

    func lookup(scheme: String, network: Network) -> Value? {
        // By index, newest first: each entry is read in place, not copied (a paid request looks its scheme up twice).
        var wildcard: Value?
        var i = entries.endIndex
        while i > entries.startIndex {
            i -= 1
            guard entries[i].scheme == scheme, entries[i].pattern.matches(network) else { continue }
            if !entries[i].pattern.isWildcard { return entries[i].value }
            if wildcard == nil { wildcard = entries[i].value }
        }
        return wildcard
    }

    func hasScheme(_ scheme: String) -> Bool { entries.contains { $0.scheme == scheme } }

    var all: [(pattern: NetworkPattern, scheme: String, value: Value)] { entries }
}
