import Foundation
import Synchronization
import X402Core
import X402Testing

/// A loopback HTTP proxy between a buyer and `x402 serve`: forwards each GET (blocking, on the loopback server's
/// connection thread), records what the buyer sent, and can rewrite the seller's `PAYMENT-RESPONSE` on the way back
/// (a misbehaving seller, as the buyer sees it).
final class PaymentProxy: Sendable {
    typealias Rewrite = @Sendable (inout SettleResponse) -> Void

    private final class RewriteSlot: Sendable {
        let change = Mutex<Rewrite?>(nil)
    }

    private let server: LoopbackHTTPServer
    private let rewrite = RewriteSlot()

    /// Listens on a free loopback port in front of `target` (`http://host:port`).
    init(target: String) throws {
        let rewrite = self.rewrite
        server = try LoopbackHTTPServer { request in
            guard let answer = Self.forward(request, to: target) else { return .init(status: 502, body: []) }
            let hopByHop: Set<String> = ["content-length", "content-type", "connection", "transfer-encoding"]
            var headers = answer.headers.filter { !hopByHop.contains($0.0.lowercased()) }
            if let change = rewrite.change.withLock({ $0 }),
               let index = headers.firstIndex(where: { $0.0.lowercased() == "payment-response" }),
               var settle = try? HeaderCodec.decodePaymentResponse(headers[index].1) {
                change(&settle)
                headers[index].1 = (try? HeaderCodec.encodePaymentResponse(settle)) ?? headers[index].1
            }
            return .init(status: Int(answer.status), body: answer.body, headers: headers)
        }
    }

    /// `http://127.0.0.1:PORT`: a different origin from the seller's.
    var url: String { server.url }
    /// Every request the buyer sent through the proxy.
    var requests: [LoopbackHTTPServer.Request] { server.requests }
    /// The requests that carried a `PAYMENT-SIGNATURE` (a payment reached the seller).
    var paidRequests: Int { requests.filter { $0.header("PAYMENT-SIGNATURE") != nil }.count }

    /// From now on, `change` edits every `PAYMENT-RESPONSE` before the buyer sees it (`nil`: pass through).
    func rewritePaymentResponse(_ change: Rewrite?) { rewrite.change.withLock { $0 = change } }

    func stop() { server.stop() }

    /// The seller's answer to `request`, or nil when it could not be reached.
    private static func forward(_ request: LoopbackHTTPServer.Request, to target: String) -> PaidAnswer? {
        let headers = request.headers.filter { !["host", "content-length", "connection"].contains($0.0.lowercased()) }
        let result = Mutex<PaidAnswer?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let answer = try? await TestBuyer.get(target + request.path, headers: headers)
            result.withLock { $0 = answer }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 }
    }
}
