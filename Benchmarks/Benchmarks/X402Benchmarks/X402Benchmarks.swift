import Benchmark

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 3,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )
    cryptoBenchmarks()
    protocolBenchmarks()
    worstCaseHeaderBenchmarks()
    facilitatorBenchmarks()
    sellerBenchmarks()
    sellerStageBenchmarks()
    sellerHTTPBenchmarks()
}
