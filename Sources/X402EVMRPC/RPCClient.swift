import AsyncHTTPClient
import Synchronization
import X402EVM

/// An async JSON-RPC 2.0 client for EVM nodes (anvil, the project devnet, public testnet RPCs).
///
/// Results are parsed strictly into ``Address``, ``Bytes32``, ``UInt256`` and bytes; every failure is
/// an ``RPCError``. The client is `Sendable` and cheap to share: one instance per node URL is enough.
///
/// Lifecycle: the client owns no connections itself. With the default `HTTPClient.shared` nothing
/// needs shutting down; with an injected `HTTPClient`, shut that client down after its last use.
public final class RPCClient: Sendable {
    /// How request bodies reach the node.
    public let transport: any JSONRPCTransport
    private let ids = Atomic<UInt64>(1)

    /// A client over any transport (tests inject canned ones).
    public init(transport: any JSONRPCTransport) {
        self.transport = transport
    }

    /// A client for an HTTP(S) node URL; see ``HTTPTransport`` for the parameters.
    public convenience init(url: String, httpClient: HTTPClient = .shared, timeout: Duration = .seconds(30)) {
        self.init(transport: HTTPTransport(url: url, httpClient: httpClient, timeout: timeout))
    }

    private func nextID() -> UInt64 {
        // Kept below 2^63 so ids survive nodes that parse them as signed 64-bit.
        ids.wrappingAdd(1, ordering: .relaxed).oldValue & 0x7FFF_FFFF_FFFF_FFFF
    }

    // MARK: Sending

    /// Sends one call and decodes its result.
    public func send<Output>(_ call: RPCCall<Output>) async throws(RPCError) -> Output {
        let id = nextID()
        let body = Self.requestObject(id: id, method: call.method, params: call.params).serialized
        let response = try await transport.roundTrip(body)
        let json = try Self.parseBody(response)
        guard case .object = json else {
            throw .malformedResponse("expected a response object, got \(Self.snippet(response))")
        }
        return try call.decode(Self.unwrap(json, expectedID: id).get())
    }

    /// Sends any method and returns the raw JSON `result` (e.g. `net_version`).
    public func request(_ method: String, _ params: [RPCJSONValue] = []) async throws(RPCError) -> RPCJSONValue {
        try await send(.raw(method, params))
    }

    /// Sends calls of different result types in one HTTP request (a JSON-RPC batch).
    ///
    /// Responses are matched by id in any order. The outer error is for the batch as a whole
    /// (transport, malformed body, node rejected the batch); each entry has its own result.
    public func batch<each Output>(
        _ calls: repeat RPCCall<each Output>
    ) async throws(RPCError) -> (repeat Result<each Output, RPCError>) {
        var entries: [(id: UInt64, method: String, params: [RPCJSONValue])] = []
        for call in repeat each calls { entries.append((nextID(), call.method, call.params)) }
        let results = try await exchange(entries)
        var index = 0
        func take<T>(_ call: RPCCall<T>) -> Result<T, RPCError> {
            defer { index += 1 }
            return Self.decodeEntry(results[entries[index].id], id: entries[index].id, with: call)
        }
        return (repeat take(each calls))
    }

    /// Sends calls of one result type in one HTTP request; results come back in call order.
    public func batch<Output>(_ calls: [RPCCall<Output>]) async throws(RPCError) -> [Result<Output, RPCError>] {
        let entries = calls.map { (id: nextID(), method: $0.method, params: $0.params) }
        let results = try await exchange(entries)
        return zip(entries, calls).map { entry, call in Self.decodeEntry(results[entry.id], id: entry.id, with: call) }
    }

    private static func decodeEntry<T>(_ result: Result<RPCJSONValue, RPCError>?, id: UInt64, with call: RPCCall<T>) -> Result<T, RPCError> {
        guard let result else { return .failure(.missingResponse(id: id)) }
        return result.flatMap { value in
            do throws(RPCError) {
                return .success(try call.decode(value))
            } catch {
                return .failure(error)
            }
        }
    }

