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
