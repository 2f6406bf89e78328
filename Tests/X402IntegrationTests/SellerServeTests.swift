import Foundation
import Testing
import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRPC
import X402JSON
import X402Testing

/// `x402 serve` in front of a loopback upstream, our facilitator, the devnet: real processes, real HTTP.
extension DevnetIntegrationTests {
    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func sellerServesDepositsVouchersDynamicPricesAndCorrections() async throws {
        let stack = try await SellerStack(receiverSeed: 101)
        defer { stack.cleanup() }
        let url = try stack.startSeller().url
        let buyer = try await TestBuyer(url: url + "/weather", salt: uniqueSalt(101))
        #expect(buyer.requirement.extra["receiverAuthorizer"] == .string(SellerStack.sellerAuthorizer.address.checksummed))
        #expect(buyer.requirement.amount == "1000" && buyer.requirement.extra["minDeposit"] == "10000")
        // Unprotected paths pass through to the upstream untouched.
        #expect(try await TestBuyer.get(url + "/free").status == 200)

        // Deposit: the first request opens the channel on chain.
        let first = try await buyer.pay(url + "/weather", try await buyer.depositPayload(10_000, rpc: stack.rpc))
        #expect(first.status == 200 && String(decoding: first.body, as: UTF8.self).contains("sunny"))
        let deposit = try #require(first.paymentResponse)
        #expect(deposit.success && deposit.amount == "10000" && deposit.transaction.count == 66)
        #expect(try await stack.onchainChannel(buyer.config).balance == 10_000)

        // A voucher stream: no transaction, one charge each.
        for _ in 0..<5 {
            let answer = try await buyer.pay(url + "/weather", buyer.voucherPayload())
            #expect(answer.status == 200 && answer.paymentResponse?.transaction == "")
            #expect(answer.header("Cache-Control")?.contains("private") == true)
        }
        #expect(buyer.charged == 6000)

        // Dynamic price: the upstream asks for 50% of the route price.
        let dynamic = try await buyer.pay(url + "/dynamic", buyer.voucherPayload())
        #expect(dynamic.status == 200 && dynamic.paymentResponse?.extra?["chargedAmount"] == "500")
        #expect(dynamic.header("Settlement-Overrides") == nil)
        #expect(buyer.charged == 6500)

        // A failing upstream charges nothing; the same voucher then pays.
        let voucher = buyer.voucherPayload()
        #expect(try await buyer.pay(url + "/broken", voucher).status == 500)
        #expect(try await buyer.pay(url + "/weather", voucher).status == 200)
        #expect(buyer.charged == 7500)

        // Replaying an accepted voucher, or a wrong base: a corrective 402 with the seller's state.
        let replay = try await buyer.pay(url + "/weather", voucher)
        #expect(replay.status == 402)
        let corrective = try #require(replay.paymentRequired)
        #expect(corrective.error == "invalid_batch_settlement_evm_cumulative_amount_mismatch")
        let state = try #require(corrective.accepts[0].extra["channelState"]?.objectValue)
        #expect(state["chargedCumulativeAmount"] == .string(String(buyer.charged)))
        let voucherState = try #require(corrective.accepts[0].extra["voucherState"]?.objectValue)
        guard case .string(let sigHex)? = voucherState["signature"], case .string(let signedText)? = voucherState["signedMaxClaimable"],
              let signed = UInt128(signedText) else { Issue.record("no voucherState"); return }
        let digest = Voucher(channelId: buyer.channelId, maxClaimableAmount: signed).digest(chainId: 84532)
        #expect(try Signature(hex: sigHex).recoverAddress(digest: digest) == buyer.key.address)

        // Malformed payment headers: a 402, never the upstream, never a 5xx, no state change.
        let upstreamCalls = stack.upstream.requests.count
        for garbage in ["%%%", String(repeating: "A", count: 100_000), Data("{\"x402Version\":2}".utf8).base64EncodedString(),
                        Data("not json".utf8).base64EncodedString()] {
            let answer = try await TestBuyer.get(url + "/weather", headers: [("PAYMENT-SIGNATURE", garbage)])
            // Headers past the HTTP parser's limit are refused before routing (400); the rest are no payment (402).
            let expected: Set<UInt> = garbage.count > 65_536 ? [400, 431] : [402]
            #expect(expected.contains(answer.status), "garbage header of \(garbage.count) bytes answered \(answer.status)")
        }
        #expect(stack.upstream.requests.count == upstreamCalls)

        // Top-up: a second deposit on the open channel.
        let topUp = try await buyer.pay(url + "/weather", try await buyer.depositPayload(5000, rpc: stack.rpc))
        #expect(topUp.status == 200 && topUp.paymentResponse?.amount == "5000")
        #expect(try await stack.onchainChannel(buyer.config).balance == 15_000)
        #expect(buyer.charged == 8500)

        // The other `v`: the seller checks a payer whose key it knows by verification, which does not see `v`, so it
        // serves; the claim below must send the `v` that recovers the payer, or the contract refuses it.
        #expect(try await buyer.pay(url + "/weather", buyer.voucherPayload(otherV: true)).status == 200)
        #expect(buyer.charged == 9500)

        // The operator claims and settles from the command line (the file storage is one process's: stop the
        // seller first, without its shutdown flush); the chain holds exactly the charges.
        stack.seller?.kill9()
        let claim = try stack.channels(["claim"])
        #expect(claim.status == 0, "\(claim.output)")
        #expect(try await stack.onchainChannel(buyer.config).totalClaimed == buyer.charged)
        let settle = try stack.channels(["settle"])
        #expect(settle.status == 0, "\(settle.output)")
        #expect(try await stack.tokenBalance(stack.payTo) == UInt256(buyer.charged))
        let list = try stack.channels(["list"])
        #expect(list.output.contains(buyer.channelId.hex))
    }

    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func concurrentBurstOnOneChannelChargesOnce() async throws {
        let stack = try await SellerStack(receiverSeed: 102, slowSeconds: 0.5)
        defer { stack.cleanup() }
        let url = try stack.startSeller().url
        let buyer = try await TestBuyer(url: url + "/slow", salt: uniqueSalt(102))
        #expect(try await buyer.pay(url + "/slow", try await buyer.depositPayload(10_000, rpc: stack.rpc)).status == 200)
        let header = buyer.header(buyer.voucherPayload())
        let answers = try await withThrowingTaskGroup(of: PaidAnswer.self) { group in
            for _ in 0..<8 { group.addTask { try await TestBuyer.get(url + "/slow", headers: [("PAYMENT-SIGNATURE", header)]) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.filter { $0.status == 200 }.count == 1)
        for refused in answers where refused.status != 200 {
            #expect(refused.status == 402)
            let error = refused.paymentRequired?.error
            #expect(error == "invalid_batch_settlement_evm_channel_busy" || error == "invalid_batch_settlement_evm_cumulative_amount_mismatch",
                    "\(error ?? "nil")")
        }
        #expect(answers.filter { $0.paymentRequired?.error == "invalid_batch_settlement_evm_channel_busy" }.count >= 1)
        // Charged exactly twice in all: the deposit request and one of the burst. SIGTERM flushes the claims.
        #expect(stack.seller?.terminate() == 0)
        #expect(try await stack.onchainChannel(buyer.config).totalClaimed == 2000)
    }

    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func killedSellerClaimsEveryAcceptedVoucherAfterRestart() async throws {
        var storages = ["file"]
        if ProcessInfo.processInfo.environment["X402_DATABASE_URL"] != nil { storages.append("postgres") }
        for (index, kind) in storages.enumerated() {
            let stack = try await SellerStack(receiverSeed: 103 + UInt64(index))
            defer { stack.cleanup() }
            let storage = kind == "file" ? "file:\(stack.directory)/seller"
                : "postgres:" + ProcessInfo.processInfo.environment["X402_DATABASE_URL"]!
            var url = try stack.startSeller(storage: storage).url
            let buyer = try await TestBuyer(url: url + "/weather", salt: uniqueSalt(103 + UInt64(index)))
            #expect(try await buyer.pay(url + "/weather", try await buyer.depositPayload(20_000, rpc: stack.rpc)).status == 200)
            for _ in 0..<6 { #expect(try await buyer.pay(url + "/weather", buyer.voucherPayload()).status == 200) }
            // Every acknowledged voucher is durable: SIGKILL, no flush.
            stack.seller?.kill9()
            #expect(try await stack.onchainChannel(buyer.config).totalClaimed == 0)
            // Restarted on the concurrency pool (x402 serve runs on NIO's event loops by default): same answers.
            url = try stack.startSeller(storage: storage, extra: ["--no-event-loop-executor"]).url
            // The restarted seller knows the channel: the next voucher builds on the charged total.
            #expect(try await buyer.pay(url + "/weather", buyer.voucherPayload()).status == 200, "\(kind)")
            stack.seller?.kill9()
            let claim = try stack.channels(["claim"], storage: storage)
            #expect(claim.status == 0, "\(kind): \(claim.output)")
            #expect(try await stack.onchainChannel(buyer.config).totalClaimed == buyer.charged, "\(kind)")
            #expect(buyer.charged == 8000)
        }
    }

    @Test(.enabled(if: FacilitatorProcess.isAvailable && ProcessInfo.processInfo.environment["X402_DATABASE_URL"] != nil,
                   "needs the x402 binary and X402_DATABASE_URL"))
    func twoSellerInstancesShareOnePostgresDatabase() async throws {
        let stack = try await SellerStack(receiverSeed: 106)
        defer { stack.cleanup() }
        let storage = "postgres:" + ProcessInfo.processInfo.environment["X402_DATABASE_URL"]!
        let a = try stack.startSeller(storage: storage)
        let b = try stack.startSeller(storage: storage)
        defer { a.kill9() }
        let urls = [a.url, b.url]
        let keys = [Devnet.accounts[3].privateKey, Devnet.accounts[2].privateKey]
        if try await stack.tokenBalance(keys[1].address) < UInt256(1_000_000) {
            _ = try await stack.rpc.request("devnet_mint", [.string(Devnet.testUSDC.lowercased), .string(keys[1].address.lowercased),
                                                            .string("0xe8d4a51000")])
        }
        // Four channels, each paying through both instances in turn, all at once.
        let charged = try await withThrowingTaskGroup(of: (ChannelConfig, UInt128, Int).self) { group in
            for n in 0..<4 {
                group.addTask {
                    let buyer = try await TestBuyer(url: urls[n % 2] + "/weather", key: keys[n % 2], salt: uniqueSalt(106) &+ UInt64(n) << 40)
                    var ok = 0
                    if try await buyer.pay(urls[n % 2] + "/weather", try await buyer.depositPayload(10_000, rpc: stack.rpc)).status == 200 { ok += 1 }
                    for i in 0..<6 where try await buyer.pay(urls[i % 2] + "/weather", buyer.voucherPayload()).status == 200 { ok += 1 }
                    return (buyer.config, buyer.charged, ok)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(charged.allSatisfy { $0.2 == 7 }, "\(charged.map(\.2))")
        a.kill9()
        b.kill9()
        #expect(try stack.channels(["claim"], storage: storage).status == 0)
        for (config, total, _) in charged {
            #expect(try await stack.onchainChannel(config).totalClaimed == total)
        }
        #expect(try await stack.receiverTotals().totalClaimed == charged.reduce(0) { $0 + $1.1 })
    }

    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func payerWithdrawalIsAnsweredByAClaim() async throws {
        let stack = try await SellerStack(receiverSeed: 107)
        defer { stack.cleanup() }
        let url = try stack.startSeller(extra: ["--rpc-url", stack.rpcURL, "--withdrawal-poll-interval", "1"]).url
        let buyer = try await TestBuyer(url: url + "/weather", salt: uniqueSalt(107))
        #expect(try await buyer.pay(url + "/weather", try await buyer.depositPayload(10_000, rpc: stack.rpc)).status == 200)
        for _ in 0..<3 { #expect(try await buyer.pay(url + "/weather", buyer.voucherPayload()).status == 200) }
        // The payer starts the timed withdrawal of everything.
        let nonce = try await stack.rpc.getTransactionCount(buyer.key.address, block: .pending)
        let tx = LegacyTransaction(chainId: 84532, nonce: nonce, gasPrice: try await stack.rpc.gasPrice(), gasLimit: 3_000_000,
                                   to: BatchSettlement.settlementAddress,
                                   data: try BatchSettlementCalldata.initiateWithdraw(config: buyer.config, amount: 10_000))
        let receipt = try await stack.rpc.waitForTransactionReceipt(try await stack.rpc.sendRawTransaction(tx.signed(with: buyer.key).raw))
        #expect(receipt.succeeded)
        // The seller's watcher claims the charged vouchers long before the delay ends (no claim timer runs).
        var claimed: UInt128 = 0
        for _ in 0..<60 where claimed < buyer.charged {
            try await Task.sleep(for: .milliseconds(500))
            claimed = try await stack.onchainChannel(buyer.config).totalClaimed
        }
        #expect(claimed == buyer.charged)
        #expect(buyer.charged == 4000)
    }

    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func cooperativeRefundThroughTheSeller() async throws {
        let stack = try await SellerStack(receiverSeed: 108)
        defer { stack.cleanup() }
        let url = try stack.startSeller().url
        let buyer = try await TestBuyer(url: url + "/weather", salt: uniqueSalt(108))
        #expect(try await buyer.pay(url + "/weather", try await buyer.depositPayload(10_000, rpc: stack.rpc)).status == 200)
        #expect(try await buyer.pay(url + "/weather", buyer.voucherPayload()).status == 200)
        let before = try await stack.tokenBalance(buyer.key.address)
        let partial = BatchSettlementPayload.refund(RefundPayload(channelConfig: buyer.config, voucher: buyer.voucher(buyer.charged), amount: "3000"))
        let answer = try await buyer.pay(url + "/weather", partial)
        #expect(answer.status == 200 && String(decoding: answer.body, as: UTF8.self).contains("Refund acknowledged"))
        #expect(answer.paymentResponse?.amount == "3000")
        #expect(try await stack.tokenBalance(buyer.key.address) == before + 3000)
        let onchain = try await stack.onchainChannel(buyer.config)
        #expect(onchain.balance == 7000 && onchain.totalClaimed == 2000)
        // The full remainder next.
        let full = BatchSettlementPayload.refund(RefundPayload(channelConfig: buyer.config, voucher: buyer.voucher(buyer.charged)))
        #expect(try await buyer.pay(url + "/weather", full).paymentResponse?.amount == "5000")
        #expect(try await stack.tokenBalance(buyer.key.address) == before + 8000)
    }

    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func delegatedSellerFromAConfigFileClaimsWithItsAPIKey() async throws {
        let stack = try await SellerStack(receiverSeed: 109, sellerSecret: "shop-secret")
        defer { stack.cleanup() }
        let config = stack.directory + "/serve.json"
        try Data("""
            {"upstream": "\(stack.upstream.url)", "payTo": "\(stack.payTo.checksummed)", "network": "eip155:84532",
             "facilitator": "\(stack.facilitator.url)",
             "routes": [{"route": "GET /weather", "price": "$0.002", "description": "Weather", "mimeType": "application/json"}]}
            """.utf8).write(to: URL(fileURLWithPath: config))
        let seller = try ListeningProcess(
            ["serve", "--config", config, "--port", "0", "--storage", "file:\(stack.directory)/seller", "--claim-interval", "0",
             "--settle-interval", "0"],
            environment: ["X402_FACILITATOR_API_KEY": "shop-secret"])
        stack.seller = seller
        let buyer = try await TestBuyer(url: seller.url + "/weather", salt: uniqueSalt(109))
        // No own key: the channel's receiverAuthorizer is the facilitator's.
        #expect(buyer.requirement.extra["receiverAuthorizer"] == .string(Devnet.accounts[6].address.checksummed))
        #expect(buyer.requirement.amount == "2000")
        #expect(try await TestBuyer.get(seller.url + "/weather").paymentRequired?.resource?.description == "Weather")
        #expect(try await buyer.pay(seller.url + "/weather", try await buyer.depositPayload(20_000, rpc: stack.rpc)).status == 200)
        for _ in 0..<3 { #expect(try await buyer.pay(seller.url + "/weather", buyer.voucherPayload()).status == 200) }
        seller.kill9()
        // Another seller's key (or none) gets no claim signed; the shop's own key does.
        let refused = try stack.channels(["claim"], ownKey: false, environment: ["X402_FACILITATOR_API_KEY": "not-the-shop"])
        #expect(refused.status != 0 && refused.output.contains("failed"), "\(refused.output)")
        #expect(try await stack.onchainChannel(buyer.config).totalClaimed == 0)
        let claimed = try stack.channels(["claim"], ownKey: false, environment: ["X402_FACILITATOR_API_KEY": "shop-secret"])
        #expect(claimed.status == 0, "\(claimed.output)")
        #expect(try await stack.onchainChannel(buyer.config).totalClaimed == 8000)
        #expect(try stack.channels(["settle"], ownKey: false, environment: ["X402_FACILITATOR_API_KEY": "shop-secret"]).status == 0)
        #expect(try await stack.tokenBalance(stack.payTo) == UInt256(8000))
    }
}
