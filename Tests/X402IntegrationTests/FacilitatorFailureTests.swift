import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing
import X402BatchSettlement
import X402BatchSettlementFacilitator
import X402Core
import X402EVM
import X402EVMRPC
import X402EVMRelayer
import X402Testing

/// A JSON-RPC proxy in front of the devnet that can play a node going away: real sockets on both sides.
final class RPCProxy: Sendable {
    enum Mode: Sendable {
        /// Forward everything.
        case forward
        /// The node is gone: every connection is closed unanswered.
        case down
        /// Forward `eth_sendRawTransaction`, close without answering, then behave as `.down`.
        case dieAfterBroadcast
        /// Lose `eth_sendRawTransaction` requests (never forwarded, no answer); forward the rest.
        case loseBroadcasts
        /// Forward everything but answer every `eth_getTransactionReceipt` with `null` (not mined yet).
        case hideReceipts
    }

    final class ModeBox: Sendable {
        let value = Mutex(Mode.forward)
        func withLock<T>(_ body: (inout Mode) -> T) -> T { value.withLock { body(&$0) } }
    }

    let mode = ModeBox()
    let server: LoopbackHTTPServer

    init(upstream: String) throws {
        let mode = self.mode
        server = try LoopbackHTTPServer { request in
            let isBroadcast = String(decoding: request.body, as: UTF8.self).contains("eth_sendRawTransaction")
            let current = mode.withLock { $0 }
            switch current {
            case .down:
                return .init(body: [], drop: true)
            case .loseBroadcasts where isBroadcast:
                return .init(body: [], drop: true)
            case .hideReceipts where String(decoding: request.body, as: UTF8.self).contains("eth_getTransactionReceipt"):
                let id = (try? JSONParser.parse(request.body))?["id"] ?? .null
                return .init(body: JSONSerializer.serialize(["jsonrpc": "2.0", "id": id, "result": .null]))
            case .dieAfterBroadcast where isBroadcast:
                _ = RPCProxy.forward(request.body, to: upstream)
                mode.withLock { $0 = .down }
                return .init(body: [], drop: true)
            default:
                return .init(body: RPCProxy.forward(request.body, to: upstream) ?? [], drop: false)
            }
        }
    }

    var url: String { server.url }
    func set(_ mode: Mode) { self.mode.withLock { $0 = mode } }

    static func forward(_ body: [UInt8], to upstream: String) -> [UInt8]? {
        var request = URLRequest(url: URL(string: upstream)!)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let result = Mutex<[UInt8]?>(nil)
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, _, _ in
            result.withLock { $0 = data.map { Array($0) } }
            done.signal()
        }.resume()
        done.wait()
        return result.withLock { $0 }
    }
}

// Failures on the way: the node going away mid-flight, an expired authorization, a payer's timed withdrawal.
extension DevnetIntegrationTests {
    /// A facilitator whose node is behind `proxy`, with a short receipt timeout.
    private func proxiedFixture(_ proxy: RPCProxy, journal: any TransactionJournal) async throws -> FacilitatorFixture {
        var f = try await FacilitatorFixture(journal: journal, receiptTimeout: .milliseconds(1500))
        let rpc = RPCClient(url: proxy.url, timeout: .seconds(3))
        let relayer = Relayer(rpc: rpc, keys: [FacilitatorFixture.relayerKey], journal: journal,
                              configuration: RelayerConfiguration(chainId: 84532, receiptTimeout: .milliseconds(1500)))
        f = FacilitatorFixture(rpc: f.rpc, journal: journal, relayer: relayer,
                               facilitator: BatchSettlementFacilitator(relayer: relayer, configuration: f.facilitator.configuration))
        return f
    }

    @Test func nodeDiesAfterBroadcastThenRecovers() async throws {
        let upstream = try await FacilitatorFixture()
        let proxy = try RPCProxy(upstream: try await Devnet.shared().url)
        let journal = InMemoryTransactionJournal()
        let f = try await proxiedFixture(proxy, journal: journal)
        let receiver = freshReceiver(50)
        let config = FacilitatorFixture.channel(receiver: receiver, salt: uniqueSalt(50))
        let requirements = FacilitatorFixture.requirements(receiver: receiver)
        let payload = FacilitatorFixture.payment(.deposit(FacilitatorFixture.depositPayload(
            config, amount: 7000, max: 1000, validBefore: try await upstream.validBefore())), requirements)
        let relayer = FacilitatorFixture.relayerKey.address
        let nonceBefore = try await upstream.rpc.getTransactionCount(relayer)

        // The node takes the transaction and dies before answering: a clean "pending" with the hash.
        proxy.set(.dieAfterBroadcast)
        let pending = await f.registry.settle(payload, requirements: requirements)
        #expect(!pending.success && pending.errorReason == .settlementPending, "\(pending)")
        let hash = try Bytes32(hex: pending.transaction)
        // While it is down, another verify fails cleanly (no trap, a typed code).
        let down = await f.registry.verify(payload, requirements: requirements)
        #expect(!down.isValid && down.invalidReason != nil)

        // The node is back: the retry answers from the same transaction; nothing was sent twice.
        proxy.set(.forward)
        let recovered = await f.registry.settle(payload, requirements: requirements)
        #expect(recovered.success && recovered.transaction == pending.transaction, "\(recovered)")
        #expect(try await upstream.rpc.getTransactionCount(relayer) == nonceBefore + 1)
        #expect(try await upstream.onchainChannel(config).balance == 7000)
        #expect(try await journal.entry(hash: hash)?.status == .confirmed)
    }

