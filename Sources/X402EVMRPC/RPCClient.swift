import AsyncHTTPClient
import Logging
import Synchronization
import X402EVM

/// An async JSON-RPC 2.0 client for EVM nodes (anvil, the project devnet, public testnet RPCs).
///
/// Requests are built as ``JSONValue``s and serialised deterministically (members in a fixed order);
/// responses are parsed with ``JSONParser`` within ``responseLimits``. Results are read strictly into
/// ``Address``, ``Bytes32``, ``UInt256`` and bytes; every failure is an ``RPCError``. The client is
/// `Sendable` and cheap to share: one instance per node URL is enough.
///
/// Logging: method, id and duration of each call at `debug` (failures too), params and sizes at
/// `trace`; see ``logger``.
///
/// Lifecycle: the client owns no connections itself. With the default `HTTPClient.shared` nothing
/// needs shutting down; with an injected `HTTPClient`, shut that client down after its last use.
public final class RPCClient: Sendable {
    /// How request bodies reach the node.
    public let transport: any JSONRPCTransport
    /// Bounds on response bodies (size, nesting, keys per object); larger or deeper ones are
    /// ``RPCError/malformedResponse(_:)``.
    public let responseLimits: JSONLimits
    /// Where calls are logged (`debug`: method, id, duration, failures; `trace`: params, sizes).
    /// Never logs HTTP headers, URL paths or the params of `personal_*` methods.
    public let logger: Logger
    private let ids = Atomic<UInt64>(1)

    /// A client over any transport (tests inject canned ones).
    public init(transport: any JSONRPCTransport, responseLimits: JSONLimits = .rpc, logger: Logger = Logger(label: "x402.rpc")) {
        self.transport = transport
        self.responseLimits = responseLimits
        self.logger = logger
    }

    /// A client for an HTTP(S) node URL; see ``HTTPTransport`` for the parameters. The transport
    /// logs to the same `logger`.
    public convenience init(
        url: String, httpClient: HTTPClient = .shared, timeout: Duration = .seconds(30),
        logger: Logger = Logger(label: "x402.rpc")
    ) {
        self.init(transport: HTTPTransport(url: url, httpClient: httpClient, timeout: timeout, logger: logger), logger: logger)
    }

    private func nextID() -> UInt64 {
        // Kept below 2^63 so ids survive nodes that parse them as signed 64-bit.
        ids.wrappingAdd(1, ordering: .relaxed).oldValue & 0x7FFF_FFFF_FFFF_FFFF
    }

    // MARK: Sending

    /// Sends one call and decodes its result.
    public func send<Output>(_ call: RPCCall<Output>) async throws(RPCError) -> Output {
        let id = nextID()
        let body = JSONSerializer.serialize(Self.requestObject(id: id, method: call.method, params: call.params))
        logger.trace("JSON-RPC request", metadata: [
            "rpc.method": "\(call.method)", "rpc.id": "\(id)",
            "rpc.params": RPCLog.params(method: call.method, call.params), "rpc.request_bytes": "\(body.count)",
        ])
        let clock = ContinuousClock()
        let start = clock.now
        do throws(RPCError) {
            let response = try await transport.roundTrip(body)
            let json = try parseBody(response)
            guard case .object = json else {
                throw .malformedResponse("expected a response object, got \(Self.snippet(response))")
            }
            let output = try call.decode(Self.unwrap(json, expectedID: id).get())
            logger.debug("JSON-RPC call", metadata: [
                "rpc.method": "\(call.method)", "rpc.id": "\(id)",
                "rpc.duration_ms": RPCLog.milliseconds(clock.now - start), "rpc.response_bytes": "\(response.count)",
            ])
            return output
        } catch {
            logger.debug("JSON-RPC call failed", metadata: [
                "rpc.method": "\(call.method)", "rpc.id": "\(id)",
                "rpc.duration_ms": RPCLog.milliseconds(clock.now - start), "rpc.error": "\(error)",
            ])
            throw error
        }
    }

