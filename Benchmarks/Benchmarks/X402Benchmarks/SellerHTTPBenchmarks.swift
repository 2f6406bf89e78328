import AsyncHTTPClient
import Benchmark
import Foundation
import Logging
import NIOCore
import SellerBenchKit
import Synchronization
import X402BatchSettlement
import X402Core
import X402EVM
import X402JSON

// The seller over loopback HTTP (issue item 8): a Hummingbird app with X402PaymentMiddleware selling `GET /paid`
// beside an unpaid `GET /free` (same small body) over 64 synced channels (SellerApp), run as its own process
// (x402-bench-seller, Swift concurrency on NIO's event loops, as `x402 serve` runs), and an AsyncHTTPClient load
// generator in this process: 64 tasks, each owning one keep-alive connection's worth of work and one channel,
// sending that channel's pre-signed cumulative vouchers in order.
//
//   flock /tmp/x402-swift-build.lock swift build -c release --package-path Benchmarks   # also builds x402-bench-seller
//   flock /tmp/x402-swift-build.lock swift package --package-path Benchmarks benchmark --filter 'seller loopback.*'
//
// Each sample measures, one after the other on the same cores (server, client and baseline share the machine):
// unpaid req/s, paid req/s, unpaid req/s carrying a voucher's PAYMENT-SIGNATURE (what moving the header costs),
// single-core `recoverAddress`/s, the paid rate as a % of the ceiling 1 / (1/unpaid + 1/recover) (target ≥ 75 %),
// the loaded latency distributions (p50/p99 of each), and the seller's added latency unloaded (one connection
// alternating /free and /paid: p50/p99 of paid minus those of unpaid).
//
// "seller loopback HTTP: Python SDK" drives the same paid workload against the official Python SDK's FastAPI seller
// (Benchmarks/python/fastapi_seller.py, started from Devnet/.venv; not registered without it: run
// Devnet/ensure-venv) and, in the same sample, against ours; it reports both rates and their ratio.

/// Paid (and unpaid) requests per connection task in one sample of the Swift loopback benchmark.
private let loadPerTask = 100
/// Sequential /free + /paid pairs of the unloaded latency phase.
private let unloadedPairs = 640
/// Recoveries of the baseline phase.
private let baselineRecoveries = 4000
/// Paid requests per task in one sample of the Python comparison (the SDK serves far fewer).
private let pythonPerTask = 15

