import X402EVM
import X402EVMRPC

// Test-only node helpers (anvil / hardhat names, served by the project devnet). Real networks answer
// these with "method not found". Built on X402EVMRPC's public API only (`RPCCall`, `JSONValue`).
extension RPCClient {
    /// `evm_increaseTime`: the next block is at least `seconds` after the latest one.
    public func devnetIncreaseTime(seconds: UInt64) async throws(RPCError) {
        try await send(.ignoringResult("evm_increaseTime", [.number(JSONNumber(seconds))]))
    }

    /// `evm_setNextBlockTimestamp`: the next block gets exactly this Unix timestamp.
    public func devnetSetNextBlockTimestamp(_ timestamp: UInt64) async throws(RPCError) {
        try await send(.ignoringResult("evm_setNextBlockTimestamp", [.number(JSONNumber(timestamp))]))
    }

    /// `evm_mine`: mines one block (at `timestamp` when given).
    public func devnetMine(timestamp: UInt64? = nil) async throws(RPCError) {
        try await send(.ignoringResult("evm_mine", timestamp.map { [.number(JSONNumber($0))] } ?? []))
    }

    /// `evm_snapshot`: an opaque id for ``devnetRevert(to:)``.
    public func devnetSnapshot() async throws(RPCError) -> DevnetSnapshot {
        try await send(RPCCall(method: "evm_snapshot", params: []) { v throws(RPCError) in
            guard v != .null else { throw .invalidResult(field: "result", reason: "missing snapshot id") }
            return DevnetSnapshot(id: v)
        })
    }

    /// `evm_revert`: restores a snapshot; false when the node no longer knows it.
    ///
    /// As on anvil, a snapshot is consumed by reverting to it; take a new one to revert again.
    @discardableResult
    public func devnetRevert(to snapshot: DevnetSnapshot) async throws(RPCError) -> Bool {
        try await send(RPCCall(method: "evm_revert", params: [snapshot.id]) { v throws(RPCError) in
            guard case .bool(let reverted) = v else { throw .invalidResult(field: "result", reason: "expected a boolean") }
            return reverted
        })
    }

    /// `anvil_setBalance` in wei.
    public func devnetSetBalance(_ account: Address, _ wei: UInt256) async throws(RPCError) {
        try await send(.ignoringResult("anvil_setBalance", [.string(account.lowercased), .string(wei.hexQuantity)]))
    }

    /// `anvil_setCode`: replaces the runtime bytecode at `account`.
    public func devnetSetCode(_ account: Address, _ code: [UInt8]) async throws(RPCError) {
        try await send(.ignoringResult("anvil_setCode", [.string(account.lowercased), .string(Hex.encode(code))]))
    }

    /// `anvil_setStorageAt`: writes one storage word.
    public func devnetSetStorageAt(_ account: Address, slot: UInt256, value: Bytes32) async throws(RPCError) {
        try await send(.ignoringResult("anvil_setStorageAt", [.string(account.lowercased), .string(slot.hexQuantity), .string(value.hex)]))
    }

    /// `anvil_setNonce`.
    public func devnetSetNonce(_ account: Address, _ nonce: UInt64) async throws(RPCError) {
        try await send(.ignoringResult("anvil_setNonce", [.string(account.lowercased), .string(UInt256(nonce).hexQuantity)]))
    }
}

extension RPCCall where Output == Void {
    /// A call whose result is ignored (devnet helpers answer `null` or `true`).
    static func ignoringResult(_ method: String, _ params: [JSONValue]) -> Self {
        RPCCall(method: method, params: params) { _ in }
    }
}

/// An `evm_snapshot` id, passed back verbatim to `evm_revert`.
public struct DevnetSnapshot: Sendable, Hashable {
    /// The id exactly as the node returned it (usually a hex quantity string).
    public let id: JSONValue

    public static func == (lhs: DevnetSnapshot, rhs: DevnetSnapshot) -> Bool { lhs.id == rhs.id }

    // `JSONValue` is not `Hashable`; string ids (the usual kind) hash by their bytes, as they compare.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(id.stringValue.map { Array($0.utf8) })
    }
}
