import AsyncHTTPClient
import Foundation
import Logging
import Testing
import X402AsyncHTTPClient
import X402BatchSettlement
import X402BatchSettlementClient
import X402Core
import X402EVM
import X402EVMRPC
import X402JSON
import X402Testing

/// Our buyer (`BatchSettlementClientScheme` behind `X402PayingHTTPClient`, and `x402 pay`) paying our seller
/// (`x402 serve`) through our facilitator on the devnet.
extension DevnetIntegrationTests {
    /// A fresh payer holding test USDC (deposits are gasless: it needs no ETH).
    static func fundedPayer(_ rpc: RPCClient) async throws -> (key: PrivateKey, hex: String) {
        let hex = freshKeyHex()
        let key = try PrivateKey(hex: hex)
        _ = try await rpc.request("devnet_mint", [.string(Devnet.testUSDC.lowercased), .string(key.address.lowercased), .string("0xf4240")])
        return (key, hex)
    }

    /// A random private key as hex (for a child process's environment).
    static func freshKeyHex() -> String { "0x" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 1...255)) }.joined() }

    /// Our buyer for `key` on the devnet; `configure` sets limits and session bounds (the clock is chain-aligned first).
    static func buyer(_ key: PrivateKey, rpc: RPCClient, storage: any ClientChannelStorage = InMemoryClientChannelStorage(),
                      wallet: (any TypedDataSigner)? = nil, voucherSigner: (any TypedDataSigner)? = nil,
                      configure: (inout BatchSettlementClientConfiguration) -> Void = { _ in })
        async throws -> (BatchSettlementClientScheme, X402PayingHTTPClient) {
        let reader = RPCChannelChainReader(rpc: rpc, network: "eip155:84532")
        var configuration = BatchSettlementClientConfiguration()
        configuration.clock = try await reader.chainAlignedClock()  // other tests move the devnet's clock ahead
        configure(&configuration)
        let scheme = try BatchSettlementClientScheme(wallet: wallet ?? PrivateKeySigner(key), voucherSigner: voucherSigner, storage: storage,
                                                     chainReader: reader, configuration: configuration)
        let client = X402Client().register(scheme, for: .family("eip155"))
        return (scheme, X402PayingHTTPClient(client: client, logger: Logger(label: "test.buyer")))
    }

    /// Refund requests over AsyncHTTPClient.
    static let refundTransport: RefundTransport = { url, headers in
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 1 << 20)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name] = header.value }
        return RefundHTTPResponse(status: Int(response.status.code), headers: fields)
    }

    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func swiftBuyerPaysSwiftSeller() async throws {
        let stack = try await SellerStack(receiverSeed: 110, slowSeconds: 0.2)
        defer { stack.cleanup() }
        let url = try stack.startSeller().url
        let key = try await Self.fundedPayer(stack.rpc).key
        let (_, paying) = try await Self.buyer(key, rpc: stack.rpc)

        // Deposit (10 × price, the seller's minDeposit), then vouchers, then a dynamic price.
        var charged: UInt128 = 0
        for path in ["/weather", "/weather", "/weather", "/dynamic"] {
            let response = try await paying.execute(HTTPClientRequest(url: url + path), timeout: .seconds(60))
            #expect(response.status == .ok, "\(path): \(response.status)")
            let settle = try #require(response.settleResponse)
            #expect(settle.success)
            guard case .string(let text)? = settle.extra?["chargedAmount"], let amount = UInt128(text) else {
                Issue.record("no chargedAmount"); return
            }
            charged += amount
        }
        #expect(charged == 3500)

        // Concurrent requests on one channel are serialized by the client: none races into channel_busy.
        let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
            for _ in 0..<6 {
                group.addTask { try await paying.execute(HTTPClientRequest(url: url + "/slow"), timeout: .seconds(60)).status.code }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 6))
        charged += 6000

        // A client that lost its state pays again: the corrective 402 resyncs it from the seller's signed state.
        let (recovered, amnesiac) = try await Self.buyer(key, rpc: stack.rpc)
        let again = try await amnesiac.execute(HTTPClientRequest(url: url + "/weather"), timeout: .seconds(60))
        #expect(again.status == .ok)
        charged += 1000

        // 10 500 charged passes the 10 000 deposited: the recovered client topped the channel up. It asks for a
        // partial refund of what is left.
        let refund = try await recovered.refund(url: url + "/weather", amount: 2000, transport: Self.refundTransport)
        #expect(refund.success && refund.amount == "2000")

        // On chain: the claim after the seller stops equals every charge.
        stack.seller?.kill9()
        #expect(try stack.channels(["claim"]).status == 0)
        #expect(try await stack.receiverTotals().totalClaimed == charged)
    }

    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func x402PayAndRefundCommands() async throws {
        let stack = try await SellerStack(receiverSeed: 111)
        defer { stack.cleanup() }
        let url = try stack.startSeller().url
        let (key, keyHex) = try await Self.fundedPayer(stack.rpc)
        func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try stack.buyerCommand(arguments, environment: ["EVM_PRIVATE_KEY": keyHex])
        }
        // Two runs: the channel state survives between them (the second is a voucher, not a deposit).
        let first = try run(["pay", url + "/weather"])
        #expect(first.status == 0 && first.out.contains("sunny"), "\(first.err)")
        #expect(first.err.contains("PAYMENT-RESPONSE") && first.err.contains("\"amount\":\"10000\""), "\(first.err)")
        let second = try run(["pay", url + "/weather"])
        #expect(second.status == 0 && second.err.contains("\"transaction\":\"\""), "\(second.err)")
        // The rest back: 10 000 deposited, 2000 charged.
        let refund = try run(["refund", url + "/weather"])
        #expect(refund.status == 0 && refund.out.contains("refunded 8000"), "\(refund.out) \(refund.err)")
        #expect(try await stack.tokenBalance(key.address) == UInt256(UInt64(998_000)))
    }
}

