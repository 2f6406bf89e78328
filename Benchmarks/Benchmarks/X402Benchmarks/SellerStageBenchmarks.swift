import Benchmark
import HTTPTypes
import SellerBenchKit
import X402BatchSettlement
import X402Core
import X402EVM

// The local fast path taken apart (issue item 8): each stage of a paid request measured alone, in one process, so the
// cost of the whole request can be set against the sum of its parts. The decoding stages are the hook pipeline's
// (what a voucher cost before the lane, and what other payloads still cost); a voucher now takes the lane, which reads
// the header in place and writes its PAYMENT-RESPONSE directly.
//
//   flock /tmp/x402-swift-build.lock swift package --package-path Benchmarks benchmark --filter 'seller stages'

func sellerStageBenchmarks() {
    Benchmark("seller stages (µs per request, in process)",
              configuration: .init(metrics: [.wallClock], warmupIterations: 1, maxDuration: .seconds(20), maxIterations: 5)) { _, runner in
        try await runner.measureStages()
    } setup: {
        try await StageRunner()
    }
}

final class StageRunner: Sendable {
    let fast: FastPathRunner
    let headers: [String]

    init() async throws {
        fast = try await FastPathRunner()
        headers = fast.requests.map { $0.headerFields[.paymentSignature]! }
    }

    func measureStages() async throws {
        let n = 4000
        let clock = ContinuousClock()
        func time(_ name: String, _ body: (Int) throws -> Void) rethrows -> Double {
            let start = clock.now
            for i in 0..<n { try body(i) }
            let us = seconds(clock.now - start) * 1e6 / Double(n)
            writeStandardError("  \(name): \(String(format: "%.2f", us)) µs\n")
            return us
        }
        writeStandardError("seller stages:\n")
        let payloads = try headers.prefix(n).map { try HeaderCodec.decodePaymentSignature($0) }
        let parsed = try payloads.map { try BatchSettlementPayload($0) }
        var sum = 0.0
        sum += try time("base64 + JSON + PaymentPayload") { i in blackHole(try HeaderCodec.decodePaymentSignature(headers[i % headers.count])) }
        sum += try time("BatchSettlementPayload(payload)") { i in blackHole(try BatchSettlementPayload(payloads[i % payloads.count])) }
        sum += time("channelId (keccak of config)") { i in blackHole(parsed[i % parsed.count].channelConfig!.channelId(in: SellerFixture.domain)) }
        sum += time("voucher digest") { i in
            let v = parsed[i % parsed.count].voucher!
            blackHole(Voucher(channelId: v.channelId, maxClaimableAmount: v.maxClaimableAmount.value).digest(in: SellerFixture.domain))
        }
        _ = try time("recoverAddress (a payer's first voucher)") { _ in blackHole(try fast.recover()) }
        sum += time("verify by the payer's key (its later vouchers)") { _ in blackHole(fast.verify()) }
        let record = SellerChannel(channelId: fast.fixture.channelIds[0], config: fast.fixture.configs[0], balance: 1_000_000)
        sum += time("voucherResponse + PAYMENT-RESPONSE") { _ in
            let response = SellerRules.voucherResponse(before: record, after: record, charge: 1000, network: SellerFixture.network)
            blackHole(try? HeaderCodec.encodePaymentResponse(response))
        }
        _ = time("lane: PAYMENT-RESPONSE written from the records") { _ in
            blackHole(SellerRules.voucherResponseHeader(before: record, after: record, charge: 1000, network: SellerFixture.network))
        }
        _ = time("route match only") { _ in blackHole(fast.fixture.http.routes.match(method: .get, path: "/paid")) }
        sum += time("HTTPField(PAYMENT-RESPONSE)") { i in
            var fields = HTTPFields()
            fields[.paymentResponse] = headers[i % headers.count]
            blackHole(fields)
        }
        _ = time("route match + requirement match") { _ in
            let route = fast.fixture.http.routes.match(method: .get, path: "/paid")!
            blackHole(route)
            blackHole(fast.fixture.http.server.findMatchingRequirements([SellerFixture.requirement], for: payloads[0]))
        }
        _ = time("PaymentContext copy") { i in
            blackHole(PaymentContext(paymentPayload: payloads[i % payloads.count], requirements: SellerFixture.requirement,
                                     attempt: PaymentAttempt()))
        }
        var verifyTime = Duration.zero, settleTime = Duration.zero
        for _ in 0..<n {
            let t0 = clock.now
            let decision = try await fast.processOnly()
            let t1 = clock.now
            try await fast.settleOnly(decision)
            verifyTime += t1 - t0
            settleTime += clock.now - t1
        }
        writeStandardError("  processRequest (verify + reserve): \(String(format: "%.2f", seconds(verifyTime) * 1e6 / Double(n))) µs, "
                           + "settle (commit + PAYMENT-RESPONSE): \(String(format: "%.2f", seconds(settleTime) * 1e6 / Double(n))) µs\n")
        let start = clock.now
        for _ in 0..<n { try await fast.request() }
        let whole = seconds(clock.now - start) * 1e6 / Double(n)
        writeStandardError("  whole request: \(String(format: "%.2f", whole)) µs; sum of stages \(String(format: "%.2f", sum)) µs\n")
    }
}
