import X402EVM

/// One JSON-RPC method call with its typed result decoder.
///
/// Send it alone with ``RPCClient/send(_:)`` or together with others in one HTTP request with
/// `RPCClient.batch`.
public struct RPCCall<Output: Sendable>: Sendable {
    /// The JSON-RPC method name.
    public let method: String
    /// The positional parameters, serialised in order (objects keep their key order).
    public let params: [JSONValue]
    let decode: @Sendable (JSONValue) throws(RPCError) -> Output

    /// A call with a custom result decoder.
    public init(method: String, params: [JSONValue], decode: @escaping @Sendable (JSONValue) throws(RPCError) -> Output) {
        self.method = method
        self.params = params
        self.decode = decode
    }

    /// Decodes a `result` value as this call's output.
    public func decodeResult(_ result: JSONValue) throws(RPCError) -> Output { try decode(result) }
}

extension RPCCall where Output == JSONValue {
    /// Any method, with the raw JSON result.
    public static func raw(_ method: String, _ params: [JSONValue] = []) -> RPCCall<JSONValue> {
        RPCCall(method: method, params: params) { $0 }
    }
}

// Result decoders shared by the calls below.
private func quantity64(_ v: JSONValue) throws(RPCError) -> UInt64 { try v.quantity64("result") }
private func quantity(_ v: JSONValue) throws(RPCError) -> UInt256 { try v.quantity("result") }
private func bytes(_ v: JSONValue) throws(RPCError) -> [UInt8] { try v.data("result") }
private func hash(_ v: JSONValue) throws(RPCError) -> Bytes32 { try v.bytes32("result") }
private func address(_ a: Address) -> JSONValue { .string(a.lowercased) }
private func quantity(_ n: UInt64) -> JSONValue { .string(UInt256(n).hexQuantity) }
/// A JSON number for a `Double` (shortest round-trip digits); JSON has no NaN or infinity, so those are `null`.
private func number(_ d: Double) -> JSONValue {
    guard d.isFinite, let n = try? JSONNumber(d.description) else { return .null }
    return .number(n)
}

extension RPCCall where Output == UInt64 {
    /// `eth_chainId`.
    public static var chainId: Self { .init(method: "eth_chainId", params: [], decode: quantity64) }
    /// `eth_blockNumber`.
    public static var blockNumber: Self { .init(method: "eth_blockNumber", params: [], decode: quantity64) }
    /// `eth_estimateGas`. Reverts surface as ``RPCError/server(_:)`` with ``JSONRPCError/revertData``.
    public static func estimateGas(_ call: CallRequest, block: BlockTag? = nil) -> Self {
        // The block parameter is optional and some nodes reject it; send it only when asked.
        .init(method: "eth_estimateGas", params: [call.jsonValue] + (block.map { [$0.jsonValue] } ?? []), decode: quantity64)
    }
    /// `eth_getTransactionCount` (the account nonce; use `.pending` to count queued transactions).
    public static func getTransactionCount(_ account: Address, block: BlockTag = .latest) -> Self {
        .init(method: "eth_getTransactionCount", params: [address(account), block.jsonValue], decode: quantity64)
    }
}

extension RPCCall where Output == UInt256 {
    /// `eth_gasPrice`.
    public static var gasPrice: Self { .init(method: "eth_gasPrice", params: [], decode: quantity) }
    /// `eth_maxPriorityFeePerGas`.
    public static var maxPriorityFeePerGas: Self { .init(method: "eth_maxPriorityFeePerGas", params: [], decode: quantity) }
    /// `eth_getBalance` in wei.
    public static func getBalance(_ account: Address, block: BlockTag = .latest) -> Self {
        .init(method: "eth_getBalance", params: [address(account), block.jsonValue], decode: quantity)
    }
}

extension RPCCall where Output == [UInt8] {
    /// `eth_call`: the return data. Reverts surface as ``RPCError/server(_:)`` with ``JSONRPCError/revertData``.
    public static func call(_ call: CallRequest, block: BlockTag = .latest) -> Self {
        .init(method: "eth_call", params: [call.jsonValue, block.jsonValue], decode: bytes)
    }
    /// `eth_getCode`: runtime bytecode (empty for accounts without code).
    public static func getCode(_ account: Address, block: BlockTag = .latest) -> Self {
        .init(method: "eth_getCode", params: [address(account), block.jsonValue], decode: bytes)
    }
}

extension RPCCall where Output == Bytes32 {
    /// `eth_sendRawTransaction`: the transaction hash.
    public static func sendRawTransaction(_ raw: [UInt8]) -> Self {
        .init(method: "eth_sendRawTransaction", params: [.string(Hex.encode(raw))], decode: hash)
    }
    /// `eth_getStorageAt`: one storage word.
    public static func getStorageAt(_ account: Address, slot: UInt256, block: BlockTag = .latest) -> Self {
        .init(method: "eth_getStorageAt", params: [address(account), .string(slot.hexQuantity), block.jsonValue]) { v throws(RPCError) in
            // Nodes return the full 32-byte word, but accept a shorter big-endian quantity too.
            let bytes = try v.data("result")
            guard bytes.count <= 32 else { throw .invalidResult(field: "result", reason: "storage word longer than 32 bytes") }
            do {
                return try Bytes32([UInt8](repeating: 0, count: 32 - bytes.count) + bytes)
            } catch {
                throw .invalidResult(field: "result", reason: "\(error)")
            }
        }
    }
}

extension RPCCall where Output == TransactionReceipt? {
    /// `eth_getTransactionReceipt`: nil while the transaction is pending or unknown.
    public static func getTransactionReceipt(_ hash: Bytes32) -> Self {
        .init(method: "eth_getTransactionReceipt", params: [.string(hash.hex)]) { v throws(RPCError) in
            v == .null ? nil : try TransactionReceipt(json: v)
        }
    }
}

extension RPCCall where Output == TransactionInfo? {
    /// `eth_getTransactionByHash`: nil when unknown.
    public static func getTransactionByHash(_ hash: Bytes32) -> Self {
        .init(method: "eth_getTransactionByHash", params: [.string(hash.hex)]) { v throws(RPCError) in
            v == .null ? nil : try TransactionInfo(json: v)
        }
    }
}

extension RPCCall where Output == Block? {
    /// `eth_getBlockByNumber` without transaction bodies: nil when the block does not exist.
    public static func getBlockByNumber(_ block: BlockTag) -> Self {
        .init(method: "eth_getBlockByNumber", params: [block.jsonValue, .bool(false)]) { v throws(RPCError) in
            v == .null ? nil : try Block(json: v)
        }
    }
}

extension RPCCall where Output == [Log] {
    /// `eth_getLogs`.
    public static func getLogs(_ filter: LogFilter) -> Self {
        .init(method: "eth_getLogs", params: [filter.jsonValue]) { v throws(RPCError) in
            try v.array("result").map { (l) throws(RPCError) in try Log(json: l) }
        }
    }
}

extension RPCCall where Output == FeeHistory {
    /// `eth_feeHistory` over `blockCount` blocks ending at `newestBlock`, with priority-fee percentiles.
    public static func feeHistory(blockCount: UInt64, newestBlock: BlockTag = .latest, rewardPercentiles: [Double] = []) -> Self {
        .init(
            method: "eth_feeHistory",
            params: [quantity(blockCount), newestBlock.jsonValue, .array(rewardPercentiles.map(number))]
        ) { v throws(RPCError) in try FeeHistory(json: v) }
    }
}