    /// Sends any method and returns the raw JSON `result` (e.g. `net_version`).
    public func request(_ method: String, _ params: [JSONValue] = []) async throws(RPCError) -> JSONValue {
        try await send(.raw(method, params))
    }

    /// Sends calls of different result types in one HTTP request (a JSON-RPC batch).
    ///
    /// Responses are matched by id in any order. The outer error is for the batch as a whole
    /// (transport, malformed body, node rejected the batch); each entry has its own result.
    public func batch<each Output>(
        _ calls: repeat RPCCall<each Output>
    ) async throws(RPCError) -> (repeat Result<each Output, RPCError>) {
        var entries: [Entry] = []
        for call in repeat each calls { entries.append(Entry(id: nextID(), method: call.method, params: call.params)) }
        let clock = ContinuousClock()
        let start = clock.now
        let results = try await exchange(entries)
        var index = 0
        var failures = 0
        func take<T>(_ call: RPCCall<T>) -> Result<T, RPCError> {
            defer { index += 1 }
            let result = Self.decodeEntry(results[entries[index].id], id: entries[index].id, with: call)
            logEntry(entries[index], result.map { _ in () }, failures: &failures)
            return result
        }
        let output = (repeat take(each calls))
        if !entries.isEmpty { logBatch(entries, failures: failures, duration: clock.now - start) }
        return output
    }

    /// Sends calls of one result type in one HTTP request; results come back in call order.
    public func batch<Output>(_ calls: [RPCCall<Output>]) async throws(RPCError) -> [Result<Output, RPCError>] {
        let entries = calls.map { Entry(id: nextID(), method: $0.method, params: $0.params) }
        let clock = ContinuousClock()
        let start = clock.now
        let results = try await exchange(entries)
        var failures = 0
        let output = zip(entries, calls).map { entry, call in
            let result = Self.decodeEntry(results[entry.id], id: entry.id, with: call)
            logEntry(entry, result.map { _ in () }, failures: &failures)
            return result
        }
        if !entries.isEmpty { logBatch(entries, failures: failures, duration: clock.now - start) }
        return output
    }

    /// One request of a batch.
    private struct Entry {
        let id: UInt64
        let method: String
        let params: [JSONValue]
    }

    private func logEntry(_ entry: Entry, _ result: Result<Void, RPCError>, failures: inout Int) {
        guard case .failure(let error) = result else { return }
        failures += 1
        logger.debug("JSON-RPC batch entry failed", metadata: [
            "rpc.method": "\(entry.method)", "rpc.id": "\(entry.id)", "rpc.error": "\(error)",
        ])
    }

    private func logBatch(_ entries: [Entry], failures: Int, duration: Duration) {
        logger.debug("JSON-RPC batch", metadata: [
            "rpc.batch_size": "\(entries.count)", "rpc.methods": .array(entries.map { "\($0.method)" }),
            "rpc.ids": "\(entries.first?.id ?? 0)...\(entries.last?.id ?? 0)",
            "rpc.failures": "\(failures)", "rpc.duration_ms": RPCLog.milliseconds(duration),
        ])
    }

    private static func decodeEntry<T>(_ result: Result<JSONValue, RPCError>?, id: UInt64, with call: RPCCall<T>) -> Result<T, RPCError> {
        guard let result else { return .failure(.missingResponse(id: id)) }
        return result.flatMap { value in
            do throws(RPCError) {
                return .success(try call.decode(value))
            } catch {
                return .failure(error)
            }
        }
    }

