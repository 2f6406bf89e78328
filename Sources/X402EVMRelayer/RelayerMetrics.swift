import Metrics
import Synchronization

/// The relayer's metrics (swift-metrics; exported by whatever backend the process bootstrapped):
/// `x402_relayer_transactions_total{network,status,purpose}`, `x402_relayer_gas_used_total{network,purpose}`,
/// `x402_relayer_pending_transactions{network}`, `x402_relayer_nonce_gaps{network,relayer}`,
/// `x402_relayer_nonce_holes_filled_total{network,how}` (`rebroadcast` or `filler`).
final class RelayerMetrics: Sendable {
    let network: String
    private let pending: Gauge
    private let pendingCount = Atomic<Int>(0)

    init(network: String) {
        self.network = network
        self.pending = Gauge(label: "x402_relayer_pending_transactions", dimensions: [("network", network)])
    }

    func pendingChanged(_ delta: Int) {
        let now = pendingCount.add(delta, ordering: .relaxed).newValue
        pending.record(max(0, now))
    }

    /// The journal's count of unfinished transactions (after a restart, at each recovery sweep).
    func setPending(_ count: Int) {
        pendingCount.store(count, ordering: .relaxed)
        pending.record(count)
    }

    func finished(_ status: JournalStatus, purpose: String, gasUsed: UInt64?) {
        Counter(label: "x402_relayer_transactions_total",
                dimensions: [("network", network), ("status", status.rawValue), ("purpose", purpose)]).increment()
        if let gasUsed {
            Counter(label: "x402_relayer_gas_used_total", dimensions: [("network", network), ("purpose", purpose)])
                .increment(by: Int64(clamping: gasUsed))
        }
    }

    /// A nonce hole filled: `rebroadcast` (a journaled transaction sent again) or `filler` (a zero-value transfer).
    func nonceHoleFilled(how: String) {
        Counter(label: "x402_relayer_nonce_holes_filled_total", dimensions: [("network", network), ("how", how)]).increment()
    }

    /// Released nonces not yet reused, per relayer.
    func nonceGaps(_ count: Int, relayer: String) {
        Gauge(label: "x402_relayer_nonce_gaps", dimensions: [("network", network), ("relayer", relayer)]).record(count)
    }
}
