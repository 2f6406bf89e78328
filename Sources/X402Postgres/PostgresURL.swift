import Foundation
import PostgresNIO

/// Why a database URL could not be used. Never holds the password.
public struct PostgresURLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the URL.
    public var reason: String

    /// Creates an error.
    public init(_ reason: String) { self.reason = reason }

    public var description: String { "invalid database URL: \(reason)" }
}

extension PostgresClient.Configuration {
    /// A configuration from a libpq-style URL: `postgres://user[:password]@host[:port]/database[?sslmode=MODE]`
    /// (`postgresql://` too; the port defaults to 5432).
    ///
    /// `sslmode`: `disable`; `prefer` (the default: TLS when the server offers it); `require`, `verify-ca` and
    /// `verify-full` all require TLS. Certificates are always verified (stricter than libpq's `prefer`/`require`).
    public init(url: String) throws(PostgresURLError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
              scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresURLError("expected postgres://user@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else { throw PostgresURLError("no host") }
        guard let user = components.user, !user.isEmpty else { throw PostgresURLError("no user") }
        let path = components.path
        let database = path.hasPrefix("/") ? String(path.dropFirst()) : path
        let tls: TLS
        switch components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer" {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case let mode: throw PostgresURLError("unknown sslmode \(mode)")
        }
        self.init(host: host, port: components.port ?? 5432, username: user, password: components.password,
                  database: database.isEmpty ? nil : database, tls: tls)
    }
}
