import Benchmark
import HTTPTypes
import SellerBenchKit
import Synchronization
import X402BatchSettlement
import X402Core
import X402EVM

// The seller's local fast path (issue item 8), in process, no HTTP: a voucher on a synced channel is decoded,
// verified against the mirrored state, reserved, charged and answered without the facilitator. Its signature check is
// an ECDSA verification against the payer's key, learned by a recovery from the channel's first voucher.
//
//   flock /tmp/x402-swift-build.lock swift package --package-path Benchmarks benchmark --filter 'seller.*'
//
// "seller fast path" is one request per iteration (processRequest → .proceed → settle(.ok)), round-robin over
// 64 channels, each sending its pre-signed cumulative vouchers in order (the records are rewound when the
// pre-signed ones run out). "seller baseline: recoverAddress" recovers the same signatures: the floor of a
// request that must recover one ECDSA signature. "seller fast path / recovery" interleaves blocks of both in one
// process and reports their rates and the median ratio of back-to-back pairs (target ≥ 80 %); it also runs blocks of
// bare verifications of the same signatures, the floor once the key is known, and reports the ratio to those. The
// loopback HTTP benchmarks are in SellerHTTPBenchmarks.swift.

/// Channels of the seller benchmarks (one per client connection in the HTTP ones).
let sellerChannels = 64

/// Pre-signed vouchers per channel of the in-process benchmarks.
private let fastPathVouchers = 200

func sellerBenchmarks() {
    let perKilo = Benchmark.Configuration(metrics: [.throughput, .wallClock, .mallocCountTotal], scalingFactor: .kilo,
                                          maxDuration: .seconds(5))

    Benchmark("seller fast path: processRequest + settle (in process, \(sellerChannels) channels)",
              configuration: perKilo) { benchmark, runner in
        for _ in benchmark.scaledIterations { try await runner.request() }
        try runner.checkLocal()
    } setup: {
        try await FastPathRunner()
    }

    Benchmark("seller baseline: recoverAddress (voucher signatures)", configuration: perKilo) { benchmark, runner in
        for _ in benchmark.scaledIterations { blackHole(try runner.recover()) }
    } setup: {
        try await FastPathRunner()
    }

    let fastPathRate = BenchmarkMetric.custom("fast path req/s", polarity: .prefersLarger, useScalingFactor: false)
    let recoverRate = BenchmarkMetric.custom("recover/s", polarity: .prefersLarger, useScalingFactor: false)
    let ratio = BenchmarkMetric.custom("fast path % of recovery", polarity: .prefersLarger, useScalingFactor: false)
    let samples = Mutex<[(fast: Double, recover: Double, verify: Double)]>([])
    Benchmark(
        "seller fast path / recovery (in process, \(sellerChannels) channels)",
        configuration: .init(metrics: [fastPathRate, recoverRate, ratio], units: [fastPathRate: .count, recoverRate: .count, ratio: .count],
                             warmupIterations: 4, maxDuration: .seconds(20), maxIterations: 60)
    ) { benchmark, runner in
        // Short blocks of each, alternating, so both see the same machine (a shared VM's speed drifts by the second).
        let block = 500
        let clock = ContinuousClock()
        var start = clock.now
        for _ in 0..<block { try await runner.request() }
        let fast = Double(block) / seconds(clock.now - start)
        start = clock.now
        for _ in 0..<block { blackHole(try runner.recover()) }
        let recover = Double(block) / seconds(clock.now - start)
        start = clock.now
        for _ in 0..<block { blackHole(runner.verify()) }
        let verify = Double(block) / seconds(clock.now - start)
        try runner.checkLocal()
        benchmark.measurement(fastPathRate, Int(fast.rounded()))
        benchmark.measurement(recoverRate, Int(recover.rounded()))
        benchmark.measurement(ratio, Int((100 * fast / recover).rounded()))
        samples.withLock { $0.append((fast, recover, verify)) }
    } setup: {
        try await FastPathRunner()
    } teardown: {
        let all = samples.withLock { $0 }
        guard !all.isEmpty else { return }
        let fast = median(all.map(\.fast)), recover = median(all.map(\.recover)), verify = median(all.map(\.verify))
        let ratio = median(all.map { $0.fast / $0.recover }), verifyRatio = median(all.map { $0.fast / $0.verify })
        writeStandardError("seller fast path: \(Int(fast)) req/s, recoverAddress: \(Int(recover))/s, "
                           + "ratio \(String(format: "%.2f", ratio)) (medians of \(all.count) back-to-back pairs); "
                           + "bare verify: \(Int(verify))/s, ratio \(String(format: "%.2f", verifyRatio))\n")
    }
}

