import Benchmark
import Foundation
import NIOCore
import SellerBenchKit
import Synchronization
import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRPC
import X402EVMRelayer
import X402Testing

// The facilitator against a devnet: /verify (voucher, deposit) over HTTP and in process, a bare eth_call
// floor, and 300-row claims through /settle (vouchers/s, gas per voucher from the receipt).
//
//   X402_RPC_URL=http://127.0.0.1:PORT \
//     flock /tmp/x402-swift-build.lock swift package --package-path Benchmarks benchmark --filter 'facilitator.*'
//
// Devnet: X402_RPC_URL, else Devnet/devnet launched once per benchmark process (each benchmark runs in its
// own process, with its own facilitator and fresh file journal). Not registered when no devnet can be had
// (no X402_RPC_URL and no launcher, e.g. macOS) or X402_BENCH_NO_DEVNET is set; a devnet that fails to
// launch turns them into no-ops with a warning on stderr, so the rest of the suite still runs.
// On the py-evm devnet these measure the devnet as much as the facilitator: see the baseline.

/// The claim batch size of the claim benchmark: the seller's usual batch.
let claimBatchRows = 300

func facilitatorBenchmarks() {
    guard FacilitatorService.isAvailable else { return }

    let verifyConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput],
        timeUnits: .microseconds,
        warmupIterations: 20,
        maxDuration: .seconds(15),
        maxIterations: 2000
    )

    // A voucher for an open channel: config and signature checks, one Multicall3 read of the channel.
    // A first deposit (ERC-3009): signature checks, the payer's code, the channel read, the deposit simulated.
    // Each over HTTP (the service as deployed) and in process (X402Facilitator.verify, no HTTP): the difference
    // is the HTTP service's share.
    for kind in VerifyKind.allCases {
        for http in [true, false] {
            verifyBenchmark(kind, http: http, configuration: verifyConfiguration)
        }
    }

    // The floor under both: one `channels(id)` eth_call to the same devnet through RPCClient (the read a voucher
    // /verify makes, without HTTP service, facilitator or Multicall3).
    let rpcBox = Mutex<RPCClient?>(nil)
    Benchmark("facilitator baseline: devnet eth_call channels() (RPC)", configuration: verifyConfiguration) { benchmark, prepared in
        guard let data = prepared.value, let rpc = rpcBox.withLock({ $0 }) else { return }
        for _ in benchmark.scaledIterations {
            blackHole(try await rpc.call(CallRequest(to: BatchSettlement.settlementAddress, data: data)))
        }
    } setup: { () async throws -> Prepared<[UInt8]> in
        let devnet: Devnet
        do {
            devnet = try await Devnet.shared()
        } catch {
            writeStandardError("warning: facilitator benchmark skipped, no devnet: \(error)\n")
            return Prepared(nil)
        }
        let rpc = RPCClient(url: devnet.url)
        rpcBox.withLock { $0 = rpc }
        let config = FacilitatorService.channel(receiver: benchReceiver(1), salt: 1)
        return Prepared(try BatchSettlementCalldata.channels(channelId: config.channelId(chainId: FacilitatorService.chainId)))
    }

    // Claims: each iteration claims a higher voucher on each of 300 open channels in one server-authored
    // `claim` payload, signed by the facilitator for the seller's API key; measured from the POST to the
    // answer (simulation, gas estimate, journal, broadcast, receipt).
    let vouchersPerSecond = BenchmarkMetric.custom("vouchers/s (claim, 300 rows)", polarity: .prefersLarger, useScalingFactor: false)
    let gasPerVoucher = BenchmarkMetric.custom("gas/voucher (claim, 300 rows)", polarity: .prefersSmaller, useScalingFactor: false)
    let claimBox = ServiceBox()
    let claimRound = Atomic<Int>(0)
    Benchmark(
        "facilitator /settle claim 300 rows (HTTP, devnet)",
        configuration: .init(
            metrics: [.wallClock, vouchersPerSecond, gasPerVoucher],
            timeUnits: .milliseconds,
            units: [vouchersPerSecond: .count, gasPerVoucher: .count],
            warmupIterations: 1,
            maxDuration: .seconds(90),
            maxIterations: 8
        )
    ) { benchmark, prepared in
        guard let configs = prepared.value, let service = claimBox.service else { return }
        // Cumulative amounts only grow: every round claims 10 more on every channel (deposits hold 10^6).
        let round = claimRound.add(1, ordering: .relaxed).newValue
        let amount = UInt128(1000 + 10 * round)
        let rows = configs.map { config in
            let voucher = FacilitatorService.voucher(config, amount)
            return ClaimRowPayload(channel: config, maxClaimableAmount: TokenAmount128(amount), signature: voucher.signature,
                                   totalClaimed: TokenAmount128(amount))
        }
        let body = try FacilitatorService.body(.claim(ClaimPayload(claims: rows)),
                                               FacilitatorService.jobRequirements(receiver: service.receiver))
        let clock = ContinuousClock()
        let start = clock.now
        benchmark.startMeasurement()
        let response = try await service.settle(body)
        benchmark.stopMeasurement()
        let elapsed = clock.now - start
        guard response.success, response.extra?["failedChannels"]?.arrayValue?.isEmpty ?? true else {
            throw BenchError("claim failed: \(response)")
        }
        let hashes = response.extra?["transactions"]?.arrayValue?.compactMap(\.stringValue) ?? [response.transaction]
        var gas: UInt64 = 0
        for hash in hashes {
            guard let receipt = try await service.rpc.getTransactionReceipt(try Bytes32(hex: hash)) else {
                throw BenchError("no receipt for \(hash)")
            }
            gas += receipt.gasUsed
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        benchmark.measurement(vouchersPerSecond, Int((Double(rows.count) / seconds).rounded()))
        benchmark.measurement(gasPerVoucher, Int(gas) / rows.count)
        if round == 1 {
            writeStandardError("claim \(rows.count) rows: \(hashes.count) transaction(s), gasUsed \(gas), \(Int(gas) / rows.count) gas/voucher, "
                               + "\(elapsed) → \(Int((Double(rows.count) / seconds).rounded())) vouchers/s\n")
        }
    } setup: { () async throws -> Prepared<[ChannelConfig]> in
        guard let service = try await claimBox.start() else { return Prepared(nil) }
        let clock = ContinuousClock()
        let start = clock.now
        let configs = try await service.open(count: claimBatchRows, receiver: service.receiver, amount: 1_000_000)
        writeStandardError("opened \(configs.count) channels in \(clock.now - start)\n")
        return Prepared(configs)
    } teardown: {
        await claimBox.stop()
    }
}

