import HTTPTypes
import X402Core

/// Matches the `Authorization: Bearer` / `X-API-Key` credential of a request against the configured keys.
struct APIKeyAuthenticator: Sendable {
    /// Longer presented secrets are refused before any comparison (configured ones are checked against it too).
    static let maxSecretBytes = 512

    static let apiKeyHeader = HTTPField.Name("X-API-Key")!

    /// What a request's credentials amount to.
    enum Outcome: Equatable {
        /// No credential: the request runs unauthenticated.
        case anonymous
        /// A configured key matched.
        case authenticated(FacilitatorCaller)
        /// A credential was presented but matches no key, or is malformed; the reason is safe to return.
        case rejected(String)
    }

    private struct Key: Sendable {
        var secret: [UInt8]
        var caller: FacilitatorCaller
    }

    private let keys: [Key]

    init(keys: [FacilitatorAPIKey]) {
        self.keys = keys.map { Key(secret: Array($0.secret.utf8), caller: FacilitatorCaller(id: $0.id, receivers: $0.receivers)) }
    }

    func authenticate(_ headers: HTTPFields) -> Outcome {
        let authorization = headers[values: .authorization], apiKey = headers[values: Self.apiKeyHeader]
        if authorization.isEmpty && apiKey.isEmpty { return .anonymous }
        guard authorization.count <= 1, apiKey.count <= 1 else { return .rejected("more than one credential header") }

        var presented: Substring?
        if let value = authorization.first {
            guard let token = Self.bearerToken(value) else { return .rejected("Authorization must be 'Bearer <key>'") }
            presented = token
        }
        if let value = apiKey.first {
            let token = value[...].trimmingSpaces
            // Both headers are accepted together only when they carry the same key.
            if let other = presented, other != token { return .rejected("Authorization and X-API-Key disagree") }
            presented = token
        }
        guard let secret = presented, !secret.isEmpty else { return .rejected("empty API key") }
        guard secret.utf8.count <= Self.maxSecretBytes else { return .rejected("invalid API key") }
        return match(Array(secret.utf8)).map(Outcome.authenticated) ?? .rejected("invalid API key")
    }

    /// The caller whose secret equals `presented`. Every key is compared in full, in time that depends only on
    /// the presented length and the number of keys, so timing reveals neither which key nor how much matched.
    private func match(_ presented: [UInt8]) -> FacilitatorCaller? {
        var found: FacilitatorCaller?
        for key in keys where Self.constantTimeEquals(presented, key.secret) { found = key.caller }
        return found
    }

    static func constantTimeEquals(_ presented: [UInt8], _ secret: [UInt8]) -> Bool {
        guard !secret.isEmpty else { return false }
        var diff: UInt8 = presented.count == secret.count ? 0 : 1
        // Walk the presented bytes and wrap around the secret: same work whatever the secret's length.
        for i in presented.indices { diff |= presented[i] ^ secret[i % secret.count] }
        return diff == 0
    }

    /// The token of `Bearer <token>` (scheme case-insensitive, RFC 9110), or nil for another scheme.
    static func bearerToken(_ value: String) -> Substring? {
        let trimmed = value[...].trimmingSpaces
        guard let space = trimmed.firstIndex(of: " "),
              trimmed[..<space].lowercased() == "bearer" else { return nil }
        return trimmed[space...].trimmingSpaces
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP optional whitespace).
    var trimmingSpaces: Substring {
        guard let first = firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = lastIndex(where: { $0 != " " && $0 != "\t" }) else { return self[endIndex...] }
        return self[first...last]
    }
}
