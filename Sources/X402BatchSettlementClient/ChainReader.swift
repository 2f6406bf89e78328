import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRPC

/// Reads a channel's on-chain `channels(channelId)` (balance and totalClaimed), for recovery when local state is
/// missing and for corrective 402s (protocol.md B.15.2, B.15.5), and the token state of EIP-2612 gas sponsoring.
public protocol ChannelChainReader: Sendable {
    /// `channels(channelId)` of the settlement contract on `network`.
    func channel(_ channelId: Bytes32, network: Network) async throws -> OnchainChannel

    /// ERC-20 `allowance(owner, spender)` of `token` on `network` (gas sponsoring reads the payer's Permit2 allowance).
    func allowance(token: Address, owner: Address, spender: Address, network: Network) async throws -> UInt256

    /// EIP-2612 `nonces(owner)` of `token` on `network` (the nonce an `eip2612GasSponsoring` permit signs).
    func permitNonce(token: Address, owner: Address, network: Network) async throws -> UInt256

    /// ERC-20 `balanceOf(owner)` of `token` on `network`, or nil when the reader cannot tell (a deposit is then
    /// signed without checking the wallet can fund it).
    func tokenBalance(token: Address, owner: Address, network: Network) async throws -> UInt256?
}

extension ChannelChainReader {
    /// Unsupported by default: throws ``BatchSettlementClientError/invalidConfiguration(_:)``.
    public func allowance(token: Address, owner: Address, spender: Address, network: Network) async throws -> UInt256 {
        throw BatchSettlementClientError.invalidConfiguration("\(Self.self) cannot read token allowances")
    }

    /// Unknown by default.
    public func tokenBalance(token: Address, owner: Address, network: Network) async throws -> UInt256? { nil }

    /// Unsupported by default: throws ``BatchSettlementClientError/invalidConfiguration(_:)``.
    public func permitNonce(token: Address, owner: Address, network: Network) async throws -> UInt256 {
        throw BatchSettlementClientError.invalidConfiguration("\(Self.self) cannot read EIP-2612 nonces")
    }
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
        try checkNetwork(network)
        let data = try BatchSettlementCalldata.channels(channelId: channelId)
        let result = try await rpc.call(CallRequest(to: settlement, data: data))
        return try BatchSettlementCalldata.decodeChannel(result)
    }

    /// Calls the token's `allowance(owner, spender)`.
    public func allowance(token: Address, owner: Address, spender: Address, network: Network) async throws -> UInt256 {
        try checkNetwork(network)
        let result = try await rpc.call(CallRequest(to: token, data: try BatchSettlementCalldata.allowance(owner: owner, spender: spender)))
        return try BatchSettlementCalldata.decodeUInt256(result)
    }

    /// Calls the token's `nonces(owner)`.
    public func permitNonce(token: Address, owner: Address, network: Network) async throws -> UInt256 {
        try checkNetwork(network)
        let result = try await rpc.call(CallRequest(to: token, data: try BatchSettlementCalldata.nonces(owner: owner)))
        return try BatchSettlementCalldata.decodeUInt256(result)
    }

    /// Calls the token's `balanceOf(owner)`.
    public func tokenBalance(token: Address, owner: Address, network: Network) async throws -> UInt256? {
        try checkNetwork(network)
        let result = try await rpc.call(CallRequest(to: token, data: try BatchSettlementCalldata.balanceOf(owner)))
        return try BatchSettlementCalldata.decodeUInt256(result)
    }

    private func checkNetwork(_ network: Network) throws(BatchSettlementClientError) {
        guard network == self.network else { throw .invalidRequirements("the chain reader serves \(self.network), not \(network)") }
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
