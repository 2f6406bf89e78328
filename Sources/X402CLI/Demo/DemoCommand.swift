import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import Synchronization
import X402AsyncHTTPClient
import X402BatchSettlement
import X402BatchSettlementClient
import X402Core
import X402EVM
import X402EVMRPC
import X402Testing

/// `x402 demo`: the whole system on one machine. A devnet, our facilitator and `x402 serve` in front of a small API,
/// then N buyer agents making M paid requests each at once; the channel manager claims and settles; the agents
/// refund what is left; a report of requests, payments, gas and latency.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the devnet, a facilitator, a paid API and N buyer agents; print what it cost on chain.",
        discussion: """
            Without --rpc-url a local devnet is started (Devnet/devnet) and its dev accounts are used. With --rpc-url the \
            demo runs against that chain: X402_RELAYER_KEYS (the facilitator's relayer), X402_AUTHORIZER_KEY (the \
            seller's receiver authorizer) and X402_DEMO_BUYER_KEYS (comma-separated, funded with the network's default \
            stablecoin) must be set.
            """)

    @Option(help: "Buyer agents running at once.")
    var agents = 10

    @Option(help: "Buyer agents paying with exact (one transferWithAuthorization per request) beside the batch-settlement ones.")
    var exactAgents = 2

    @Option(help: "Paid requests per agent.")
    var requests = 100

    @Option(help: "Price of each route (the /summarize route charges 10–100 % of it).")
    var price = "$0.001"

    @Option(help: "Seconds between the seller's claim runs.")
    var claimInterval = 5

    @Option(help: "Seconds between the seller's settle runs.")
    var settleInterval = 10

    @Option(help: "Use this chain instead of a local devnet (keys from the environment, see below).")
    var rpcURL: String?

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    func run() async throws {
        guard agents >= 1, requests >= 1, exactAgents >= 0 else {
            throw ValidationError("--agents and --requests must be at least 1, --exact-agents at least 0")
        }
        var logger = Logger(label: "x402.demo")
        logger.logLevel = Logger.Level(rawValue: environment("X402_LOG_LEVEL") ?? "error") ?? .error
        let work = NSTemporaryDirectory() + "x402-demo-\(getpid())"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }

        // The chain and the keys.
        progress("starting the chain")
        let devnet: Devnet? = rpcURL == nil ? try await Devnet.launch() : nil
        let chainURL = rpcURL ?? devnet!.url
        let rpc = RPCClient(url: chainURL, logger: logger)
        let keys = try await DemoKeys.load(rpc: rpc, devnet: devnet != nil, agents: agents + exactAgents)
        let payTo = Address(word: Bytes32(0, 0, 0xDE40, UInt64.random(in: 1...UInt64.max)))

        // The API sold, the facilitator, the seller.
        let port = AsyncStream<Int>.makeStream()
        var quiet = logger
        quiet.logLevel = .critical  // the API's own shutdown is not news
        let upstreamApp = DemoUpstream.application(logger: quiet) { port.continuation.yield($0) }
        let upstreamTask = Task { try await upstreamApp.runService() }
        var ports = port.stream.makeAsyncIterator()
        guard let upstreamPort = await ports.next() else { throw DemoError("the demo API did not start") }
        progress("starting the facilitator and the seller")
        let facilitator = try ChildProcess(
            ["facilitator", "--rpc-url", chainURL, "--network", "eip155:84532", "--port", "0", "--data-dir", work + "/facilitator",
             "--rate-limit", "0"],
            environment: ["X402_RELAYER_KEYS": keys.relayerHex], logDirectory: work)
        let seller = try ChildProcess(
            ["serve", "--upstream", "http://127.0.0.1:\(upstreamPort)", "--facilitator", facilitator.url,
             "--pay-to", payTo.checksummed, "--network", "eip155:84532", "--port", "0", "--storage", "file:\(work)/seller",
             "--route", "GET /weather=\(price)", "--route", "GET /search=\(price)", "--route", "GET /summarize=\(price)",
             "--claim-interval", String(claimInterval), "--settle-interval", String(settleInterval),
             "--scheme", "batch-settlement", "--scheme", "exact"],
            environment: ["X402_AUTHORIZER_KEY": keys.authorizerHex], logDirectory: work)
        let startBlock = try await rpc.blockNumber()

        // The agents.
        let run = DemoRun(total: (agents + exactAgents) * requests)
        let ticker = Task { [json] in
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(500))
                if !json { run.printProgress() }
            }
        }
        let clock = try await RPCChannelChainReader(rpc: rpc, network: "eip155:84532").chainAlignedClock()
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, key) in keys.buyers.prefix(agents).enumerated() {
                let agent = try DemoAgent(index: index, key: key, rpc: rpc, seller: seller.url, plannedRequests: requests,
                                          clock: clock, logger: logger)
                group.addTask { try await agent.run(requests: requests, into: run) }
            }
            for key in keys.buyers.dropFirst(agents) {
                let agent = ExactDemoAgent(key: key, seller: seller.url, clock: clock, logger: logger)
                group.addTask { await agent.run(requests: requests, into: run) }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        ticker.cancel()
        if !json { run.printProgress(final: true) }

        // Refunds, then the seller's shutdown flush: every charge claimed and settled.
        progress("refunding what the agents did not spend")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for agent in run.finishedAgents() { group.addTask { try await agent.refund(into: run) } }
            try await group.waitForAll()
        }
        progress("stopping the seller (it claims and settles what is left)")
        await seller.stop()
        await facilitator.stop()
        upstreamTask.cancel()

        var report = run.report()
        report.agents = agents
        report.exactAgents = exactAgents
        report.requestsPerAgent = requests
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let endBlock = try await rpc.blockNumber()
        let (count, gas) = try await DemoChain.relayedTransactions(rpc: rpc, from: startBlock, to: endBlock, relayers: [keys.relayer])
        // The relayer sent both schemes' transactions: the exact transfers' gas, read from their receipts, is set apart.
        var exactGas: UInt64 = 0
        let transfers = run.exactTransactions()
        for hash in transfers {
            guard let receipt = try await rpc.getTransactionReceipt(hash) else { throw DemoError("no receipt for exact transfer \(hash)") }
            exactGas += receipt.gasUsed
        }
        report.exactGasUsed = exactGas
        report.onchainTransactions = count - transfers.count
        report.gasUsed = gas - min(gas, exactGas)
        report.revenueOnChain = try await DemoKeys.tokenBalance(rpc: rpc, payTo)
        await devnet?.stop()
        print(json ? report.json : report.text)
        if report.revenueOnChain != report.charged || report.failedRequests > 0 { throw ExitCode(1) }
    }

    private func progress(_ text: String) {
        if !json { FileHandleOutput.writeError("[demo] \(text)\n") }
    }
}

