import HTTPTypes
import Testing
import X402Core
import X402Testing
@testable import X402Hummingbird

let receiverA = try! Address(hex: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C")
let receiverB = try! Address(hex: "0x00000000000000000000000000000000000000b0")
let keyA = FacilitatorAPIKey(id: "seller-a", secret: "sk_live_A_5f1d2c3b4a", receivers: [receiverA])
let keyB = FacilitatorAPIKey(id: "seller-b", secret: "sk_live_B_9e8d7c6b5a", receivers: [receiverB])

/// API keys over HTTP: the caller the scheme sees, refusals, and that secrets never leak.
@Suite struct APIKeyTests {
    static let configuration = FacilitatorHTTPConfiguration(port: 0, apiKeys: [keyA, keyB])

    @Test func bothHeadersSetTheCaller() async throws {
        let scheme = FakeScheme()
        try await TestServer.with(facilitator: makeFacilitator(scheme), configuration: Self.configuration) { server async throws in
            #expect(try await server.post("/settle", requestBody(), headers: [("Authorization", "Bearer \(keyA.secret)")]).status == 200)
            #expect(try await server.post("/settle", requestBody(), headers: [("X-API-Key", keyB.secret)]).status == 200)
            #expect(try await server.post("/verify", requestBody(), headers: [("authorization", "bearer  \(keyB.secret) ")]).status == 200)
            #expect(try await server.post("/verify", requestBody(),
                                          headers: [("Authorization", "Bearer \(keyA.secret)"), ("X-API-Key", keyA.secret)]).status == 200)
            #expect(try await server.post("/settle", requestBody()).status == 200)
        }
        let a = FacilitatorCaller(id: "seller-a", receivers: [receiverA]), b = FacilitatorCaller(id: "seller-b", receivers: [receiverB])
        #expect(scheme.calls == [.init(operation: "settle", caller: a), .init(operation: "settle", caller: b),
                                 .init(operation: "verify", caller: b), .init(operation: "verify", caller: a),
                                 .init(operation: "settle", caller: nil)])
    }

    @Test func badCredentialsAre401() async throws {
        let scheme = FakeScheme()
        let logs = LogCapture()
        try await TestServer.with(facilitator: makeFacilitator(scheme), configuration: Self.configuration, logs: logs) { server in
            let refused: [[(String, String)]] = [
                [("Authorization", "Bearer sk_live_A_5f1d2c3b4b")],  // last byte differs
                [("Authorization", "Bearer sk_live_A_5f1d2c3b4")],  // a prefix
                [("Authorization", "Bearer \(keyA.secret)x")],  // an extension
                [("X-API-Key", "nope")],
                [("X-API-Key", "")],
                [("Authorization", "Bearer ")],
                [("Authorization", "Basic \(keyA.secret)")],
                [("Authorization", keyA.secret)],
                [("Authorization", "Bearer \(keyA.secret)"), ("X-API-Key", keyB.secret)],
                [("X-API-Key", keyA.secret), ("X-API-Key", keyA.secret)],
                [("X-API-Key", String(repeating: "k", count: 4096))],
            ]
            for headers in refused {
                for path in ["/settle", "/verify", "/supported"] {
                    let answer = try await server.request(path == "/supported" ? .get : .post, path,
                                                          body: path == "/supported" ? nil : requestBody(), headers: headers)
                    #expect(answer.status == 401, "\(headers.map(\.0)) \(path)")
                    #expect(answer.error?.error == .unauthorized)
                    #expect(answer.header("WWW-Authenticate") == "Bearer")
                }
            }
            // /health answers whatever the credentials.
            #expect(try await server.get("/health", headers: [("X-API-Key", "nope")]).status == 200)
        }
        #expect(scheme.calls.isEmpty)
        #expect(!logs.text.contains(keyA.secret) && !logs.text.contains(keyB.secret) && !logs.text.contains("5f1d2c3b4"))
    }

    @Test func withoutConfiguredKeysAnyPresentedKeyIsRefused() async throws {
        try await TestServer.with(facilitator: makeFacilitator(FakeScheme())) { server async throws in
            #expect(try await server.get("/supported", headers: [("X-API-Key", keyA.secret)]).status == 401)
            #expect(try await server.get("/supported").status == 200)
        }
    }

    @Test func secretsStayOutOfDescriptions() {
        var dumped = ""
        dump(keyA, to: &dumped)
        for text in ["\(keyA)", String(reflecting: keyA), dumped, "\([keyA])"] {
            #expect(!text.contains(keyA.secret), "\(text)")
            #expect(text.contains("seller-a"), "\(text)")
        }
    }

    @Test func bearerParsing() {
        #expect(APIKeyAuthenticator.bearerToken("Bearer abc") == "abc")
        #expect(APIKeyAuthenticator.bearerToken("  BEARER\tx ") == nil, "a tab is not the separator")
        #expect(APIKeyAuthenticator.bearerToken("bearer   abc  ") == "abc")
        #expect(APIKeyAuthenticator.bearerToken("Bearerabc") == nil)
        #expect(APIKeyAuthenticator.bearerToken("Basic abc") == nil)
        #expect(APIKeyAuthenticator.bearerToken("Bearer") == nil)
    }

    @Test func constantTimeEquality() {
        let secret = Array("secret".utf8)
        #expect(APIKeyAuthenticator.constantTimeEquals(secret, secret))
        #expect(!APIKeyAuthenticator.constantTimeEquals(Array("secreT".utf8), secret))
        #expect(!APIKeyAuthenticator.constantTimeEquals(Array("secre".utf8), secret))
        #expect(!APIKeyAuthenticator.constantTimeEquals(Array("secretsecret".utf8), secret), "wrapping must not match a repetition")
        #expect(!APIKeyAuthenticator.constantTimeEquals([], secret))
        #expect(!APIKeyAuthenticator.constantTimeEquals([], []))
        // Lengths that differ by a multiple of 256 must not cancel out.
        let long = [UInt8](repeating: 0x61, count: 300)
        #expect(!APIKeyAuthenticator.constantTimeEquals([UInt8](repeating: 0x61, count: 44), long))
    }

    @Test func configurationValidation() {
        func error(_ configuration: FacilitatorHTTPConfiguration) -> FacilitatorHTTPConfigurationError? {
            do { try configuration.validate(); return nil } catch { return error }
        }
        #expect(error(FacilitatorHTTPConfiguration()) == nil)
        #expect(error(FacilitatorHTTPConfiguration(port: 70_000)) == .invalidPort(70_000))
        #expect(error(FacilitatorHTTPConfiguration(host: "")) == .emptyHost)
        #expect(error(FacilitatorHTTPConfiguration(maxBodyBytes: 0)) == .invalidBodyLimit(0))
        #expect(error(FacilitatorHTTPConfiguration(rateLimitPerMinute: -1)) == .invalidRateLimit(-1))
        #expect(error(FacilitatorHTTPConfiguration(maxTrackedClients: 0)) == .invalidMaxTrackedClients(0))
        #expect(error(FacilitatorHTTPConfiguration(idleTimeout: .zero)) == .invalidIdleTimeout(.zero))
        #expect(error(FacilitatorHTTPConfiguration(idleTimeout: nil)) == nil)
        #expect(error(FacilitatorHTTPConfiguration(apiKeys: [.init(id: "", secret: "s", receivers: [])])) == .emptyAPIKeyID)
        #expect(error(FacilitatorHTTPConfiguration(apiKeys: [.init(id: "a", secret: "", receivers: [])])) == .emptyAPIKeySecret(id: "a"))
        #expect(error(FacilitatorHTTPConfiguration(apiKeys: [keyA, .init(id: "seller-a", secret: "other", receivers: [])]))
                == .duplicateAPIKeyID("seller-a"))
        #expect(error(FacilitatorHTTPConfiguration(apiKeys: [keyA, .init(id: "c", secret: keyA.secret, receivers: [])]))
                == .duplicateAPIKeySecret(id: "c"))
        #expect(error(FacilitatorHTTPConfiguration(apiKeys: [.init(id: "l", secret: String(repeating: "s", count: 513), receivers: [])]))
                == .apiKeySecretTooLong(id: "l", limit: 512))
        #expect(throws: FacilitatorHTTPConfigurationError.invalidPort(-1)) {
            try FacilitatorHTTPServer.makeApplication(facilitator: X402Facilitator(), configuration: .init(port: -1),
                                                      logger: LogCapture().logger)
        }
        // The error text names the key, never its secret.
        #expect(!"\(FacilitatorHTTPConfigurationError.duplicateAPIKeySecret(id: "c"))".contains(keyA.secret))
    }
}
