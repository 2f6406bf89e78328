import X402Core
import X402EVM
import X402EVMRPC
import X402JSON

/// What `x402 demo` measured, printed as text or (`--json`) as one JSON object. Amounts are atomic units as
/// decimal strings.
struct DemoReport {
    var agents = 0
    var requestsPerAgent = 0
    /// Paid requests answered 200.
    var requests = 0
    var failedRequests = 0
    var vouchers = 0
    var deposits = 0
    var charged: UInt128 = 0
    var deposited: UInt128 = 0
    var refunded: UInt128 = 0
    var revenueOnChain: UInt128 = 0
    var onchainTransactions = 0
    var gasUsed: UInt64 = 0
    var latenciesMs: [Double] = []
    var seconds: Double = 0
    /// Paid requests of the `exact` buyers, what they paid, and the gas of their transfers (measured from the receipts).
    var exactAgents = 0
    var exactRequests = 0
    var exactCharged: UInt128 = 0
    var exactGasUsed: UInt64 = 0

    /// What one `exact` payment (an EIP-3009 transferWithAuthorization) costs when no exact buyer ran.
    static let assumedExactGasPerRequest: UInt64 = 85_800

    /// batch-settlement gas (deposits, claims, settles, refunds) per batch-settlement paid request.
    var gasPerPaidRequest: Double { requests > 0 ? Double(gasUsed) / Double(requests) : 0 }
    /// Measured gas per `exact` paid request (the assumed figure without exact buyers).
    var exactGasPerRequest: Double {
        exactRequests > 0 ? Double(exactGasUsed) / Double(exactRequests) : Double(Self.assumedExactGasPerRequest)
    }
    var ratioToExact: Double { gasPerPaidRequest / exactGasPerRequest }
    var requestsPerSecond: Double { seconds > 0 ? Double(requests) / seconds : 0 }

    func percentile(_ p: Double) -> Double {
        guard !latenciesMs.isEmpty else { return 0 }
        let sorted = latenciesMs.sorted()
        let index = min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded(.up)))
        return sorted[index]
    }

    var json: String {
        let object: JSONObject = [
            "agents": .number(JSONNumber(agents)), "requestsPerAgent": .number(JSONNumber(requestsPerAgent)),
            "requests": .number(JSONNumber(requests)), "failedRequests": .number(JSONNumber(failedRequests)),
            "vouchers": .number(JSONNumber(vouchers)), "deposits": .number(JSONNumber(deposits)),
            "charged": .string(String(charged)), "deposited": .string(String(deposited)), "refunded": .string(String(refunded)),
            "revenueOnChain": .string(String(revenueOnChain)), "revenueMatchesCharges": .bool(revenueOnChain == charged),
            "onchainTransactions": .number(JSONNumber(onchainTransactions)), "gasUsed": .string(String(gasUsed)),
            "gasPerPaidRequest": .string(Self.fixed(gasPerPaidRequest, 1)),
            "exactAgents": .number(JSONNumber(exactAgents)), "exactRequests": .number(JSONNumber(exactRequests)), "exactCharged": .string(String(exactCharged)),
            "exactGasUsed": .string(String(exactGasUsed)), "exactGasMeasured": .bool(exactRequests > 0),
            "exactGasPerRequest": .string(Self.fixed(exactGasPerRequest, 1)),
            "gasRatioToExact": .string(Self.fixed(ratioToExact, 4)),
            "latencyP50Ms": .string(Self.fixed(percentile(0.5), 2)), "latencyP99Ms": .string(Self.fixed(percentile(0.99), 2)),
            "requestsPerSecond": .string(Self.fixed(requestsPerSecond, 1)), "seconds": .string(Self.fixed(seconds, 1)),
        ]
        return (try? X402JSON.encodeString(object)) ?? "{}"
    }

    var text: String {
        """
        x402 demo: \(agents) batch-settlement agents + \(exactAgents) exact agents × \(requestsPerAgent) paid requests
          requests served     \(requests) (\(failedRequests) failed) in \(Self.fixed(seconds, 1)) s, \(Self.fixed(requestsPerSecond, 1)) req/s
          payments            \(deposits) deposits, \(vouchers) vouchers
          exact buyers        \(exactRequests) requests, \(exactCharged) paid in \(exactRequests) transfers, \(exactGasUsed) gas
          charged             \(charged) (atomic USDC units, both schemes)
          revenue on chain    \(revenueOnChain) \(revenueOnChain == charged ? "= sum of charges" : "≠ sum of charges (\(charged))")
          deposited/refunded  \(deposited) / \(refunded)
          on-chain            \(onchainTransactions) transactions, \(gasUsed) gas
          gas per request     batch-settlement \(Self.fixed(gasPerPaidRequest, 1)), exact \(Self.fixed(exactGasPerRequest, 1)) \(exactRequests > 0 ? "(measured)" : "(assumed)"): \(Self.fixed(ratioToExact * 100, 2)) %
          latency             p50 \(Self.fixed(percentile(0.5), 2)) ms, p99 \(Self.fixed(percentile(0.99), 2)) ms
        """
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (value * scale).rounded()
        let whole = Int64(scaled / scale)
        guard digits > 0 else { return String(whole) }
        let fraction = Int64(abs(scaled.truncatingRemainder(dividingBy: scale)))
        let fractionText = String(fraction)
        return "\(scaled < 0 && whole == 0 ? "-" : "")\(whole).\(String(repeating: "0", count: digits - fractionText.count))\(fractionText)"
    }
}

/// The chain's side of the demo: every transaction the facilitator's relayers sent between two blocks, and gas.
enum DemoChain {
    static func relayedTransactions(rpc: RPCClient, from start: UInt64, to end: UInt64,
                                    relayers: Set<Address>) async throws -> (count: Int, gas: UInt64) {
        var count = 0
        var gas: UInt64 = 0
        guard end > start else { return (0, 0) }
        for number in (start + 1)...end {
            guard let block = try await rpc.getBlockByNumber(.number(number)) else { continue }
            for hash in block.transactionHashes {
                guard let receipt = try await rpc.getTransactionReceipt(hash), relayers.contains(receipt.from) else { continue }
                count += 1
                gas += receipt.gasUsed
            }
        }
        return (count, gas)
    }
}