/// The keys of a demo run: the facilitator's relayer, the seller's authorizer, one funded payer per agent.
struct DemoKeys {
    var relayer: Address
    var relayerHex: String
    var authorizerHex: String
    var buyers: [PrivateKey]

    static func load(rpc: RPCClient, devnet: Bool, agents: Int) async throws -> DemoKeys {
        if devnet {
            var buyers: [PrivateKey] = []
            for _ in 0..<agents {
                let key = try PrivateKey(hex: "0x" + (0..<32).map { _ in String(UInt8.random(in: 1...255), radix: 16).leftPadded(2) }.joined())
                // Test USDC for deposits (ERC-3009 deposits are gasless: no ETH needed).
                _ = try await rpc.request("devnet_mint", [.string(Devnet.testUSDC.lowercased), .string(key.address.lowercased),
                                                          .string("0x3b9aca00")])
                buyers.append(key)
            }
            return DemoKeys(relayer: Devnet.accounts[4].address, relayerHex: Devnet.accounts[4].privateKeyHex,
                            authorizerHex: Devnet.accounts[7].privateKeyHex, buyers: buyers)
        }
        guard let relayers = environment("X402_RELAYER_KEYS"), let authorizer = environment("X402_AUTHORIZER_KEY"),
              let buyerList = environment("X402_DEMO_BUYER_KEYS") else {
            throw ValidationError("--rpc-url needs X402_RELAYER_KEYS, X402_AUTHORIZER_KEY and X402_DEMO_BUYER_KEYS")
        }
        let relayerHex = String(relayers.split(separator: ",")[0])
        let buyers = try buyerList.split(separator: ",").map { try PrivateKey(hex: String($0)) }
        guard buyers.count >= agents else { throw ValidationError("X402_DEMO_BUYER_KEYS has \(buyers.count) keys for \(agents) agents") }
        return DemoKeys(relayer: try PrivateKey(hex: relayerHex).address, relayerHex: relayerHex, authorizerHex: authorizer,
                        buyers: Array(buyers.prefix(agents)))
    }

    static func tokenBalance(rpc: RPCClient, _ account: Address) async throws -> UInt128 {
        let data = try await rpc.call(CallRequest(to: Devnet.testUSDC, data: try BatchSettlementCalldata.balanceOf(account)))
        let value = try BatchSettlementCalldata.decodeUInt256(data)
        guard let amount = UInt128(value.description) else { throw DemoError("balance does not fit uint128") }
        return amount
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
