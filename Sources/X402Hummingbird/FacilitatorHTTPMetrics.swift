import Metrics
import X402Core

/// The service's swift-metrics instruments: requests by endpoint and status, duration by endpoint, and
/// `/verify` / `/settle` outcomes by error code.
///
/// Label values come from a fixed set (route names, status codes) or are sanitized error codes, so a
/// hostile request cannot create unbounded series.
struct FacilitatorHTTPMetrics: Sendable {
    static let requests = "x402_facilitator_http_requests_total"
    static let duration = "x402_facilitator_http_request_duration_seconds"
    static let verifyResults = "x402_facilitator_verify_results_total"
    static let settleResults = "x402_facilitator_settle_results_total"

    let factory: any MetricsFactory

    func request(endpoint: String, status: Int, duration: Duration) {
        Counter(label: Self.requests, dimensions: [("endpoint", endpoint), ("status", String(status))], factory: factory)
            .increment()
        let (seconds, attoseconds) = duration.components
        Timer(label: Self.duration, dimensions: [("endpoint", endpoint)], factory: factory)
            .recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    func verify(_ response: VerifyResponse) {
        let reason = response.isValid ? "ok" : Self.label(response.invalidReason)
        Counter(label: Self.verifyResults, dimensions: [("reason", reason)], factory: factory).increment()
    }

    func settle(_ response: SettleResponse) {
        let reason = response.success ? "ok" : Self.label(response.errorReason)
        Counter(label: Self.settleResults, dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// The code when it looks like one (`[a-z0-9_]`, at most 96 bytes), `unknown` when absent, else `other`.
    static func label(_ reason: ErrorReason?) -> String {
        guard let reason = reason?.rawValue else { return "unknown" }
        let bytes = reason.utf8
        guard !bytes.isEmpty, bytes.count <= 96,
              bytes.allSatisfy({ (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5f }) else { return "other" }
        return reason
    }
}