func sellerHTTPBenchmarks() {
    let unpaidRate = BenchmarkMetric.custom("unpaid req/s", polarity: .prefersLarger, useScalingFactor: false)
    let paidRate = BenchmarkMetric.custom("paid req/s", polarity: .prefersLarger, useScalingFactor: false)
    let recoverRate = BenchmarkMetric.custom("recover/s (1 core)", polarity: .prefersLarger, useScalingFactor: false)
    let ceiling = BenchmarkMetric.custom("paid % of ceiling", polarity: .prefersLarger, useScalingFactor: false)
    let addedP50 = BenchmarkMetric.custom("added latency p50 µs (unloaded)", polarity: .prefersSmaller, useScalingFactor: false)
    let addedP99 = BenchmarkMetric.custom("added latency p99 µs (unloaded)", polarity: .prefersSmaller, useScalingFactor: false)
    let paidP50 = BenchmarkMetric.custom("paid p50 µs (64 conns)", polarity: .prefersSmaller, useScalingFactor: false)
    let paidP99 = BenchmarkMetric.custom("paid p99 µs (64 conns)", polarity: .prefersSmaller, useScalingFactor: false)
    let unpaidP50 = BenchmarkMetric.custom("unpaid p50 µs (64 conns)", polarity: .prefersSmaller, useScalingFactor: false)
    let unpaidP99 = BenchmarkMetric.custom("unpaid p99 µs (64 conns)", polarity: .prefersSmaller, useScalingFactor: false)
    let carriedRate = BenchmarkMetric.custom("unpaid + PAYMENT-SIGNATURE header req/s", polarity: .prefersLarger, useScalingFactor: false)
    let metrics = [unpaidRate, paidRate, recoverRate, ceiling, addedP50, addedP99, paidP50, paidP99, unpaidP50, unpaidP99, carriedRate]

    let summaries = Mutex<[[Int]]>([])
    Benchmark(
        "seller loopback HTTP (\(sellerChannels) channels, \(sellerChannels) connections)",
        configuration: .init(metrics: metrics, units: Dictionary(uniqueKeysWithValues: metrics.map { ($0, .count) }),
                             warmupIterations: 1, maxDuration: .seconds(60), maxIterations: 5)
    ) { benchmark, bench in
        let unpaid = try await bench.load.run(tasks: sellerChannels, perTask: loadPerTask) { _, _ in bench.seller.free() }
        let paid = try await bench.paidPhase(perTask: loadPerTask)
        let carried = try await bench.load.run(tasks: sellerChannels, perTask: loadPerTask) { task, j in
            bench.seller.freeCarrying(channel: task, k: j)
        }
        let recover = bench.recoveries(baselineRecoveries)
        let unloaded = try await bench.unloaded(pairs: unloadedPairs)
        try await bench.seller.checkLocal(client: bench.load.client)
        let bound = 1 / (1 / unpaid.rate + 1 / recover)
        let added50: Double = percentile(unloaded.paid, 0.5) - percentile(unloaded.unpaid, 0.5)
        let added99: Double = percentile(unloaded.paid, 0.99) - percentile(unloaded.unpaid, 0.99)
        let rates: [Double] = [unpaid.rate, paid.rate, recover, (100 * paid.rate / bound).rounded(), added50, added99]
        let loaded: [Double] = [percentile(paid.latencies, 0.5), percentile(paid.latencies, 0.99),
                                percentile(unpaid.latencies, 0.5), percentile(unpaid.latencies, 0.99), carried.rate]
        let values = (rates + loaded).map { Int($0) }
        for (metric, value) in zip(metrics, values) { benchmark.measurement(metric, value) }
        summaries.withLock { $0.append(values) }
    } setup: {
        try await SellerHTTPBench.start(perChannel: 8 * loadPerTask)
    } teardown: {
        let all = summaries.withLock { $0 }
        guard !all.isEmpty else { return }
        let m = (0..<metrics.count).map { i in Int(median(all.map { Double($0[i]) })) }
        writeStandardError("seller loopback (medians of \(all.count)): unpaid \(m[0]) req/s, paid \(m[1]) req/s, "
                           + "recover \(m[2])/s, paid = \(m[3]) % of ceiling \(Int(1 / (1 / Double(m[0]) + 1 / Double(m[2])))) req/s; "
                           + "added latency unloaded p50 \(m[4]) µs p99 \(m[5]) µs; 64 conns: paid p50 \(m[6]) p99 \(m[7]) µs, "
                           + "unpaid p50 \(m[8]) p99 \(m[9]) µs; unpaid carrying a voucher header \(m[10]) req/s\n")
    }

    guard PythonSeller.isAvailable else { return }
    let pythonRate = BenchmarkMetric.custom("python paid req/s", polarity: .prefersLarger, useScalingFactor: false)
    let swiftRate = BenchmarkMetric.custom("swift paid req/s", polarity: .prefersLarger, useScalingFactor: false)
    let times = BenchmarkMetric.custom("swift / python ×", polarity: .prefersLarger, useScalingFactor: false)
    let pythonP50 = BenchmarkMetric.custom("python paid p50 µs", polarity: .prefersSmaller, useScalingFactor: false)
    let pythonP99 = BenchmarkMetric.custom("python paid p99 µs", polarity: .prefersSmaller, useScalingFactor: false)
    let pythonMetrics = [pythonRate, swiftRate, times, pythonP50, pythonP99]
    let pythonSummaries = Mutex<[[Int]]>([])
    Benchmark(
        "seller loopback HTTP: Python SDK FastAPI vs ours (\(sellerChannels) channels)",
        configuration: .init(metrics: pythonMetrics, units: Dictionary(uniqueKeysWithValues: pythonMetrics.map { ($0, .count) }),
                             warmupIterations: 1, maxDuration: .seconds(120), maxIterations: 3)
    ) { (benchmark: Benchmark, bench: SellerHTTPBench) in
        guard let python = bench.python else { return }
        let theirs = try await bench.load.run(tasks: sellerChannels, perTask: pythonPerTask) { task, j in
            python.paid(channel: task, k: python.next(task: task, j: j))
        }
        python.advance(pythonPerTask)
        let ours = try await bench.paidPhase(perTask: loadPerTask)
        try await bench.seller.checkLocal(client: bench.load.client)
        let values = [Int(theirs.rate), Int(ours.rate), Int((ours.rate / theirs.rate).rounded()),
                      Int(percentile(theirs.latencies, 0.5)), Int(percentile(theirs.latencies, 0.99))]
        for (metric, value) in zip(pythonMetrics, values) { benchmark.measurement(metric, value) }
        pythonSummaries.withLock { $0.append(values) }
    } setup: {
        let bench = try await SellerHTTPBench.start(perChannel: 4 * loadPerTask)
        bench.python = try await PythonSeller.start(configs: bench.seller.configs, client: bench.load.client,
                                                    perChannel: 4 * pythonPerTask)
        return bench
    } teardown: {
        let all = pythonSummaries.withLock { $0 }
        guard !all.isEmpty else { return }
        let m = (0..<pythonMetrics.count).map { i in Int(median(all.map { Double($0[i]) })) }
        writeStandardError("Python SDK FastAPI seller: \(m[0]) paid req/s (p50 \(m[3]) µs, p99 \(m[4]) µs); ours \(m[1]) paid req/s: "
                           + "\(m[2])× (medians of \(all.count))\n")
    }
}