enum VerifyKind: String, CaseIterable {
    case voucher, deposit
}

/// What a verify benchmark sends: the HTTP body, and the same payment for the in-process call.
struct VerifyInput {
    var body: ByteBuffer
    var payment: PaymentPayload
    var requirements: PaymentRequirements
}

func verifyBenchmark(_ kind: VerifyKind, http: Bool, configuration: Benchmark.Configuration) {
    let box = ServiceBox()
    let name = http ? "facilitator /verify \(kind.rawValue) (HTTP, devnet)" : "facilitator verify \(kind.rawValue) (in process, devnet)"
    Benchmark(name, configuration: configuration) { benchmark, prepared in
        guard let input = prepared.value, let service = box.service else { return }
        for _ in benchmark.scaledIterations {
            let response: VerifyResponse
            if http {
                response = try await service.verify(input.body)
            } else {
                response = await service.facilitator.verify(input.payment, requirements: input.requirements)
            }
            guard response.isValid else { throw BenchError("\(kind.rawValue) invalid: \(response)") }
        }
    } setup: { () async throws -> Prepared<VerifyInput> in
        guard let service = try await box.start() else { return Prepared(nil) }
        let receiver = service.receiver
        let requirements = FacilitatorService.requirements(receiver: receiver)
        let payload: BatchSettlementPayload
        switch kind {
        case .voucher:
            let config = try await service.open(count: 1, receiver: receiver, amount: 1_000_000)[0]
            payload = .voucher(VoucherPayload(channelConfig: config, voucher: FacilitatorService.voucher(config, 2000)))
        case .deposit:
            // Never settled, so it verifies the same every time.
            let config = FacilitatorService.channel(receiver: receiver, salt: WallClock.millis() << 16 | 0xFFFF)
            payload = .deposit(FacilitatorService.depositPayload(config, amount: 10_000, max: 1000,
                                                                 validBefore: try await service.validBefore(6 * 3600), saltSeed: 7))
        }
        let input = VerifyInput(body: try FacilitatorService.body(payload, requirements),
                                payment: PaymentPayload(payload: payload.jsonObject(), accepted: requirements),
                                requirements: requirements)
        let first = try await service.verify(input.body)
        guard first.isValid else { throw BenchError("\(kind.rawValue) invalid: \(first)") }
        return Prepared(input)
    } teardown: {
        await box.stop()
    }
}

/// What a setup made; nil when there is no devnet (a bare Optional would not survive `setupState: Any?`).
struct Prepared<Value> {
    var value: Value?
    init(_ value: Value?) { self.value = value }
}

/// One benchmark's facilitator, shared by its setup, closure and teardown.
final class ServiceBox: Sendable {
    private let state = Mutex<FacilitatorService?>(nil)

    var service: FacilitatorService? { state.withLock { $0 } }

    /// Starts the facilitator (and the devnet, unless X402_RPC_URL); nil, with a warning, when no devnet
    /// could be launched.
    func start() async throws -> FacilitatorService? {
        let service: FacilitatorService
        do {
            service = try await FacilitatorService.start(receiver: benchReceiver(UInt64(getpid())))
        } catch let error as DevnetError {
            writeStandardError("warning: facilitator benchmark skipped, no devnet: \(error)\n")
            return nil
        }
        state.withLock { $0 = service }
        return service
    }

    func stop() async {
        let service = state.withLock { s in defer { s = nil }; return s }
        await service?.shutdown()
    }
}

func writeStandardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