    @Test func lostBroadcastIsResentBeforeTheNextNonce() async throws {
        let upstream = try await FacilitatorFixture()
        let proxy = try RPCProxy(upstream: try await Devnet.shared().url)
        let journal = InMemoryTransactionJournal()
        let f = try await proxiedFixture(proxy, journal: journal)
        let receiver = freshReceiver(51)
        let first = FacilitatorFixture.channel(receiver: receiver, salt: uniqueSalt(51))
        let second = FacilitatorFixture.channel(receiver: receiver, salt: uniqueSalt(52))
        let requirements = FacilitatorFixture.requirements(receiver: receiver)
        let before = try await upstream.validBefore()
        let firstPayload = FacilitatorFixture.payment(.deposit(FacilitatorFixture.depositPayload(first, amount: 3000, max: 1000,
                                                                                                 validBefore: before)), requirements)
        let secondPayload = FacilitatorFixture.payment(.deposit(FacilitatorFixture.depositPayload(second, amount: 4000, max: 1000,
                                                                                                  validBefore: before, saltSeed: 2)), requirements)
        let relayer = FacilitatorFixture.relayerKey.address
        let nonceBefore = try await upstream.rpc.getTransactionCount(relayer)

        // The broadcast never reaches the node; the answer is pending (the journal holds the bytes).
        proxy.set(.loseBroadcasts)
        let lost = await f.registry.settle(firstPayload, requirements: requirements)
        #expect(lost.errorReason == .settlementPending, "\(lost)")
        #expect(try await upstream.rpc.getTransactionCount(relayer, block: .pending) == nonceBefore)

        // The next operation first re-sends the stranded transaction, then uses the following nonce.
        proxy.set(.forward)
        let next = await f.registry.settle(secondPayload, requirements: requirements)
        #expect(next.success, "\(next)")
        #expect(try await upstream.onchainChannel(first).balance == 3000)
        #expect(try await upstream.onchainChannel(second).balance == 4000)
        #expect(try await upstream.rpc.getTransactionCount(relayer) == nonceBefore + 2)
        // And the first deposit's retry is answered from its transaction.
        let retried = await f.registry.settle(firstPayload, requirements: requirements)
        #expect(retried.success && retried.transaction == lost.transaction, "\(retried)")
    }

    @Test func expiredAuthorizationIsRefusedAtSettle() async throws {
        let f = try await FacilitatorFixture()
        let receiver = freshReceiver(60)
        let config = FacilitatorFixture.channel(receiver: receiver, salt: uniqueSalt(60))
        let requirements = FacilitatorFixture.requirements(receiver: receiver)
        let payload = FacilitatorFixture.payment(.deposit(FacilitatorFixture.depositPayload(
            config, amount: 5000, max: 1000, validBefore: WallClock.seconds() + 2)), requirements)
        let nonce = try await f.rpc.getTransactionCount(FacilitatorFixture.relayerKey.address)
        let response = await f.registry.settle(payload, requirements: requirements)
        #expect(!response.success && response.errorReason?.rawValue == "invalid_batch_settlement_evm_payload_authorization_valid_before")
        #expect(try await f.rpc.getTransactionCount(FacilitatorFixture.relayerKey.address) == nonce)
        #expect(try await f.onchainChannel(config).balance == 0)
    }

    @Test func payerWithdrawsAfterTheDelay() async throws {
        let f = try await FacilitatorFixture()
        let receiver = freshReceiver(70)
        let config = try await f.open(receiver: receiver, salt: uniqueSalt(70), amount: 6000)
        let payer = FacilitatorFixture.payerKey
        func send(_ data: [UInt8]) async throws -> TransactionReceipt {
            let nonce = try await f.rpc.getTransactionCount(payer.address, block: .pending)
            let tx = LegacyTransaction(chainId: 84532, nonce: nonce, gasPrice: try await f.rpc.gasPrice(), gasLimit: 3_000_000,
                                       to: BatchSettlement.settlementAddress, data: data)
            return try await f.rpc.waitForTransactionReceipt(try await f.rpc.sendRawTransaction(tx.signed(with: payer).raw))
        }
        #expect(try await send(try BatchSettlementCalldata.initiateWithdraw(config: config, amount: 6000)).succeeded)
        // Verify reports the pending withdrawal to the seller (its cue to claim now).
        let requirements = FacilitatorFixture.requirements(receiver: receiver)
        let v = FacilitatorFixture.voucher(config, 2000)
        let seen = await f.registry.verify(FacilitatorFixture.payment(.voucher(VoucherPayload(channelConfig: config, voucher: v)), requirements),
                                           requirements: requirements)
        #expect(seen.isValid && seen.extra?["withdrawRequestedAt"] != 0, "\(seen)")
        // Too early, then past the delay.
        #expect(try await send(try BatchSettlementCalldata.finalizeWithdraw(config: config)).succeeded == false)
        try await f.rpc.devnetIncreaseTime(seconds: 901)
        let before = try await f.tokenBalance(payer.address)
        #expect(try await send(try BatchSettlementCalldata.finalizeWithdraw(config: config)).succeeded)
        #expect(try await f.tokenBalance(payer.address) == before + 6000)
        #expect(try await f.onchainChannel(config).balance == 0)
        let after = await f.registry.verify(FacilitatorFixture.payment(.voucher(VoucherPayload(channelConfig: config, voucher: v)), requirements),
                                            requirements: requirements)
        #expect(after.invalidReason?.rawValue == "invalid_batch_settlement_evm_channel_not_found")
    }
}
