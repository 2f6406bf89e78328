import HTTPTypes

/// The endpoint a request's method and path select.
enum FacilitatorRoute: Equatable, Sendable {
    case verify
    case settle
    case supported
    case health
    case metrics
    /// `GET /transactions/{hash}`; the hash is checked by the handler (400 when malformed).
    case transaction(String)
    case notFound
    /// The path exists for other methods, listed for the `Allow` header.
    case methodNotAllowed(allow: String)

    init(method: HTTPRequest.Method, path: String) {
        let route: FacilitatorRoute, allowed: HTTPRequest.Method
        switch path {
        case "/verify": (route, allowed) = (.verify, .post)
        case "/settle": (route, allowed) = (.settle, .post)
        case "/supported": (route, allowed) = (.supported, .get)
        case "/health": (route, allowed) = (.health, .get)
        case "/metrics": (route, allowed) = (.metrics, .get)
        default:
            let prefix = "/transactions/"
            guard path.hasPrefix(prefix) else { self = .notFound; return }
            let hash = path.dropFirst(prefix.count)
            guard !hash.isEmpty, !hash.contains("/") else { self = .notFound; return }
            (route, allowed) = (.transaction(String(hash)), .get)
        }
        self = method == allowed ? route : .methodNotAllowed(allow: allowed.rawValue)
    }

    /// The endpoint label of metrics: a fixed set, whatever the request path.
    var metricsLabel: String {
        switch self {
        case .verify: "/verify"
        case .settle: "/settle"
        case .supported: "/supported"
        case .health: "/health"
        case .metrics: "/metrics"
        case .transaction: "/transactions/{hash}"
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        }
    }
}
