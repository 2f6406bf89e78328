import Foundation
import Testing
import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRPC
import X402EVMRelayer
import X402Testing

extension DevnetIntegrationTests {
    @Test func refusedTransactionGivesItsNonceBack() async throws {
        let rpc = try await TestDevnet.client()
        let key = try PrivateKey(hex: "0x" + String(repeating: "3c", count: 31) + String(format: "%02x", UInt8(WallClock.millis() % 200 + 1)))
        let journal = InMemoryTransactionJournal()
        let relayer = Relayer(rpc: rpc, keys: [key], journal: journal, configuration: RelayerConfiguration(chainId: 84532))
        let target = scratchAddress(300)
        // No ETH: the node refuses the transaction; its nonce goes back to the pool.
        let request = RelayRequest(key: "test:refused:\(key.address.lowercased)", purpose: "test", to: target, data: [], gasLimit: 21_000)
        await #expect(throws: RelayerError.self) { try await relayer.submit(request) }
        let refused = try #require(try await journal.entry(key: request.key))
        #expect(refused.status == .rejected && refused.nonce == 0)
        #expect(try await journal.releasedNonceCount(network: "eip155:84532", relayer: key.address) == 1)
        // Funded, the same operation goes through as a second attempt with the same nonce.
        try await rpc.devnetSetBalance(key.address, UInt256(1_000_000_000_000_000_000))
        guard case .mined(let entry, let receipt, let replayed) = try await relayer.submit(request) else {
            Issue.record("not mined")
            return
        }
        #expect(receipt.succeeded && !replayed && entry.nonce == 0 && entry.key == request.key)  // same bytes: the refused attempt revived
        #expect(try await journal.releasedNonceCount(network: "eip155:84532", relayer: key.address) == 0)
        // Asked again: answered from the journal.
        guard case .mined(let again, _, let replayedAgain) = try await relayer.submit(request) else {
            Issue.record("not mined")
            return
        }
        #expect(replayedAgain && again.hash == entry.hash)
        #expect(try await rpc.getTransactionCount(key.address) == 1)
    }

    /// Two nonce holes under a waiting transaction: a nonce handed out whose transaction was never journaled (the
    /// process died in between) and a transaction the journal has as mined that this chain never saw. The recovery
    /// sweep notes them, fills them on its next pass, and everything behind them is mined.
    @Test func recoverySweepFillsNonceHoles() async throws {
        let rpc = try await TestDevnet.client()
        let key = try PrivateKey(hex: "0x" + String(repeating: "4d", count: 31) + String(format: "%02x", UInt8(WallClock.millis() % 200 + 1)))
        try await rpc.devnetSetBalance(key.address, UInt256(1_000_000_000_000_000_000))
        let start = try await rpc.getTransactionCount(key.address, block: .pending)
        let network = "eip155:84532"
        let journal = InMemoryTransactionJournal()
        let relayer = Relayer(rpc: rpc, keys: [key], journal: journal,
                              configuration: RelayerConfiguration(chainId: 84532, receiptTimeout: .seconds(1)))
        // `start`: handed out, never journaled.
        #expect(try await journal.allocateNonce(network: network, relayer: key.address, chainNonce: start) == start)
        // `start + 1`: journaled as mined, never broadcast.
        #expect(try await journal.allocateNonce(network: network, relayer: key.address, chainNonce: start) == start + 1)
        let baseFee = try #require(try await rpc.getBlockByNumber(.latest)?.baseFeePerGas)
        let lost = EIP1559Transaction(chainId: 84532, nonce: start + 1, maxPriorityFeePerGas: 1, maxFeePerGas: baseFee * 4 + 1,
                                      gasLimit: 21_000, to: scratchAddress(310), value: UInt256(7)).signed(with: key)
        _ = try await journal.insert(JournalEntry(key: "test:lost:\(key.address.lowercased)", network: network, relayer: key.address,
                                                  nonce: start + 1, hash: lost.hash, raw: lost.raw, purpose: "test", context: [:],
                                                  createdAt: WallClock.millis()))
        try await journal.update(key: "test:lost:\(key.address.lowercased)", JournalUpdate(status: .confirmed))
        // Behind both: a new operation waits.
        let request = RelayRequest(key: "test:behind:\(key.address.lowercased)", purpose: "test", to: scratchAddress(311), data: [],
                                   gasLimit: 21_000)
        guard case .pending(let waiting) = try await relayer.submit(request) else {
            Issue.record("mined across two nonce holes")
            return
        }
        #expect(waiting.nonce == start + 2)
        // The first sweep only notes the holes (they could be sends in progress); the second fills them.
        await relayer.resumeUnfinished()
        #expect(try await rpc.getTransactionCount(key.address) == start)
        await relayer.resumeUnfinished()
        #expect(try await rpc.getTransactionCount(key.address) == start + 3)
        #expect(try await journal.entry(key: request.key)?.status == .confirmed)
        let filler = try await journal.entries(network: network, relayer: key.address, nonce: start)
        #expect(filler.map(\.purpose) == ["nonce-filler"])
        #expect(try await rpc.getTransactionReceipt(filler[0].hash)?.succeeded == true)
        #expect(try await rpc.getTransactionReceipt(lost.hash)?.succeeded == true)
        #expect(try await rpc.getBalance(scratchAddress(310)) >= UInt256(7))
        // Nothing left to fill: a third sweep sends nothing.
        await relayer.resumeUnfinished()
        #expect(try await rpc.getTransactionCount(key.address) == start + 3)
    }

