import Metrics
import X402BatchSettlement

/// The seller scheme's counters: payments taken (by payload kind and where they were verified) and requests
/// refused (by error code). The hot-path counters are made once, not per request.
struct SellerSchemeMetrics: Sendable {
    static let payments = "x402_seller_payments_total"
    static let refusals = "x402_seller_refusals_total"

    let factory: any MetricsFactory
    private let voucherLocal: Counter
    private let voucherFacilitator: Counter
    private let deposits: Counter
    private let refunds: Counter

    init(factory: any MetricsFactory) {
        self.factory = factory
        voucherLocal = Counter(label: Self.payments, dimensions: [("kind", "voucher"), ("verification", "local")], factory: factory)
        voucherFacilitator = Counter(label: Self.payments, dimensions: [("kind", "voucher"), ("verification", "facilitator")],
                                     factory: factory)
        deposits = Counter(label: Self.payments, dimensions: [("kind", "deposit"), ("verification", "facilitator")], factory: factory)
        refunds = Counter(label: Self.payments, dimensions: [("kind", "refund"), ("verification", "facilitator")], factory: factory)
    }

    func paid(_ kind: BatchSettlementPayloadKind, locally: Bool) {
        switch kind {
        case .voucher: (locally ? voucherLocal : voucherFacilitator).increment()
        case .deposit: deposits.increment()
        case .refund: refunds.increment()
        case .claim, .settle: break
        }
    }

    func refused(_ reason: String) {
        Counter(label: Self.refusals, dimensions: [("reason", reason)], factory: factory).increment()
    }
}
