import HTTPTypes

/// Payment configuration of one protected route (Python `RouteConfig`).
public struct RouteConfig: Sendable {
    /// Ways to pay, in the order offered (the 402's `accepts`).
    public var accepts: [PaymentOption]
    /// `ResourceInfo.url`; default: the request URL.
    public var resource: String?
    /// `ResourceInfo.description`; default `""`.
    public var description: String?
    /// `ResourceInfo.mimeType`; default `""`.
    public var mimeType: String?
    /// Declared extensions (`PaymentRequired.extensions`).
    public var extensions: JSONObject?
    /// Body of the 402 sent when no payment was attached; default `{}` as JSON.
    public var unpaidResponseBody: DirectResponse?

    /// Creates a route configuration.
    public init(accepts: [PaymentOption], resource: String? = nil, description: String? = nil, mimeType: String? = nil,
                extensions: JSONObject? = nil, unpaidResponseBody: DirectResponse? = nil) {
        self.accepts = accepts
        self.resource = resource
        self.description = description
        self.mimeType = mimeType
        self.extensions = extensions
        self.unpaidResponseBody = unpaidResponseBody
    }
}

/// Protected routes keyed by pattern, matched in the order given (the first match wins, as in the SDKs).
///
/// A pattern is `"METHOD /path"` or `"/path"` (any method). Path segments match ASCII
/// case-insensitively after percent-decoding; `*`, `:name` and `[name]` match one segment, a `*`
/// inside a segment matches any characters of that segment, and a trailing `/*` matches the prefix
/// itself and everything below it. The pattern `"*"` matches every path.
public struct RouteTable: Sendable {
    /// One compiled route.
    public struct Route: Sendable {
        /// The pattern as written.
        public let pattern: String
        /// The method, or `nil` for any method.
        public let method: HTTPRequest.Method?
        /// The route's configuration.
        public let config: RouteConfig
        let segments: [Segment]
        let matchesRest: Bool
        /// The route's position in ``RouteTable/routes``.
        var index = 0
    }

    enum Segment: Sendable, Equatable {
        case literal([UInt8])
        case any
        case glob([[UInt8]])
    }

    /// The routes in matching order.
    public let routes: [Route]

    /// Compiles `routes` (pattern, configuration), keeping their order.
    public init(_ routes: [(String, RouteConfig)]) throws(X402Error) {
        var compiled: [Route] = []
        for (pattern, config) in routes {
            var route = try Self.compile(pattern, config)
            route.index = compiled.count
            compiled.append(route)
        }
        self.routes = compiled
    }

    /// Compiles `routes` in literal order: `["GET /a": config, "/b/*": other]`.
    public init(_ routes: KeyValuePairs<String, RouteConfig>) throws(X402Error) {
        try self.init(routes.map { ($0.key, $0.value) })
    }

    /// The first route matching `method` and `path` (a request target; query and fragment are ignored).
    public func match(method: HTTPRequest.Method, path: String) -> Route? {
        var target = path
        // An ASCII target without escapes against routes without globs (every paid request of a plain API): matched
        // over its bytes, nothing allocated. Anything else takes the general path below; both give the same answer.
        if let plain = target.withUTF8({ matchPlain(method: method, $0) }) { return plain }
        return matchBySegments(method: method, path: path)
    }

    /// ``match(method:path:)`` through ``normalize(_:)``: the reference the plain matcher must agree with.
    func matchBySegments(method: HTTPRequest.Method, path: String) -> Route? {
        let segments = Self.normalize(path)
        return routes.first { route in
            (route.method == nil || route.method == method) && Self.matches(route, segments)
        }
    }

    /// The first route `target` matches (`.some(nil)`: none), or nil when the plain matcher cannot tell (a byte that is
    /// not ASCII, a `%` in the path, a glob segment).
    func matchPlain(method: HTTPRequest.Method, _ b: UnsafeBufferPointer<UInt8>) -> Route?? {
        var end = 0
        while end < b.count, b[end] != 0x3F, b[end] != 0x23 {   // ? #
            guard b[end] < 0x80, b[end] != 0x25 else { return nil }
            end += 1
        }
        for i in end..<b.count where b[i] >= 0x80 { return nil }
        for route in routes where route.method == nil || route.method == method {
            guard let matched = Self.matchesPlain(route, b, end: end) else { return nil }
            if matched { return .some(route) }
        }
        return .some(nil)
    }

    /// ``matches(_:_:)`` over the segments of `b[..<end]` (plain ASCII, no escapes); nil for a glob segment.
    static func matchesPlain(_ route: Route, _ b: UnsafeBufferPointer<UInt8>, end: Int) -> Bool? {
        var k = 0, pos = 0
        while true {
            while pos < end, b[pos] == 0x2F { pos += 1 }
            if pos >= end { break }
            let start = pos
            while pos < end, b[pos] != 0x2F { pos += 1 }
            // One more segment than the route has: only a trailing `/*` takes it.
            if k == route.segments.count { return route.matchesRest }
            switch route.segments[k] {
            case .any: break
            case .glob: return nil
            case .literal(let text):
                guard text.count == pos - start else { return false }
                for (i, c) in text.enumerated() where (b[start + i] >= 0x41 && b[start + i] <= 0x5A ? b[start + i] | 0x20 : b[start + i]) != c {
                    return false
                }
            }
            k += 1
        }
        return k == route.segments.count
    }

