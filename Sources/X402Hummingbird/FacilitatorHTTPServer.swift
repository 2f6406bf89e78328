import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import X402Core

/// Builds the facilitator HTTP service: a Hummingbird application (a ServiceLifecycle `Service`) serving an
/// ``X402Facilitator``.
///
/// Endpoints: `POST /verify`, `POST /settle`, `GET /supported`, `GET /health`, `GET /metrics`,
/// `GET /transactions/{hash}`. Run it in a `ServiceGroup` whose graceful-shutdown signal is SIGTERM; requests
/// in flight (a `/settle` sending a transaction) complete before the service returns:
///
/// ```swift
/// let app = try FacilitatorHTTPServer.makeApplication(facilitator: facilitator, configuration: config,
///                                                     logger: logger) { print("listening \($0.url)") }
/// let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint],
///                                               logger: logger))
/// try await group.run()
/// ```
public enum FacilitatorHTTPServer {
    /// Where the service accepts connections, known once it is bound.
    public struct ListeningAddress: Sendable, Equatable {
        /// The configured host.
        public var host: String
        /// The bound port (the real one when the configuration asked for port 0).
        public var port: Int

        /// Creates an address.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `http://HOST:PORT` (IPv6 hosts in brackets).
        public var url: String { host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)" }
    }

    /// The application serving `facilitator` with `configuration`.
    ///
    /// - Parameters:
    ///   - transactionStatus: Backs `GET /transactions/{hash}`; without it that endpoint answers 404.
    ///   - metricsRegistry: Exposed at `GET /metrics`; without it that endpoint answers 404.
    ///   - metricsFactory: Receives the service's metrics; nil uses `MetricsSystem.factory` as bootstrapped when
    ///     this is called (bootstrap first).
    ///   - logger: Logs each request (method, path, status, duration, client id), never keys or bodies.
    ///   - onServerRunning: Called once the socket is bound, with the real port.
    /// - Throws: The configuration's ``FacilitatorHTTPConfiguration/validate()`` error.
    public static func makeApplication(
        facilitator: X402Facilitator,
        configuration: FacilitatorHTTPConfiguration,
        transactionStatus: (any TransactionStatusSource)? = nil,
        metricsRegistry: PrometheusCollectorRegistry? = nil,
        metricsFactory: (any MetricsFactory)? = nil,
        logger: Logger,
        onServerRunning: @escaping @Sendable (ListeningAddress) async -> Void = { _ in }
    ) throws(FacilitatorHTTPConfigurationError) -> some ApplicationProtocol {
        try configuration.validate()
        let defaults = JSONLimits.default
        let responder = FacilitatorResponder(
            facilitator: facilitator,
            transactionStatus: transactionStatus,
            registry: metricsRegistry,
            authenticator: APIKeyAuthenticator(keys: configuration.apiKeys),
            rateLimiter: configuration.rateLimitPerMinute > 0
                ? RateLimiter(requestsPerMinute: configuration.rateLimitPerMinute, maxClients: configuration.maxTrackedClients,
                              now: configuration.rateLimitClock)
                : nil,
            rateLimitPerMinute: configuration.rateLimitPerMinute,
            metrics: FacilitatorHTTPMetrics(factory: metricsFactory ?? MetricsSystem.factory),
            maxBodyBytes: configuration.maxBodyBytes,
            jsonLimits: JSONLimits(maxBytes: configuration.maxBodyBytes, maxDepth: defaults.maxDepth,
                                   maxObjectKeys: defaults.maxObjectKeys, maxArrayElements: defaults.maxArrayElements)
        )
        let host = configuration.host, port = configuration.port
        return Application(
            responder: responder,
            server: .http1(configuration: .init(idleTimeout: configuration.idleTimeout.map { TimeAmount($0) })),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port),
                                                    serverName: configuration.serverName),
            onServerRunning: { channel in
                await onServerRunning(ListeningAddress(host: host, port: channel.localAddress?.port ?? port))
            },
            logger: logger
        )
    }
}
