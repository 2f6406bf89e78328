import Foundation
import Logging
import NIOCore
import NIOPosix
import SellerBenchKit
import ServiceLifecycle

// The seller of the loopback benchmarks as its own process, as a seller is deployed (SellerHTTPBenchmarks.swift
// starts it): SellerApp over a SellerFixture of `--channels N` (default 64) synced channels, on 127.0.0.1 and a
// free port, printed as `LISTENING <port>` on stdout. It exits when its standard input closes (the benchmark
// process ended).
//
// `--event-loop-executor` runs all of Swift concurrency on NIO's event loops
// (`NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()`, installed before
// any task exists): a request is parsed, verified, answered and written on one thread, with no hop to the
// concurrency pool and back (what `x402 serve` does unless given `--no-event-loop-executor`).

let arguments = CommandLine.arguments
if arguments.contains("--event-loop-executor") {
    guard NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() else {
        FileHandle.standardError.write(Data("x402-bench-seller: cannot install the event-loop executor\n".utf8))
        exit(1)
    }
}
let channels = arguments.firstIndex(of: "--channels").flatMap { arguments.dropFirst($0 + 1).first }.flatMap { Int($0) } ?? 64

// Leave with the parent: its end of our stdin closes when it exits, however it exits.
Thread.detachNewThread {
    while !FileHandle.standardInput.availableData.isEmpty {}
    exit(0)
}

var logger = Logger(label: "x402.bench.seller")
logger.logLevel = .error
let fixture = try await SellerFixture(channelCount: channels)
let app = SellerApp.make(fixture: fixture, logger: logger) { port in
    FileHandle.standardOutput.write(Data("LISTENING \(port)\n".utf8))
}
try await ServiceGroup(configuration: .init(services: [app], logger: logger)).run()