/// The Swift seller served over loopback, its load generator, and (for the comparison) the Python seller.
final class SellerHTTPBench: Sendable {
    let seller: LoopbackSeller
    let load: LoadGenerator
    let runner: FastPathRunner
    private let pythonSeller = Mutex<PythonSeller?>(nil)

    /// The Python seller of the comparison (set by its setup).
    var python: PythonSeller? {
        get { pythonSeller.withLock { $0 } }
        set { pythonSeller.withLock { $0 = newValue } }
    }

    private init(seller: LoopbackSeller, load: LoadGenerator, runner: FastPathRunner) {
        self.seller = seller
        self.load = load
        self.runner = runner
    }

    static func start(perChannel: Int) async throws -> SellerHTTPBench {
        let seller = try await LoopbackSeller.start(perChannel: perChannel)
        let load = LoadGenerator(connections: sellerChannels)
        // Warm the connections up (and check both routes answer) before any measurement.
        _ = try await load.run(tasks: sellerChannels, perTask: 2) { _, _ in seller.free() }
        return SellerHTTPBench(seller: seller, load: load, runner: try await FastPathRunner())
    }

    /// `perTask` paid requests on each channel, all channels at once.
    func paidPhase(perTask: Int) async throws -> LoadGenerator.Phase {
        let base = try await seller.reserveVouchers(perTask, client: load.client)
        return try await load.run(tasks: sellerChannels, perTask: perTask, paid: true) { task, j in
            self.seller.paid(channel: task, k: base + j)
        }
    }

    /// Recoveries per second, on this thread.
    func recoveries(_ count: Int) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<count { blackHole(try? runner.recover()) }
        return Double(count) / seconds(clock.now - start)
    }

    /// One connection alternating /free and /paid (round-robin over the channels): latencies in µs.
    func unloaded(pairs: Int) async throws -> (unpaid: [Double], paid: [Double]) {
        let base = try await seller.reserveVouchers((pairs + sellerChannels - 1) / sellerChannels, client: load.client)
        var unpaid: [Double] = [], paid: [Double] = []
        for i in 0..<pairs {
            unpaid.append(try await load.timed(seller.free(), paid: false))
            paid.append(try await load.timed(seller.paid(channel: i % sellerChannels, k: base + i / sellerChannels), paid: true))
        }
        return (unpaid, paid)
    }
}

/// Our seller as its own process (`x402-bench-seller`, built beside this binary: Benchmarks/x402-bench-seller), as a
/// seller is deployed: its threads do not share a concurrency pool with this process's load generator. It runs
/// Swift concurrency on NIO's event loops (`--event-loop-executor`), as `x402 serve` does by default.
final class LoopbackSeller: Sendable {
    /// The seller binary: next to this benchmark's own executable.
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("x402-bench-seller").path

