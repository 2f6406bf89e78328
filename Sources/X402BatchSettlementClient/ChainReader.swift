import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRPC

/// Reads a channel's on-chain `channels(channelId)` (balance and totalClaimed), for recovery when local state is
/// missing and for corrective 402s (protocol.md B.15.2, B.15.5).
public protocol ChannelChainReader: Sendable {
    /// `channels(channelId)` of the settlement contract on `network`.
    func channel(_ channelId: Bytes32, network: Network) async throws -> OnchainChannel
}

/// A ``ChannelChainReader`` over one JSON-RPC endpoint (`eth_call` to the settlement contract).
public struct RPCChannelChainReader: ChannelChainReader {
    /// The node client.
    public let rpc: RPCClient
    /// The chain the node serves; other networks are refused.
    public let network: Network
    /// The settlement contract (the canonical CREATE2 address by default).
    public let settlement: Address

    /// A reader for `network` through `rpc`.
    public init(rpc: RPCClient, network: Network, settlement: Address = BatchSettlement.settlementAddress) {
        self.rpc = rpc
        self.network = network
        self.settlement = settlement
    }

    /// Calls `channels(channelId)` and decodes `(balance, totalClaimed)`.
    public func channel(_ channelId: Bytes32, network: Network) async throws -> OnchainChannel {
        guard network == self.network else {
            throw BatchSettlementClientError.invalidRequirements("the chain reader serves \(self.network), not \(network)")
        }
        let data = try BatchSettlementCalldata.channels(channelId: channelId)
        let result = try await rpc.call(CallRequest(to: settlement, data: data))
        return try BatchSettlementCalldata.decodeChannel(result)
    }
}

extension RPCChannelChainReader {
    /// A clock (unix seconds) that never runs behind the chain: the wall clock plus how far the node's head block was
    /// ahead of it when read. Authorization deadlines (ERC-3009 `validBefore`, Permit2 `deadline`) are checked against
    /// block time, so a node whose clock leads (a devnet after a time warp) would otherwise see them as expired.
    public func chainAlignedClock() async throws -> @Sendable () -> UInt64 {
        let wall = BatchSettlementClientScheme.systemSeconds()
        guard let head = try await rpc.getBlockByNumber(.latest) else { return BatchSettlementClientScheme.systemSeconds }
        let lead = head.timestamp > wall ? head.timestamp - wall : 0
        return { BatchSettlementClientScheme.systemSeconds() &+ lead }
    }
}