    private func exchange(_ entries: [(id: UInt64, method: String, params: [RPCJSONValue])]) async throws(RPCError) -> [UInt64: Result<RPCJSONValue, RPCError>] {
        // An empty batch is an invalid request in JSON-RPC 2.0; there is nothing to ask.
        guard !entries.isEmpty else { return [:] }
        let body = RPCJSONValue.array(entries.map { Self.requestObject(id: $0.id, method: $0.method, params: $0.params) }).serialized
        let response = try await transport.roundTrip(body)
        let json = try Self.parseBody(response)
        switch json {
        case .array(let items):
            let expected = Set(entries.map(\.id))
            var results: [UInt64: Result<RPCJSONValue, RPCError>] = [:]
            for item in items {
                guard case .object(let members) = item else {
                    throw .malformedResponse("batch entry is not an object")
                }
                guard let idValue = members["id"], idValue != .null else {
                    // An error the node could not tie to a request (e.g. an invalid entry): the affected
                    // entries stay unanswered and report missingResponse.
                    continue
                }
                guard let id = Self.numericID(idValue), expected.contains(id) else {
                    throw .malformedResponse("batch entry with unexpected id \(idValue.jsonText)")
                }
                guard results[id] == nil else { throw .malformedResponse("duplicate batch entry for id \(id)") }
                results[id] = Self.unwrap(item, expectedID: id)
            }
            return results
        case .object(let members):
            // Some nodes answer a batch they reject with a single error object.
            if members["error"] != nil, case .failure(let error) = Self.unwrap(json, expectedID: nil) { throw error }
            throw .malformedResponse("expected a batch array, got a single response")
        default:
            throw .malformedResponse("expected a batch array, got \(Self.snippet(response))")
        }
    }

    // MARK: Framing

    static func requestObject(id: UInt64, method: String, params: [RPCJSONValue]) -> RPCJSONValue {
        .object(["jsonrpc": .string("2.0"), "id": .integer(Int64(id)), "method": .string(method), "params": .array(params)])
    }

    private static func numericID(_ value: RPCJSONValue) -> UInt64? {
        switch value {
        case .integer(let i): return i >= 0 ? UInt64(i) : nil
        case .string(let s): return UInt64(s)  // some proxies stringify ids
        default: return nil
        }
    }

    /// The `result` of one response object, or why there is none. `expectedID == nil` skips the id check.
    static func unwrap(_ json: RPCJSONValue, expectedID: UInt64?) -> Result<RPCJSONValue, RPCError> {
        guard case .object(let members) = json else {
            return .failure(.malformedResponse("response is not an object"))
        }
        if let version = members["jsonrpc"], version != .string("2.0") {
            return .failure(.malformedResponse("jsonrpc version \(version.jsonText)"))
        }
        if let errorValue = members["error"], errorValue != .null {
            guard case .object(let error) = errorValue,
                  let code = Self.errorCode(error["code"]),
                  case .string(let message)? = error["message"] ?? .string("")
            else {
                return .failure(.malformedResponse("invalid error object \(errorValue.jsonText.prefix(200))"))
            }
            // An error with a null id answers a request the node could not parse: still ours.
            if let expectedID, let id = members["id"], id != .null, numericID(id) != expectedID {
                return .failure(.idMismatch(expected: expectedID, received: id.jsonText))
            }
            return .failure(.server(JSONRPCError(code: code, message: message, data: error["data"])))
        }
        if let expectedID {
            let id = members["id"] ?? .null
            guard numericID(id) == expectedID else {
                return .failure(.idMismatch(expected: expectedID, received: id.jsonText))
            }
        }
        // `"result": null` is a valid answer (unknown receipt); a missing member is not.
        guard let result = members["result"] else { return .failure(.missingResult) }
        return .success(result)
    }

    private static func errorCode(_ value: RPCJSONValue?) -> Int? {
        switch value {
        case .integer(let i)?: return Int(exactly: i)
        case .double(let d)?: return Int(exactly: d)
        default: return nil
        }
    }

    private static func parseBody(_ body: [UInt8]) throws(RPCError) -> RPCJSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw .malformedResponse("not JSON (\(error)): \(snippet(body))")
        }
    }

    private static func snippet(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(200), as: UTF8.self)
    }
}

// MARK: - Typed methods

extension RPCClient {
    /// `eth_chainId`.
    public func chainId() async throws(RPCError) -> UInt64 { try await send(.chainId) }

