import Synchronization
import Testing
import X402Core
@testable import X402Hummingbird

/// Per-client token buckets, over HTTP and with a controlled clock.
@Suite struct RateLimitTests {
    @Test func twiceTheLimitGetsExactlyTheLimit() async throws {
        // A stopped clock: the counts must not depend on how fast a loaded machine sends the burst.
        let clock = ManualClock()
        var configuration = FacilitatorHTTPConfiguration(port: 0, rateLimitPerMinute: 20, apiKeys: [keyA, keyB])
        configuration.rateLimitClock = clock.now
        try await TestServer.with(facilitator: makeFacilitator(FakeScheme()), configuration: configuration) { server in
            var statuses: [Int: Int] = [:]
            var retryAfter: Set<String?> = []
            for i in 0..<40 {
                // Mixed endpoints share the client's bucket.
                let answer = i % 2 == 0 ? try await server.get("/supported") : try await server.post("/verify", requestBody())
                statuses[answer.status, default: 0] += 1
                if answer.status == 429 {
                    retryAfter.insert(answer.header("Retry-After"))
                    #expect(answer.error?.error == .rateLimited)
                }
            }
            #expect(statuses == [200: 20, 429: 20])
            #expect(retryAfter == ["3"], "20 per minute: one token every 3 s")

            // /health is exempt; an API key has its own bucket, and a second key another one.
            #expect(try await server.get("/health").status == 200)
            for key in [keyA, keyB] {
                var ok = 0, limited = 0
                for _ in 0..<21 {
                    let status = try await server.get("/supported", headers: [("X-API-Key", key.secret)]).status
                    if status == 200 { ok += 1 } else if status == 429 { limited += 1 }
                }
                #expect(ok == 20 && limited == 1, "\(key.id)")
            }
            // The anonymous bucket is still empty until a token comes back.
            #expect(try await server.get("/supported").status == 429)
            clock.advance(3)
            #expect(try await server.get("/supported").status == 200)
            #expect(try await server.get("/supported").status == 429)
        }
    }

    @Test func zeroTurnsLimitingOff() async throws {
        let configuration = FacilitatorHTTPConfiguration(port: 0, rateLimitPerMinute: 0)
        try await TestServer.with(facilitator: makeFacilitator(FakeScheme()), configuration: configuration) { server async throws in
            for _ in 0..<30 { #expect(try await server.get("/supported").status == 200) }
        }
    }

    @Test func rejectedKeysDrawFromTheIPBucket() async throws {
        var configuration = FacilitatorHTTPConfiguration(port: 0, rateLimitPerMinute: 5, apiKeys: [keyA])
        configuration.rateLimitClock = ManualClock().now
        try await TestServer.with(facilitator: makeFacilitator(FakeScheme()), configuration: configuration) { server in
            var statuses: [Int] = []
            for _ in 0..<7 { statuses.append(try await server.get("/supported", headers: [("X-API-Key", "guess")]).status) }
            #expect(statuses == [401, 401, 401, 401, 401, 429, 429])
            #expect(try await server.get("/supported").status == 429)
            #expect(try await server.get("/supported", headers: [("X-API-Key", keyA.secret)]).status == 200)
        }
    }

    /// A clock the test moves by hand.
    final class ManualClock: Sendable {
        let seconds = Mutex<Double>(0)
        func advance(_ s: Double) { seconds.withLock { $0 += s } }
        var now: @Sendable () -> Double { { self.seconds.withLock { $0 } } }
    }

    @Test func bucketRefillsAtTheConfiguredRate() {
        let clock = ManualClock()
        let limiter = RateLimiter(requestsPerMinute: 60, maxClients: 10, now: clock.now)
        for _ in 0..<60 { #expect(limiter.acquire("a") == .allowed) }
        #expect(limiter.acquire("a") == .limited(retryAfterSeconds: 1))
        clock.advance(0.5)
        #expect(limiter.acquire("a") == .limited(retryAfterSeconds: 1))
        clock.advance(0.5)
        #expect(limiter.acquire("a") == .allowed)
        #expect(limiter.acquire("a") == .limited(retryAfterSeconds: 1))
        // A long pause refills to the burst size, no further.
        clock.advance(3600)
        for _ in 0..<60 { #expect(limiter.acquire("a") == .allowed) }
        #expect(limiter.acquire("a") != .allowed)
        #expect(limiter.acquire("b") == .allowed, "each client has its own bucket")

        let slow = RateLimiter(requestsPerMinute: 6, maxClients: 10, now: clock.now)
        for _ in 0..<6 { #expect(slow.acquire("a") == .allowed) }
        #expect(slow.acquire("a") == .limited(retryAfterSeconds: 10))
        clock.advance(4)
        #expect(slow.acquire("a") == .limited(retryAfterSeconds: 6))
    }

    @Test func trackedClientsStayBounded() {
        let clock = ManualClock()
        let limiter = RateLimiter(requestsPerMinute: 10, maxClients: 64, now: clock.now)
        for i in 0..<10_000 {
            _ = limiter.acquire("client-\(i)")
            #expect(limiter.trackedClients <= 64)
            clock.advance(0.001)
        }
        // The most recent clients keep their state: an exhausted one is still limited.
        for _ in 0..<10 { _ = limiter.acquire("hot") }
        #expect(limiter.acquire("hot") != .allowed)
        // Enough newcomers to force sweeps: the oldest clients go, not the recently seen one.
        for i in 0..<20 {
            clock.advance(0.001)
            _ = limiter.acquire("new-\(i)")
        }
        #expect(limiter.trackedClients <= 64)
        #expect(limiter.acquire("hot") != .allowed, "a recently seen client is not evicted first")
    }

    @Test func idleClientsAreForgottenFirst() {
        let clock = ManualClock()
        let limiter = RateLimiter(requestsPerMinute: 60, maxClients: 4, now: clock.now)
        for _ in 0..<60 { _ = limiter.acquire("busy") }
        _ = limiter.acquire("idle-1")
        _ = limiter.acquire("idle-2")
        _ = limiter.acquire("idle-3")
        clock.advance(61)  // everything refilled, except that "busy" is touched again just before the sweep
        for _ in 0..<60 { _ = limiter.acquire("busy") }
        _ = limiter.acquire("newcomer")  // the cap is reached: the three idle buckets go, "busy" stays
        #expect(limiter.trackedClients == 2)
        #expect(limiter.acquire("busy") != .allowed)
    }
}
