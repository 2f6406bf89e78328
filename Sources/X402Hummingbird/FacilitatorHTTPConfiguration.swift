import X402Core

/// A credential a resource server presents to the facilitator HTTP service, bound to the receivers it may act for.
///
/// Sent as `Authorization: Bearer <secret>` or `X-API-Key: <secret>`. The secret is never printed: `description`,
/// `debugDescription` and `dump` show only the id.
public struct FacilitatorAPIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// A name for the key, for logs, metrics and rate limiting (never the secret).
    public var id: String
    /// The secret the client sends.
    public var secret: String
    /// Receiver addresses a caller with this key may act for (``FacilitatorCaller/receivers``).
    public var receivers: Set<Address>

    /// A key named `id` with `secret`, owning `receivers`.
    public init(id: String, secret: String, receivers: Set<Address>) {
        self.id = id
        self.secret = secret
        self.receivers = receivers
    }

    /// `FacilitatorAPIKey(id: ..., receivers: n)`, without the secret.
    public var description: String { "FacilitatorAPIKey(id: \(id), receivers: \(receivers.count))" }
    /// Same as ``description``: the secret stays out of debug output too.
    public var debugDescription: String { description }
    /// A mirror without the secret, so `dump` and reflection-based loggers cannot print it.
    public var customMirror: Mirror {
        Mirror(self, children: ["id": id, "receivers": receivers.sorted().map(\.checksummed)], displayStyle: .struct)
    }
}

/// Settings of the facilitator HTTP service (plain values; the CLI reads them from flags and the environment).
public struct FacilitatorHTTPConfiguration: Sendable {
    /// Interface to bind, e.g. `127.0.0.1` or `0.0.0.0`.
    public var host: String
    /// TCP port; 0 binds a free port (read the real one in the `onServerRunning` hook).
    public var port: Int
    /// Largest accepted request body in bytes (413 above). The default 2 MiB leaves room for a 300-row
    /// claim batch (~200 KB) tenfold.
    public var maxBodyBytes: Int
    /// Requests per minute per client (API key id, else remote IP), as a token bucket holding a minute's worth;
    /// 0 turns rate limiting off. `/health` is never limited.
    public var rateLimitPerMinute: Int
    /// Most clients the rate limiter tracks at once; beyond that, idle clients are forgotten first.
    public var maxTrackedClients: Int
    /// API keys accepted; empty means every request is unauthenticated (and any presented key is refused).
    public var apiKeys: [FacilitatorAPIKey]
    /// A connection with no traffic for this long is closed (also a stalled request body); nil keeps connections
    /// open. Keep it above clients' pool idle timeouts (AsyncHTTPClient: 60 s), or a client may send a `/settle`
    /// on a connection the server is closing.
    public var idleTimeout: Duration?
    /// Value of the `Server` response header, if any.
    public var serverName: String?
    /// Monotonic seconds for the rate limiter; nil uses the continuous clock (tests set a manual one).
    var rateLimitClock: (@Sendable () -> Double)?

    /// Creates settings; see each property for the defaults' meaning.
    public init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 2 << 20,
                rateLimitPerMinute: Int = 200, maxTrackedClients: Int = 10_000,
                apiKeys: [FacilitatorAPIKey] = [], idleTimeout: Duration? = .seconds(75), serverName: String? = nil) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.rateLimitPerMinute = rateLimitPerMinute
        self.maxTrackedClients = maxTrackedClients
        self.apiKeys = apiKeys
        self.idleTimeout = idleTimeout
        self.serverName = serverName
    }

    /// Checks the settings, so a misconfiguration stops the service at start rather than misbehaving later.
    public func validate() throws(FacilitatorHTTPConfigurationError) {
        guard (0...65_535).contains(port) else { throw .invalidPort(port) }
        guard !host.isEmpty else { throw .emptyHost }
        guard maxBodyBytes > 0 else { throw .invalidBodyLimit(maxBodyBytes) }
        guard rateLimitPerMinute >= 0 else { throw .invalidRateLimit(rateLimitPerMinute) }
        guard maxTrackedClients > 0 else { throw .invalidMaxTrackedClients(maxTrackedClients) }
        if let idleTimeout, idleTimeout <= .zero { throw .invalidIdleTimeout(idleTimeout) }
        var ids = Set<String>(), secrets = Set<String>()
        for key in apiKeys {
            guard !key.id.isEmpty else { throw .emptyAPIKeyID }
            guard !key.secret.isEmpty else { throw .emptyAPIKeySecret(id: key.id) }
            guard key.secret.utf8.count <= APIKeyAuthenticator.maxSecretBytes else {
                throw .apiKeySecretTooLong(id: key.id, limit: APIKeyAuthenticator.maxSecretBytes)
            }
            guard ids.insert(key.id).inserted else { throw .duplicateAPIKeyID(key.id) }
            guard secrets.insert(key.secret).inserted else { throw .duplicateAPIKeySecret(id: key.id) }
        }
    }
}

/// Why a ``FacilitatorHTTPConfiguration`` was refused.
public enum FacilitatorHTTPConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The port is outside 0...65535.
    case invalidPort(Int)
    /// The host is empty.
    case emptyHost
    /// The body limit is not positive.
    case invalidBodyLimit(Int)
    /// The rate limit is negative.
    case invalidRateLimit(Int)
    /// The tracked-client cap is not positive.
    case invalidMaxTrackedClients(Int)
    /// The idle timeout is not positive.
    case invalidIdleTimeout(Duration)
    /// An API key has an empty id.
    case emptyAPIKeyID
    /// The key `id` has an empty secret.
    case emptyAPIKeySecret(id: String)
    /// The key `id` has a secret longer than `limit` bytes.
    case apiKeySecretTooLong(id: String, limit: Int)
    /// Two keys share an id.
    case duplicateAPIKeyID(String)
    /// The key `id` has the same secret as an earlier key (a caller could not be told apart).
    case duplicateAPIKeySecret(id: String)

    public var description: String {
        switch self {
        case .invalidPort(let p): "port \(p) is outside 0...65535"
        case .emptyHost: "host is empty"
        case .invalidBodyLimit(let n): "body limit \(n) must be positive"
        case .invalidRateLimit(let n): "rate limit \(n) must be 0 (off) or positive"
        case .invalidMaxTrackedClients(let n): "tracked-client cap \(n) must be positive"
        case .invalidIdleTimeout(let d): "idle timeout \(d) must be positive"
        case .emptyAPIKeyID: "an API key has an empty id"
        case .emptyAPIKeySecret(let id): "API key '\(id)' has an empty secret"
        case .apiKeySecretTooLong(let id, let limit): "API key '\(id)' has a secret longer than \(limit) bytes"
        case .duplicateAPIKeyID(let id): "API key id '\(id)' is used twice"
        case .duplicateAPIKeySecret(let id): "API key '\(id)' reuses another key's secret"
        }
    }
}
