import Hummingbird
import Logging
import NIOCore

/// The small API the demo sells: `/weather` (fixed price), `/search` (fixed price) and `/summarize`, which
/// charges by the size of the work (`?words=N`: 10 % of the route price per 100 words, at least 10 %) through
/// `Settlement-Overrides`: dynamic pricing without any x402 code in the upstream.
enum DemoUpstream {
    static func application(logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("/weather") { _, _ in
            Self.json(#"{"city":"Lisbon","forecast":"sunny","celsius":21}"#)
        }
        router.get("/search") { request, _ in
            let query = request.uri.queryParameters.get("q") ?? "x402"
            return Self.json(#"{"query":"\#(query.filter { $0.isLetter || $0.isNumber })","results":["batch-settlement","exact"]}"#)
        }
        router.get("/summarize") { request, _ in
            let words = min(1000, max(0, Int(request.uri.queryParameters.get("words") ?? "100") ?? 100))
            let percent = max(10, min(100, words / 10))
            var response = Self.json(#"{"summary":"x402 turns HTTP 402 into payments.","words":\#(words)}"#)
            response.headers[.init("Settlement-Overrides")!] = #"{"amount":"\#(percent)%"}"#
            return response
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "x402-demo-upstream"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
