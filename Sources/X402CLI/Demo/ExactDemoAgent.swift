import AsyncHTTPClient
import Logging
import X402AsyncHTTPClient
import X402Core
import X402EVM
import X402Exact

/// A demo buyer that pays with `exact`: one signed transferWithAuthorization per request, settled on chain before
/// the answer (a plain EIP-3009 wallet: no channel, no deposit, nothing to refund).
struct ExactDemoAgent: Sendable {
    let seller: String
    let paying: X402PayingHTTPClient

    init(key: PrivateKey, seller: String, clock: @escaping @Sendable () -> UInt64, logger: Logger) {
        self.seller = seller
        let scheme = ExactClientScheme(wallet: PrivateKeySigner(key), configuration: ExactClientConfiguration(clock: clock))
        paying = X402PayingHTTPClient(client: X402Client().register(scheme, for: .family("eip155")), logger: logger)
    }

    /// `/weather` only: a route whose price the handler never overrides (an exact authorization pays one fixed amount).
    func run(requests: Int, into run: DemoRun) async {
        for _ in 0..<requests {
            let start = ContinuousClock.now
            do {
                let response = try await paying.execute(HTTPClientRequest(url: seller + "/weather"), timeout: .seconds(60))
                guard response.status.code == 200, let settle = response.settleResponse, settle.success,
                      let transaction = try? Bytes32(hex: settle.transaction) else {
                    run.failed("exact: HTTP \(response.status.code)")
                    continue
                }
                let elapsed = ContinuousClock.now - start
                let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
                run.paidExact(latencyMs: ms, charged: UInt128(response.paymentPayload?.accepted.amount ?? "") ?? 0, transaction: transaction)
            } catch {
                run.failed("exact: \(error)")
            }
        }
    }
}