/// The in-process seller and its pre-built requests.
final class FastPathRunner: Sendable {
    let fixture: SellerFixture
    /// `GET /paid` with the k-th voucher of channel c at `k * channels + c` (the order they are sent in).
    let requests: [HTTPRequest]
    /// The same vouchers' digests, signatures and signers' keys, for the recovery and verification baselines.
    let signatures: [(digest: Bytes32, signature: Signature, key: PublicKey)]
    private let verifyCursor = Atomic<Int>(0)
    private let cursor = Atomic<Int>(0)
    private let recoverCursor = Atomic<Int>(0)

    init() async throws {
        fixture = try await SellerFixture(channelCount: sellerChannels)
        let vouchers = try fixture.vouchers(perChannel: fastPathVouchers)
        requests = (0..<fastPathVouchers).flatMap { k in
            vouchers.map { SellerFixture.request(path: "/paid", paymentSignature: $0[k].header) }
        }
        signatures = try vouchers.flatMap { channel in
            let key = try channel[0].signature.recoverPublicKey(digest: channel[0].digest)
            return channel.map { ($0.digest, $0.signature, key) }
        }
    }

    /// One paid request through the whole local fast path; throws unless it proceeds and settles.
    func request() async throws { try await settleOnly(try await processOnly()) }

    /// The first half of ``request()``: the next pre-signed voucher verified and reserved.
    func processOnly() async throws -> VerifiedPayment {
        var i = cursor.add(1, ordering: .relaxed).oldValue
        if i >= sellerChannels * fastPathVouchers {
            // Every pre-signed voucher was spent: rewind the channels and start over.
            try await fixture.reset()
            cursor.store(1, ordering: .relaxed)
            i = 0
        }
        guard case .proceed(let payment) = await fixture.http.processRequest(requests[i]) else {
            throw BenchError("request \(i) did not proceed")
        }
        return payment
    }

    /// The second half of ``request()``: the charge committed and answered.
    func settleOnly(_ payment: VerifiedPayment) async throws {
        var headers = HTTPFields()
        guard case .settled(let settlement) = await fixture.http.settle(payment, responseStatus: .ok, responseHeaders: &headers) else {
            throw BenchError("a request did not settle")
        }
        blackHole(settlement.headerFields)
    }

    /// One recovery of a voucher signature to its signer.
    func recover() throws -> Address {
        let i = recoverCursor.add(1, ordering: .relaxed).oldValue % signatures.count
        return try signatures[i].signature.recoverAddress(digest: signatures[i].digest)
    }

    /// One verification of a voucher signature against its signer's key.
    func verify() -> Bool {
        let i = verifyCursor.add(1, ordering: .relaxed).oldValue % signatures.count
        return signatures[i].signature.verifies(digest: signatures[i].digest, key: signatures[i].key)
    }

    /// Fails when the facilitator was called (the fast path left the process).
    func checkLocal() throws {
        let calls = fixture.facilitator.remoteCalls.load(ordering: .relaxed)
        guard calls == 0 else { throw BenchError("the facilitator was called \(calls) times: not the local fast path") }
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}
