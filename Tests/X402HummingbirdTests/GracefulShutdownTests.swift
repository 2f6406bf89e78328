import Testing
import X402Core
import X402Hummingbird

/// A graceful shutdown lets a `/settle` in flight finish with its 200.
@Suite struct GracefulShutdownTests {
    @Test func inFlightSettleCompletes() async throws {
        let scheme = FakeScheme(settleDelay: .milliseconds(500))
        let server = try await TestServer.start(facilitator: makeFacilitator(scheme))
        let settle = Task { try await server.post("/settle", requestBody()) }

        // Wait until the scheme is inside settle, then ask the service group to shut down.
        let deadline = ContinuousClock.now + .seconds(10)
        while scheme.calls.isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(scheme.calls.map(\.operation) == ["settle"])
        let shutdownStarted = ContinuousClock.now
        await server.group.triggerGracefulShutdown()

        let answer = try await settle.value
        #expect(answer.status == 200)
        #expect(try answer.decode(SettleResponse.self).transaction == settledHash)
        try await server.run.value
        #expect(ContinuousClock.now - shutdownStarted < .seconds(5))

        // After shutdown nothing listens on the port any more.
        await #expect(throws: (any Error).self) { _ = try await server.get("/health", timeout: 1) }
    }
}
