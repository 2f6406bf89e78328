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

    @Test(.enabled(if: FacilitatorProcess.isAvailable && ProcessInfo.processInfo.environment["X402_DATABASE_URL"] != nil,
                   "needs the x402 binary and X402_DATABASE_URL"))
    func twoInstancesShareOneRelayerKeyThroughPostgres() async throws {
        let f = try await FacilitatorFixture()
        let database = try #require(ProcessInfo.processInfo.environment["X402_DATABASE_URL"])
        let relayerKey = Devnet.accounts[7]
        let env = ["X402_DATABASE_URL": database, "X402_RELAYER_KEYS": relayerKey.privateKeyHex]
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