    @Test(.enabled(if: FacilitatorProcess.isAvailable && ProcessInfo.processInfo.environment["X402_DATABASE_URL"] != nil,
                   "needs the x402 binary and X402_DATABASE_URL"))
    func twoInstancesShareOneRelayerKeyThroughPostgres() async throws {
        let f = try await FacilitatorFixture()
        let database = try #require(ProcessInfo.processInfo.environment["X402_DATABASE_URL"])
        // A key of its own, funded here: a database kept from a run against an earlier devnet holds nonces of the
        // dev accounts that this chain never counted.
        let keyHex = Keccak256.hash("relayer \(WallClock.millis()) \(UInt64.random(in: 0...UInt64.max))").hex
        let relayerKey = try PrivateKey(hex: keyHex)
        try await f.rpc.devnetSetBalance(relayerKey.address, UInt256(10_000_000_000_000_000_000))
        let env = ["X402_DATABASE_URL": database, "X402_RELAYER_KEYS": keyHex]
        let rpcURL = try await Devnet.shared().url
        let a = try FacilitatorProcess(rpcURL: rpcURL, dataDir: "/nonexistent", environment: env)
        defer { a.terminate() }
        let b = try FacilitatorProcess(rpcURL: rpcURL, dataDir: "/nonexistent", environment: env)
        defer { b.terminate() }
        let receiver = freshReceiver(90)
        let requirements = FacilitatorFixture.requirements(receiver: receiver)
        let before = try await f.validBefore()
        let nonceBefore = try await f.rpc.getTransactionCount(relayerKey.address)
        let base = uniqueSalt(90)
        let configs = (0..<10).map { FacilitatorFixture.channel(receiver: receiver, salt: base &+ UInt64($0) << 9) }
        let answers = try await withThrowingTaskGroup(of: SettleResponse.self) { group in
            for (i, config) in configs.enumerated() {
                let payload = FacilitatorFixture.payment(.deposit(FacilitatorFixture.depositPayload(
                    config, amount: 1500, max: 1000, validBefore: before, saltSeed: UInt64(i) + 10)), requirements)
                let body = try X402JSON.encode(FacilitatorRequest(paymentPayload: payload, paymentRequirements: requirements))
                let instance = i % 2 == 0 ? a : b
                group.addTask { try X402JSON.decode(SettleResponse.self, from: try await instance.post("/settle", body).1) }
            }
            return try await group.reduce(into: [SettleResponse]()) { $0.append($1) }
        }
        #expect(answers.allSatisfy { $0.success }, "\(answers.filter { !$0.success })")
        #expect(try await f.rpc.getTransactionCount(relayerKey.address) == nonceBefore + 10)
        for config in configs { #expect(try await f.onchainChannel(config).balance == 1500) }
    }
}