extension DevnetIntegrationTests {
    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func sellerDisappearsAndThePayerWithdraws() async throws {
        let stack = try await SellerStack(receiverSeed: 112)
        defer { stack.cleanup() }
        let url = try stack.startSeller().url
        let (key, keyHex) = try await Self.fundedPayer(stack.rpc)
        try await stack.rpc.devnetSetBalance(key.address, UInt256(UInt64(1_000_000_000_000_000_000)))  // gas for its own transactions
        func run(_ arguments: [String]) throws -> (status: Int32, out: String) {
            let result = try stack.buyerCommand(arguments, environment: ["EVM_PRIVATE_KEY": keyHex])
            return (result.status, result.out)
        }
        #expect(try run(["pay", url + "/weather"]).status == 0)
        #expect(try run(["pay", url + "/weather"]).status == 0)
        // The seller vanishes before claiming anything.
        stack.seller?.kill9()
        let wallet = try run(["wallet"])
        #expect(wallet.status == 0 && wallet.out.contains(" 10000 2000 0 0 - "), "\(wallet.out)")
        let channel = try #require(wallet.out.split(separator: "\n").first { $0.hasPrefix("0x") }.map { String($0.prefix(66)) })
        let started = try run(["withdraw", channel])
        #expect(started.status == 0 && started.out.contains("withdrawal of 10000 started"), "\(started.out)")
        let early = try run(["withdraw", channel])
        #expect(early.status == 0 && early.out.contains("pending"), "\(early.out)")
        try await stack.rpc.devnetIncreaseTime(seconds: 901)
        try await stack.rpc.devnetMine()
        let done = try run(["withdraw", channel])
        #expect(done.status == 0 && done.out.contains("withdrew 10000"), "\(done.out)")
        #expect(try await stack.tokenBalance(key.address) == UInt256(UInt64(1_000_000)))
    }
}

/// `x402 demo` end to end (it launches its own devnet, facilitator and seller).
@Suite(.enabled(if: FacilitatorProcess.isAvailable && Devnet.canLaunch, "needs the x402 binary and Devnet/devnet"))
struct DemoCommandTests {
    @Test func demoReportsRevenueEqualToCharges() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ListeningProcess.binary)
        process.arguments = ["demo", "--agents", "3", "--exact-agents", "2", "--requests", "8", "--claim-interval", "1", "--json"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let report = try #require(try JSONParser.parse(Array(data)).objectValue, "\(String(decoding: data, as: UTF8.self))")
        #expect(report["requests"] == 24 && report["failedRequests"] == 0)
        #expect(report["deposits"] == 3 && report["vouchers"] == 21)
        #expect(report["revenueMatchesCharges"] == true)
        #expect(report["charged"] == report["revenueOnChain"])
        // Two exact buyers beside them: 16 transfers, their gas measured from the receipts (no assumed figure), the
        // same for each transfer within a few thousand gas (cold and warm storage), and revenue covers both schemes.
        #expect(report["exactAgents"] == 2 && report["exactRequests"] == 16 && report["exactGasMeasured"] == true)
        #expect(report["exactCharged"] == "16000")
        guard case .string(let exactText)? = report["exactGasPerRequest"], let exactGas = Double(exactText),
              case .string(let batchText)? = report["gasPerPaidRequest"], let batchGas = Double(batchText) else {
            Issue.record("gas figures missing"); return
        }
        #expect(exactGas > 30_000 && exactGas < 120_000, "\(exactGas)")
        #expect(batchGas < exactGas, "batch \(batchGas) vs exact \(exactGas)")
        for key in ["gasUsed", "gasPerPaidRequest", "latencyP50Ms", "latencyP99Ms", "requestsPerSecond"] {
            guard case .string(let text)? = report[key], let value = Double(text) else { Issue.record("\(key) missing"); continue }
            #expect(value > 0, "\(key)")
        }
    }
}
