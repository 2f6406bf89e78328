import NIOCore
import NIOPosix
import Testing
import X402Core
import X402Hummingbird

/// A client that stops sending mid-request is disconnected after the idle timeout instead of holding a
/// connection forever.
@Suite struct IdleTimeoutTests {
    @Test func stalledBodyIsDisconnected() async throws {
        let scheme = FakeScheme()
        let configuration = FacilitatorHTTPConfiguration(port: 0, idleTimeout: .milliseconds(200))
        try await TestServer.with(facilitator: makeFacilitator(scheme), configuration: configuration) { server in
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: server.port).get()
            let head = "POST /settle HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
            try await channel.writeAndFlush(ByteBuffer(string: head)).get()

            let closedInTime = await withTaskGroup(of: Bool.self) { group in
                group.addTask { (try? await channel.closeFuture.get()) != nil }
                group.addTask {
                    try? await Task.sleep(for: .seconds(5))
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()  // ends the sleep
                // Closing ends the close-future wait, which cancellation cannot.
                if !first { try? await channel.close().get() }
                return first
            }
            #expect(closedInTime, "the server closes a connection whose body stalls")
            #expect(scheme.calls.isEmpty)
        }
    }
}
