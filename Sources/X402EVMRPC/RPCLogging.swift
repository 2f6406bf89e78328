import Logging

// What the client and transport log, and how. Levels: `trace` for every request/response with params
// and sizes, `debug` for each completed call or batch with its duration and for failures. Nothing
// above debug: every failure is also thrown to the caller, who decides whether it matters.
//
// Never logged: HTTP headers (API keys), URL paths, queries and user info (keys in Infura/Alchemy
// style URLs), response bodies, and the params of `personal_*` methods (passphrases, raw keys).
// `eth_sendRawTransaction` params are public signed bytes and are logged at trace like any other.

enum RPCLog {
    /// The most characters of params text logged per call.
    static let maxParamsText = 1024

    /// The params as compact JSON for trace logs, redacted for methods that may carry secrets and
    /// truncated past ``maxParamsText``.
    static func params(method: String, _ params: [JSONValue]) -> Logger.MetadataValue {
        guard !method.hasPrefix("personal_") else { return "<redacted>" }
        let bytes = JSONSerializer.serialize(.array(params))
        guard bytes.count > maxParamsText else { return .string(String(decoding: bytes, as: UTF8.self)) }
        return .string(String(decoding: bytes.prefix(maxParamsText), as: UTF8.self) + "…(\(bytes.count) bytes)")
    }

    /// Milliseconds with microsecond precision, e.g. `12.345`.
    static func milliseconds(_ duration: Duration) -> Logger.MetadataValue {
        let (seconds, attoseconds) = duration.components
        let micros = seconds.multipliedReportingOverflow(by: 1_000_000).partialValue &+ attoseconds / 1_000_000_000_000
        let fraction = String(abs(micros % 1000))
        return .string("\(micros / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)")
    }

    /// `scheme://host[:port]` of a URL: no user info, path, query or fragment, which may hold API keys.
    static func endpoint(_ url: String) -> String {
        var rest = Substring(url)
        var scheme = Substring("")
        let utf8 = Array(url.utf8)
        if let colon = utf8.indices.first(where: { utf8[$0...].starts(with: "://".utf8) }) {
            let afterScheme = url.utf8.index(url.utf8.startIndex, offsetBy: colon + 3)
            scheme = rest[..<afterScheme]
            rest = rest[afterScheme...]
        }
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return String(scheme + rest)
    }
}