    /// `eth_blockNumber`.
    public func blockNumber() async throws(RPCError) -> UInt64 { try await send(.blockNumber) }

    /// `eth_call`: the return data. A revert throws ``RPCError/server(_:)``; read ``RPCError/revertData``.
    public func call(_ call: CallRequest, block: BlockTag = .latest) async throws(RPCError) -> [UInt8] {
        try await send(.call(call, block: block))
    }

    /// `eth_estimateGas`. A revert throws ``RPCError/server(_:)``; read ``RPCError/revertData``.
    public func estimateGas(_ call: CallRequest, block: BlockTag? = nil) async throws(RPCError) -> UInt64 {
        try await send(.estimateGas(call, block: block))
    }

    /// `eth_gasPrice` in wei.
    public func gasPrice() async throws(RPCError) -> UInt256 { try await send(.gasPrice) }

    /// `eth_maxPriorityFeePerGas` in wei.
    public func maxPriorityFeePerGas() async throws(RPCError) -> UInt256 { try await send(.maxPriorityFeePerGas) }

    /// `eth_feeHistory`.
    public func feeHistory(blockCount: UInt64, newestBlock: BlockTag = .latest, rewardPercentiles: [Double] = []) async throws(RPCError) -> FeeHistory {
        try await send(.feeHistory(blockCount: blockCount, newestBlock: newestBlock, rewardPercentiles: rewardPercentiles))
    }

    /// `eth_getTransactionCount`: the next nonce (`.pending` includes queued transactions).
    public func getTransactionCount(_ account: Address, block: BlockTag = .latest) async throws(RPCError) -> UInt64 {
        try await send(.getTransactionCount(account, block: block))
    }

    /// `eth_sendRawTransaction`: submits signed bytes and returns the transaction hash.
    public func sendRawTransaction(_ raw: [UInt8]) async throws(RPCError) -> Bytes32 {
        try await send(.sendRawTransaction(raw))
    }

    /// `eth_getTransactionReceipt`: nil while pending or unknown.
    public func getTransactionReceipt(_ hash: Bytes32) async throws(RPCError) -> TransactionReceipt? {
        try await send(.getTransactionReceipt(hash))
    }

    /// `eth_getTransactionByHash`: nil when unknown.
    public func getTransactionByHash(_ hash: Bytes32) async throws(RPCError) -> TransactionInfo? {
        try await send(.getTransactionByHash(hash))
    }

    /// `eth_getLogs`.
    public func getLogs(_ filter: LogFilter) async throws(RPCError) -> [Log] { try await send(.getLogs(filter)) }

    /// `eth_getBlockByNumber` (hashes only): nil when the block does not exist.
    public func getBlockByNumber(_ block: BlockTag) async throws(RPCError) -> Block? { try await send(.getBlockByNumber(block)) }

    /// `eth_getCode`: runtime bytecode, empty for accounts without code.
    public func getCode(_ account: Address, block: BlockTag = .latest) async throws(RPCError) -> [UInt8] {
        try await send(.getCode(account, block: block))
    }

    /// `eth_getBalance` in wei.
    public func getBalance(_ account: Address, block: BlockTag = .latest) async throws(RPCError) -> UInt256 {
        try await send(.getBalance(account, block: block))
    }

    /// `eth_getStorageAt`: one 32-byte storage word.
    public func getStorageAt(_ account: Address, slot: UInt256, block: BlockTag = .latest) async throws(RPCError) -> Bytes32 {
        try await send(.getStorageAt(account, slot: slot, block: block))
    }

    /// Polls `eth_getTransactionReceipt` until the transaction is mined.
    ///
    /// Throws ``RPCError/timedOut`` when `timeout` passes first and ``RPCError/cancelled`` when the
    /// task is cancelled.
    public func waitForTransactionReceipt(
        _ hash: Bytes32, pollInterval: Duration = .milliseconds(250), timeout: Duration = .seconds(120)
    ) async throws(RPCError) -> TransactionReceipt {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            if let receipt = try await getTransactionReceipt(hash) { return receipt }
            guard clock.now.advanced(by: pollInterval) < deadline else { throw .timedOut }
            do {
                try await Task.sleep(for: pollInterval, clock: clock)
            } catch {
                throw .cancelled
            }
        }
    }
}
