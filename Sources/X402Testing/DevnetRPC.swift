import X402EVM
import X402EVMRPC

// Test-only node helpers (anvil / hardhat names, served by the project devnet). Real networks answer
// these with "method not found"; nothing else in this module depends on them.
extension RPCClient {
    /// `evm_increaseTime`: the next block is at least `seconds` after the latest one.
    public func devnetIncreaseTime(seconds: UInt64) async throws(RPCError) {
        try await send(.void("evm_increaseTime", [.integer(Int64(clamping: seconds))]))
    }

    /// `evm_setNextBlockTimestamp`: the next block gets exactly this Unix timestamp.
    public func devnetSetNextBlockTimestamp(_ timestamp: UInt64) async throws(RPCError) {
        try await send(.void("evm_setNextBlockTimestamp", [.integer(Int64(clamping: timestamp))]))
    }

    /// `evm_mine`: mines one block (at `timestamp` when given).
    public func devnetMine(timestamp: UInt64? = nil) async throws(RPCError) {
        try await send(.void("evm_mine", timestamp.map { [.integer(Int64(clamping: $0))] } ?? []))
    }

    /// `evm_snapshot`: an opaque id for ``devnetRevert(to:)``.
    public func devnetSnapshot() async throws(RPCError) -> DevnetSnapshot {
        try await send(RPCCall(method: "evm_snapshot", params: []) { v throws(RPCError) in DevnetSnapshot(id: v) })
    }

    /// `evm_revert`: restores a snapshot; false when the node no longer knows it.
    ///
    /// As on anvil, a snapshot is consumed by reverting to it; take a new one to revert again.
    @discardableResult
    public func devnetRevert(to snapshot: DevnetSnapshot) async throws(RPCError) -> Bool {
        try await send(RPCCall(method: "evm_revert", params: [snapshot.id]) { v throws(RPCError) in try v.bool("result") })
    }

    /// `anvil_setBalance` in wei.
    public func devnetSetBalance(_ account: Address, _ wei: UInt256) async throws(RPCError) {
        try await send(.void("anvil_setBalance", [.string(account.lowercased), .string(wei.hexQuantity)]))
    }

    /// `anvil_setCode`: replaces the runtime bytecode at `account`.
    public func devnetSetCode(_ account: Address, _ code: [UInt8]) async throws(RPCError) {
        try await send(.void("anvil_setCode", [.string(account.lowercased), .string(Hex.encode(code))]))
    }

    /// `anvil_setStorageAt`: writes one storage word.
    public func devnetSetStorageAt(_ account: Address, slot: UInt256, value: Bytes32) async throws(RPCError) {
        try await send(.void("anvil_setStorageAt", [.string(account.lowercased), .string(slot.hexQuantity), .string(value.hex)]))
    }

    /// `anvil_setNonce`.
    public func devnetSetNonce(_ account: Address, _ nonce: UInt64) async throws(RPCError) {
        try await send(.void("anvil_setNonce", [.string(account.lowercased), .string(UInt256(nonce).hexQuantity)]))
    }
}

/// An `evm_snapshot` id, passed back verbatim to `evm_revert`.
public struct DevnetSnapshot: Sendable, Hashable {
    /// The id exactly as the node returned it (usually a hex quantity string).
    public let id: RPCJSONValue
}