    private func exchange(_ entries: [Entry]) async throws(RPCError) -> [UInt64: Result<JSONValue, RPCError>] {
        // An empty batch is an invalid request in JSON-RPC 2.0; there is nothing to ask.
        guard !entries.isEmpty else { return [:] }
        let body = JSONSerializer.serialize(.array(entries.map { Self.requestObject(id: $0.id, method: $0.method, params: $0.params) }))
        if logger.logLevel <= .trace {
            for entry in entries {
                logger.trace("JSON-RPC batch request", metadata: [
                    "rpc.method": "\(entry.method)", "rpc.id": "\(entry.id)",
                    "rpc.params": RPCLog.params(method: entry.method, entry.params),
                ])
            }
        }
        do throws(RPCError) {
            return try await exchange(body: body, expected: Set(entries.map(\.id)))
        } catch {
            logger.debug("JSON-RPC batch failed", metadata: [
                "rpc.batch_size": "\(entries.count)", "rpc.methods": .array(entries.map { "\($0.method)" }),
                "rpc.error": "\(error)",
            ])
            throw error
        }
    }

    private func exchange(body: [UInt8], expected: Set<UInt64>) async throws(RPCError) -> [UInt64: Result<JSONValue, RPCError>] {
        let response = try await transport.roundTrip(body)
        let json = try parseBody(response)
        switch json {
        case .array(let items):
            var results: [UInt64: Result<JSONValue, RPCError>] = [:]
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
                    throw .malformedResponse("batch entry with unexpected id \(JSONSerializer.string(idValue).prefix(80))")
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

    /// `{"jsonrpc":"2.0","id":…,"method":…,"params":[…]}`, members in that order.
    static func requestObject(id: UInt64, method: String, params: [JSONValue]) -> JSONValue {
        .object(["jsonrpc": "2.0", "id": .number(JSONNumber(id)), "method": .string(method), "params": .array(params)])
    }

    private static func numericID(_ value: JSONValue) -> UInt64? {
        switch value {
        case .number(let n): return n.uint64
        case .string(let s): return UInt64(s)  // some proxies stringify ids
        default: return nil
        }
    }

    /// The `result` of one response object, or why there is none. `expectedID == nil` skips the id check.
    static func unwrap(_ json: JSONValue, expectedID: UInt64?) -> Result<JSONValue, RPCError> {
        guard case .object(let members) = json else {
            return .failure(.malformedResponse("response is not an object"))
        }
        if let version = members["jsonrpc"], version != .string("2.0") {
            return .failure(.malformedResponse("jsonrpc version \(JSONSerializer.string(version).prefix(80))"))
        }
        if let errorValue = members["error"], errorValue != .null {
            guard case .object(let error) = errorValue,
                  let code = Self.errorCode(error["code"]),
                  case .string(let message)? = error["message"] ?? .string("")
            else {
                return .failure(.malformedResponse("invalid error object \(JSONSerializer.string(errorValue).prefix(200))"))
            }
            // An error with a null id answers a request the node could not parse: still ours.
            if let expectedID, let id = members["id"], id != .null, numericID(id) != expectedID {
                return .failure(.idMismatch(expected: expectedID, received: JSONSerializer.string(id)))
            }
            return .failure(.server(JSONRPCError(code: code, message: message, data: error["data"])))
        }
        if let expectedID {
            let id = members["id"] ?? .null
            guard numericID(id) == expectedID else {
                return .failure(.idMismatch(expected: expectedID, received: JSONSerializer.string(id)))
            }
        }
        // `"result": null` is a valid answer (unknown receipt); a missing member is not.
        guard let result = members["result"] else { return .failure(.missingResult) }
        return .success(result)
    }

    /// An integral error code; `3.0` or `3e0` count as 3, `1.5` does not.
    private static func errorCode(_ value: JSONValue?) -> Int? {
        guard case .number(let n)? = value else { return nil }
        if let i = n.int64 { return Int(exactly: i) }
        guard !n.isInteger, let d = Double(n.text) else { return nil }
        return Int(exactly: d)
    }

    private func parseBody(_ body: [UInt8]) throws(RPCError) -> JSONValue {
        do {
            return try JSONParser.parse(body, limits: responseLimits)
        } catch {
            throw .malformedResponse("not JSON (\(error)): \(Self.snippet(body))")
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
