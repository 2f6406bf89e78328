import ArgumentParser
import X402Core
import X402JSON

/// One paid route of `x402 serve`: `"GET /weather=$0.01"` on the command line, or an entry of `--config`.
struct PaidRouteSpec: Equatable {
    /// `"METHOD /path"` or `"/path"` (a RouteTable pattern).
    var pattern: String
    /// The price: money (`"$0.01"`, `"0.01 USDC"`) or an atomic amount of the default asset (`"1000"` is money too).
    var price: String
    var description: String?
    var mimeType: String?
    /// Schemes offered, in order; default batch-settlement.
    var schemes: [String]?

    /// Parses `PATTERN=PRICE`; the price is after the last `=`.
    init(argument: String) throws {
        guard let eq = argument.lastIndex(of: "=") else {
            throw ValidationError("--route \"\(argument)\": expected \"METHOD /path=PRICE\", e.g. \"GET /weather=$0.01\"")
        }
        pattern = argument[..<eq].trimmingSpaces()
        price = argument[argument.index(after: eq)...].trimmingSpaces()
        guard !pattern.isEmpty, !price.isEmpty else {
            throw ValidationError("--route \"\(argument)\": expected \"METHOD /path=PRICE\"")
        }
    }

    init(pattern: String, price: String, description: String? = nil, mimeType: String? = nil, schemes: [String]? = nil) {
        self.pattern = pattern
        self.price = price
        self.description = description
        self.mimeType = mimeType
        self.schemes = schemes
    }
}

/// `x402 serve --config FILE`: routes and defaults for the flags.
///
/// ```json
/// { "upstream": "http://127.0.0.1:8080", "payTo": "0x…", "network": "eip155:84532",
///   "facilitator": "http://127.0.0.1:4021",
///   "routes": [ { "route": "GET /weather", "price": "$0.01", "description": "Weather", "mimeType": "application/json" } ] }
/// ```
struct ServeConfigFile: Decodable {
    struct Route: Decodable {
        var route: String
        var price: String
        var description: String?
        var mimeType: String?
        var schemes: [String]?
    }

    var upstream: String?
    var payTo: String?
    var network: String?
    var facilitator: String?
    var routes: [Route]?

    static func load(_ path: String) throws -> ServeConfigFile {
        guard let text = readFile(path) else { throw ValidationError("cannot read --config \(path)") }
        do {
            return try X402JSON.decode(ServeConfigFile.self, from: Array(text.utf8))
        } catch {
            throw ValidationError("--config \(path): \(error)")
        }
    }

    var routeSpecs: [PaidRouteSpec] {
        (routes ?? []).map { PaidRouteSpec(pattern: $0.route, price: $0.price, description: $0.description, mimeType: $0.mimeType,
                                           schemes: $0.schemes) }
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