    let configs: [ChannelConfig]
    let url: String
    /// `[channel][k]` `PAYMENT-SIGNATURE` values.
    let headers: [[String]]
    private let process: Process
    /// Held only to keep the child's stdin open: the seller exits when it closes (even if this process is killed).
    private let stdin: Pipe
    /// The next unused voucher index (every channel advances in step).
    private let base = Mutex(0)

    private init(configs: [ChannelConfig], url: String, headers: [[String]], process: Process, stdin: Pipe) {
        self.configs = configs
        self.url = url
        self.headers = headers
        self.process = process
        self.stdin = stdin
    }

    static func start(perChannel: Int) async throws -> LoopbackSeller {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("\(binary) is missing: swift build -c release --package-path Benchmarks --product x402-bench-seller")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--event-loop-executor", "--channels", String(sellerChannels)]
        let stdout = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        try process.run()
        let configs = SellerFixture.channelConfigs(count: sellerChannels)
        let headers = try SellerFixture.vouchers(configs, perChannel: perChannel).map { $0.map(\.header) }
        let (port, output) = listeningPort(stdout)
        guard port > 0 else { throw BenchError("the seller process did not start: \(output)") }
        return LoopbackSeller(configs: configs, url: "http://127.0.0.1:\(port)", headers: headers, process: process, stdin: stdin)
    }

    deinit {
        process.terminate()
    }

    func free() -> HTTPClientRequest { HTTPClientRequest(url: url + "/free") }

    /// `GET /free` (not protected) with a voucher's `PAYMENT-SIGNATURE`: what carrying the header costs.
    func freeCarrying(channel: Int, k: Int) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url + "/free")
        request.headers.add(name: "PAYMENT-SIGNATURE", value: headers[channel][k])
        return request
    }

    func paid(channel: Int, k: Int) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url + "/paid")
        request.headers.add(name: "PAYMENT-SIGNATURE", value: headers[channel][k])
        return request
    }

    /// Reserves `count` vouchers of every channel (rewinding the seller's channels when the pre-signed ones run
    /// out): returns the first index.
    func reserveVouchers(_ count: Int, client: HTTPClient) async throws -> Int {
        let (first, rewind) = base.withLock { b in
            if b + count > headers[0].count { b = count; return (0, true) }
            defer { b += count }
            return (b, false)
        }
        if rewind {
            var request = HTTPClientRequest(url: url + "/bench/reset")
            request.method = .POST
            let response = try await client.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 10)
            guard response.status == .ok else { throw BenchError("reset: \(response.status)") }
        }
        return first
    }

    /// Fails when the seller called its facilitator (a request left the local fast path).
    func checkLocal(client: HTTPClient) async throws {
        let response = try await client.execute(HTTPClientRequest(url: url + "/bench/facilitator-calls"), timeout: .seconds(30))
        let calls = String(buffer: try await response.body.collect(upTo: 1 << 10))
        guard response.status == .ok, calls == "0" else {
            throw BenchError("the facilitator was called \(calls) times: not the local fast path")
        }
    }
}

/// An AsyncHTTPClient with one keep-alive connection per task.
final class LoadGenerator: Sendable {
    let client: HTTPClient

    struct Phase {
        var rate: Double
        /// Per-request latency, µs.
        var latencies: [Double]
    }

    init(connections: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit {
        let client = client
        Task { try? await client.shutdown() }
    }

    /// `tasks` concurrent tasks each sending `perTask` requests in order (`make(task, j)`); 200 (and for paid ones a
    /// `PAYMENT-RESPONSE`) is required.
    func run(tasks: Int, perTask: Int, paid: Bool = false,
             _ make: @escaping @Sendable (Int, Int) -> HTTPClientRequest) async throws -> Phase {
        let clock = ContinuousClock()
        let start = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var own: [Double] = []
                    own.reserveCapacity(perTask)
                    for j in 0..<perTask { own.append(try await self.timed(make(task, j), paid: paid)) }
                    return own
                }
            }
            var all: [Double] = []
            for try await own in group { all += own }
            return all
        }
        return Phase(rate: Double(latencies.count) / seconds(clock.now - start), latencies: latencies)
    }

    /// Sends `request`, reads the body, checks the answer: the latency in µs.
    func timed(_ request: HTTPClientRequest, paid: Bool) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let response = try await client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 16)
        let elapsed = seconds(clock.now - start) * 1e6
        guard response.status == .ok, !paid || response.headers.contains(name: "PAYMENT-RESPONSE") else {
            throw BenchError("\(request.url): \(response.status) \(response.headers) \(String(buffer: body))")
        }
        return elapsed
    }
}

