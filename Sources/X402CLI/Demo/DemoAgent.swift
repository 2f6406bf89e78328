import AsyncHTTPClient
import Logging
import Synchronization
import X402AsyncHTTPClient
import X402BatchSettlementClient
import X402Core
import X402EVM
import X402EVMRPC

/// One buyer agent of the demo: its own wallet, channel state and paying HTTP client.
final class DemoAgent: Sendable {
    let index: Int
    let seller: String
    let scheme: BatchSettlementClientScheme
    let paying: X402PayingHTTPClient

    /// `plannedRequests`: the agent deposits for its whole session at once (one deposit per channel, not one per
    /// `minDeposit`), and gets back what it did not spend.
    init(index: Int, key: PrivateKey, rpc: RPCClient, seller: String, plannedRequests: Int,
         clock: @escaping @Sendable () -> UInt64, logger: Logger) throws {
        self.index = index
        self.seller = seller
        var configuration = BatchSettlementClientConfiguration()
        configuration.clock = clock
        configuration.depositStrategy = { context in
            let (session, overflow) = context.price.multipliedReportingOverflow(by: UInt128(max(1, plannedRequests)))
            return overflow ? .accept : .amount(max(context.requiredDeposit, session))
        }
        scheme = try BatchSettlementClientScheme(wallet: PrivateKeySigner(key), storage: InMemoryClientChannelStorage(),
                                                 chainReader: RPCChannelChainReader(rpc: rpc, network: "eip155:84532"),
                                                 configuration: configuration, logger: logger)
        paying = X402PayingHTTPClient(client: X402Client().register(scheme, for: .family("eip155")), logger: logger)
    }

    /// The paths an agent visits, in turn (one is priced by the work asked).
    func path(_ n: Int) -> String {
        switch (n + index) % 3 {
        case 0: "/weather"
        case 1: "/search?q=agent\(index)"
        default: "/summarize?words=\(100 * (1 + (n * 7 + index) % 10))"
        }
    }

    func run(requests: Int, into run: DemoRun) async throws {
        for n in 0..<requests {
            let start = ContinuousClock.now
            let response: X402PaidResponse
            do {
                response = try await paying.execute(HTTPClientRequest(url: seller + path(n)), timeout: .seconds(60))
            } catch {
                run.failed(String(describing: error))
                continue
            }
            let elapsed = ContinuousClock.now - start
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            guard response.status.code == 200, let settle = response.settleResponse, settle.success else {
                run.failed("HTTP \(response.status.code)")
                continue
            }
            var charge: UInt128 = 0
            if case .string(let text)? = settle.extra?["chargedAmount"], let value = UInt128(text) { charge = value }
            let deposit = settle.transaction.isEmpty ? nil : UInt128(settle.amount ?? "")
            run.paid(latencyMs: ms, charged: charge, deposit: deposit)
        }
        run.finish(self)
    }

    /// Asks the seller for everything not charged.
    func refund(into run: DemoRun) async throws {
        do {
            let settled = try await scheme.refund(url: seller + "/weather", transport: asyncHTTPRefundTransport(timeout: .seconds(60)))
            run.refunded(UInt128(settled.amount ?? "") ?? 0)
        } catch BatchSettlementClientError.nothingToRefund {
            return
        }
    }
}

/// The demo's shared counters.
final class DemoRun: Sendable {
    struct State {
        var done = 0
        var failed = 0
        var errors: [String] = []
        var vouchers = 0
        var deposits = 0
        var charged: UInt128 = 0
        var deposited: UInt128 = 0
        var refunded: UInt128 = 0
        var latencies: [Double] = []
        var finished: [DemoAgent] = []
        var exactRequests = 0
        var exactCharged: UInt128 = 0
        var exactTransactions: [Bytes32] = []
    }

    let total: Int
    let state = Mutex(State())
    let started = ContinuousClock.now

    init(total: Int) { self.total = total }

    func paid(latencyMs: Double, charged: UInt128, deposit: UInt128?) {
        state.withLock {
            $0.done += 1
            $0.latencies.append(latencyMs)
            $0.charged += charged
            if let deposit {
                $0.deposits += 1
                $0.deposited += deposit
            } else {
                $0.vouchers += 1
            }
        }
    }

    /// An `exact` payment: its amount went straight to the seller in `transaction`.
    func paidExact(latencyMs: Double, charged: UInt128, transaction: Bytes32) {
        state.withLock {
            $0.done += 1
            $0.latencies.append(latencyMs)
            $0.exactRequests += 1
            $0.exactCharged += charged
            $0.exactTransactions.append(transaction)
        }
    }

    /// The transfers of the `exact` payments.
    func exactTransactions() -> [Bytes32] { state.withLock { $0.exactTransactions } }

    func failed(_ why: String) {
        state.withLock {
            $0.done += 1
            $0.failed += 1
            if $0.errors.count < 5 { $0.errors.append(why) }
        }
    }

    func refunded(_ amount: UInt128) { state.withLock { $0.refunded += amount } }
    func finish(_ agent: DemoAgent) { state.withLock { $0.finished.append(agent) } }
    func finishedAgents() -> [DemoAgent] { state.withLock { $0.finished } }

    func printProgress(final: Bool = false) {
        let s = state.withLock { ($0.done, $0.failed, $0.deposits, $0.vouchers, $0.charged) }
        let seconds = (ContinuousClock.now - started).components.seconds
        let rate = seconds > 0 ? s.0 / Int(seconds) : s.0
        FileHandleOutput.writeError("\r\u{1B}[K[demo] \(s.0)/\(total) paid requests (\(s.1) failed), \(s.2) deposits, \(s.3) vouchers, "
                                    + "charged \(s.4), ~\(rate) req/s" + (final ? "\n" : ""))
    }

    func report() -> DemoReport {
        state.withLock { s in
            var report = DemoReport()
            report.requests = s.done - s.failed - s.exactRequests
            report.exactRequests = s.exactRequests
            report.exactCharged = s.exactCharged
            report.failedRequests = s.failed
            report.vouchers = s.vouchers
            report.deposits = s.deposits
            report.charged = s.charged + s.exactCharged
            report.deposited = s.deposited
            report.refunded = s.refunded
            report.latenciesMs = s.latencies
            if !s.errors.isEmpty { FileHandleOutput.writeError("[demo] failures: \(s.errors.joined(separator: "; "))\n") }
            return report
        }
    }
}
