import Synchronization
import Testing
import X402BatchSettlement
import X402BatchSettlementClient
import X402Core
import X402EVM
import X402EVMRPC

/// Answers `eth_call` with `channels(channelId)` = (balance, totalClaimed) and records the call.
final class ChannelsTransport: JSONRPCTransport {
    let calls = Mutex<[JSONValue]>([])
    let balance: UInt128, totalClaimed: UInt128
    init(balance: UInt128, totalClaimed: UInt128) { self.balance = balance; self.totalClaimed = totalClaimed }

    func roundTrip(_ body: [UInt8]) async throws(RPCError) -> [UInt8] {
        guard let request = try? JSONParser.parse(body) else { throw .transport("bad JSON") }
        calls.withLock { $0.append(request) }
        let result = Hex.encode(UInt256(balance).word.bytes + UInt256(totalClaimed).word.bytes)
        return JSONSerializer.serialize(["jsonrpc": "2.0", "id": request["id"] ?? .null, "result": .string(result)])
    }
}

@Suite struct ChainReaderTests {
    @Test func rpcReaderCallsChannelsOnTheSettlementContract() async throws {
        let transport = ChannelsTransport(balance: 10_000, totalClaimed: 2500)
        let reader = RPCChannelChainReader(rpc: RPCClient(transport: transport), network: Seller.network)
        let id = Bytes32(7, 7, 7, 7)
        #expect(try await reader.channel(id, network: Seller.network) == OnchainChannel(balance: 10_000, totalClaimed: 2500))
        let call = try #require(transport.calls.withLock { $0.first })
        #expect(call["method"] == "eth_call")
        #expect(call["params"]?.arrayValue?.first?["to"]?.stringValue?.lowercased() == BatchSettlement.settlementAddress.checksummed.lowercased())
        #expect(call["params"]?.arrayValue?.first?["data"]?.stringValue == Hex.encode(try BatchSettlementCalldata.channels(channelId: id)))
        await #expect(throws: BatchSettlementClientError.self) { _ = try await reader.channel(id, network: "eip155:8453") }

        // As the scheme's reader: recovery picks up charged 2500 → voucher 3500.
        let client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), chainReader: reader)
        #expect(try await client.payload(for: requirement()).voucher?.maxClaimableAmount.value == 3500)
    }

    /// The token reads of gas sponsoring: `allowance(owner, spender)` and `nonces(owner)` go to the token itself.
    @Test func rpcReaderReadsAllowanceAndPermitNonceFromTheToken() async throws {
        let transport = ChannelsTransport(balance: 42, totalClaimed: 0)
        let reader = RPCChannelChainReader(rpc: RPCClient(transport: transport), network: Seller.network)
        let owner = Keys.wallet.address
        #expect(try await reader.allowance(token: Seller.usdc, owner: owner, spender: BatchSettlement.permit2Address,
                                           network: Seller.network) == 42)
        #expect(try await reader.permitNonce(token: Seller.usdc, owner: owner, network: Seller.network) == 42)
        let calls = transport.calls.withLock { $0 }.compactMap { $0["params"]?.arrayValue?.first }
        #expect(calls.map { $0["to"]?.stringValue?.lowercased() } == Array(repeating: Seller.usdc.checksummed.lowercased(), count: 2))
        #expect(calls.map { $0["data"]?.stringValue } == [
            Hex.encode(try BatchSettlementCalldata.allowance(owner: owner, spender: BatchSettlement.permit2Address)),
            Hex.encode(try BatchSettlementCalldata.nonces(owner: owner)),
        ])
        await #expect(throws: BatchSettlementClientError.self) {
            _ = try await reader.permitNonce(token: Seller.usdc, owner: owner, network: "eip155:8453")
        }
        // A reader that only reads channels: the token reads are refused, typed.
        await #expect(throws: BatchSettlementClientError.self) {
            _ = try await FakeChainReader().permitNonce(token: Seller.usdc, owner: owner, network: Seller.network)
        }
    }
}