    static func compile(_ pattern: String, _ config: RouteConfig) throws(X402Error) -> Route {
        let parts = pattern.split(separator: " ", omittingEmptySubsequences: true)
        var method: HTTPRequest.Method?
        let path: Substring
        switch parts.count {
        case 1: path = parts[0]
        case 2:
            guard let m = HTTPRequest.Method(String(parts[0]).uppercased()) else {
                throw X402Error(.invalidPaymentRequirements, "route '\(pattern)': invalid method")
            }
            method = m
            path = parts[1]
        default: throw X402Error(.invalidPaymentRequirements, "route '\(pattern)': expected 'METHOD /path' or '/path'")
        }
        if path == "*" {
            return Route(pattern: pattern, method: method, config: config, segments: [], matchesRest: true)
        }
        guard path.hasPrefix("/") else {
            throw X402Error(.invalidPaymentRequirements, "route '\(pattern)': the path must start with '/'")
        }
        var raw = path.split(separator: "/", omittingEmptySubsequences: true)
        var rest = false
        if raw.last == "*", path.hasSuffix("/*") {
            rest = true
            raw.removeLast()
        }
        let segments: [Segment] = raw.map { s in
            if s == "*" || (s.hasPrefix(":") && s.count > 1) || (s.hasPrefix("[") && s.hasSuffix("]") && s.count > 2) { return .any }
            if s.contains("*") { return .glob(s.split(separator: "*", omittingEmptySubsequences: false).map { lowered(Array($0.utf8)) }) }
            return .literal(lowered(Array((percentDecode(s) ?? Array(s.utf8)))))
        }
        return Route(pattern: pattern, method: method, config: config, segments: segments, matchesRest: rest)
    }

    static func matches(_ route: Route, _ path: [[UInt8]]) -> Bool {
        if route.matchesRest ? path.count < route.segments.count : path.count != route.segments.count { return false }
        for (segment, actual) in zip(route.segments, path) {
            switch segment {
            case .any: continue
            case .literal(let text): if text != actual { return false }
            case .glob(let pieces): if !globMatch(pieces, actual) { return false }
            }
        }
        return true
    }

    /// `pieces` joined by `*` matches `text` (every piece in order; first anchored at the start, last at the end).
    static func globMatch(_ pieces: [[UInt8]], _ text: [UInt8]) -> Bool {
        guard let first = pieces.first, let last = pieces.last, pieces.count >= 2 else { return pieces.first == text }
        guard text.count >= first.count + last.count, text.starts(with: first), text.reversed().starts(with: last.reversed()) else {
            return false
        }
        var index = first.count
        let end = text.count - last.count
        for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
            guard let found = find(piece, in: text, from: index, before: end) else { return false }
            index = found + piece.count
        }
        return true
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int, before end: Int) -> Int? {
        guard end - from >= needle.count else { return nil }
        for i in from...(end - needle.count) where haystack[i..<i + needle.count].elementsEqual(needle) { return i }
        return nil
    }

    /// Request path → lower-cased, percent-decoded, non-empty segments (query and fragment dropped).
    /// A decoded `/` stays inside its segment, so an escape can never create a segment boundary.
    static func normalize(_ target: String) -> [[UInt8]] {
        // ASCII targets (every HTTP/1 request target): one pass over the bytes, same segments as the general path
        // below (no grapheme cluster can join an ASCII `?`, `#` or `/` to a neighbour).
        if let segments = normalizeASCII(target) { return segments }
        var path = Substring(target)
        if let cut = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<cut] }
        return path.split(separator: "/", omittingEmptySubsequences: true).map { lowered(percentDecode($0) ?? Array($0.utf8)) }
    }

    /// ``normalize(_:)`` of an all-ASCII target, over its UTF-8 bytes; `nil` when a byte is not ASCII.
    static func normalizeASCII(_ target: String) -> [[UInt8]]? {
        var target = target
        return target.withUTF8 { b -> [[UInt8]]? in
            var end = 0
            while end < b.count {
                let c = b[end]
                if c >= 0x80 { return nil }
                if c == 0x3F || c == 0x23 { break }  // ? #
                end += 1
            }
            for i in end..<b.count where b[i] >= 0x80 { return nil }
            var segments: [[UInt8]] = []
            var start = 0
            while start < end {
                var stop = start
                while stop < end, b[stop] != 0x2F { stop += 1 }  // /
                if stop > start {
                    let bytes = Array(UnsafeBufferPointer(rebasing: b[start..<stop]))
                    segments.append(lowered(percentDecode(bytes) ?? bytes))
                }
                start = stop + 1
            }
            return segments
        }
    }

    /// `%XX` decoding of one segment; `nil` when an escape is malformed (the raw text is matched then).
    static func percentDecode(_ segment: Substring) -> [UInt8]? {
        percentDecode(Array(segment.utf8))
    }

    /// `%XX` decoding of one segment's bytes; `nil` when an escape is malformed.
    static func percentDecode(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.contains(0x25) else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            guard bytes[i] == 0x25 else { out.append(bytes[i]); i += 1; continue }
            guard i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) else { return nil }
            out.append(h << 4 | l)
            i += 3
        }
        return out
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x37
        case 0x61...0x66: c - 0x57
        default: nil
        }
    }

    static func lowered(_ bytes: [UInt8]) -> [UInt8] { bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }
}