/// The official Python SDK's FastAPI seller (Benchmarks/python/fastapi_seller.py) in a child process, seeded with
/// the same channels, and vouchers signed against its own 402.
final class PythonSeller: Sendable {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let python = repositoryRoot.appendingPathComponent("Devnet/.venv/bin/python").path
    static let script = repositoryRoot.appendingPathComponent("Benchmarks/python/fastapi_seller.py").path

    /// True when Devnet/.venv has uvicorn (and with it FastAPI: `Devnet/ensure-venv` installs both beside the SDK).
    /// Checked by file, not by importing: every benchmark process registers the benchmarks.
    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: python)
            && FileManager.default.isExecutableFile(atPath: repositoryRoot.appendingPathComponent("Devnet/.venv/bin/uvicorn").path)
    }

    let url: String
    let headers: [[String]]
    private let pid: Int32
    private let base = Mutex(0)

    private init(url: String, headers: [[String]], pid: Int32) {
        self.url = url
        self.headers = headers
        self.pid = pid
    }

    static func start(configs: [ChannelConfig], client: HTTPClient, perChannel: Int) async throws -> PythonSeller {
        let seed = FileManager.default.temporaryDirectory.appendingPathComponent("x402-bench-python-seed-\(getpid()).json")
        try Data(JSONSerializer.serialize(SellerFixture.pythonSeed(configs))).write(to: seed)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--seed", seed.path, "--port", "0"]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        // The script prints `LISTENING <port>` once uvicorn is bound.
        let (port, output) = listeningPort(stdout)
        guard port > 0 else { throw BenchError("the Python seller did not start: \(output)") }
        let url = "http://127.0.0.1:\(port)"
        // Sign against the SDK's own 402 (its `accepted` must match what it builds).
        let response = try await client.execute(HTTPClientRequest(url: url + "/paid"), timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 16)
        guard response.status.code == 402, let header = response.headers["PAYMENT-REQUIRED"].first,
              let accepted = try HeaderCodec.decodePaymentRequired(header).accepts.first else {
            throw BenchError("the Python seller answered no 402: \(response.status)")
        }
        let headers = try SellerFixture.vouchers(configs, perChannel: perChannel, accepted: accepted).map { $0.map(\.header) }
        return PythonSeller(url: url, headers: headers, pid: process.processIdentifier)
    }

    deinit {
        kill(pid, SIGTERM)
    }

    func paid(channel: Int, k: Int) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url + "/paid")
        request.headers.add(name: "PAYMENT-SIGNATURE", value: headers[channel][k])
        return request
    }

    /// The voucher index of request `j` of this sample (its storage cannot be rewound: the run must fit).
    func next(task: Int, j: Int) -> Int { base.withLock { $0 } + j }

    func advance(_ count: Int) { base.withLock { $0 += count } }
}

/// The port of a child's first line `LISTENING <port>` on `stdout` (0 when it ended first), and what it printed.
func listeningPort(_ stdout: Pipe) -> (port: Int, output: String) {
    var output = ""
    while !output.contains("\n") {
        let chunk = stdout.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        output += String(decoding: chunk, as: UTF8.self)
    }
    let line = output.split(separator: "\n").first ?? ""
    return (line.hasPrefix("LISTENING ") ? Int(line.dropFirst(10)) ?? 0 : 0, output)
}

/// The `q` quantile of `values` (nearest rank).
func percentile(_ values: [Double], _ q: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((q * Double(sorted.count)).rounded(.up))
    return sorted[min(sorted.count, max(1, rank)) - 1]
}
