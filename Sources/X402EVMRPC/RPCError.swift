import X402EVM

/// An error object a JSON-RPC node answered with (`{"code", "message", "data"}`).
///
/// geth and anvil report an `eth_call` / `eth_estimateGas` revert as code 3 with the revert bytes
/// as hex in `data`; ``dataBytes`` and ``revertData`` expose them for custom-error decoding.
public struct JSONRPCError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The JSON-RPC error code (e.g. -32601 method not found, 3 execution reverted).
    public let code: Int
    /// The node's message.
    public let message: String
    /// The raw `data` member, if any.
    public let data: JSONValue?

    /// Creates an error object.
    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// `data` decoded as bytes: a hex string, a `{"data": "0x…"}` object (Hardhat style) or
    /// `"Reverted 0x…"` (Nethermind style). Nil when `data` is absent or not hex.
    public var dataBytes: [UInt8]? {
        switch data {
        case .string(let text)?:
            if let bytes = try? Hex.decode(text) { return bytes }
            if text.hasPrefix("Reverted "), let bytes = try? Hex.decode(String(text.dropFirst(9))) { return bytes }
            return nil
        case .object(let members)?:
            if case .string(let text)? = members["data"] { return try? Hex.decode(text) }
            return nil
        default:
            return nil
        }
    }

    /// True when the node says the execution reverted (code 3, or a message mentioning a revert).
    public var isExecutionReverted: Bool {
        code == 3 || message.lowercased().contains("revert")
    }

    /// The revert bytes when this error is an execution revert: `dataBytes`, or empty when the node
    /// reported a revert without data (geth's bare "execution reverted"). Nil for other errors.
    public var revertData: [UInt8]? {
        guard isExecutionReverted else { return nil }
        return dataBytes ?? []
    }

    public var description: String {
        var text = "JSON-RPC error \(code): \(message)"
        if let data { text += " data=\(JSONSerializer.string(data))" }
        return text
    }

    // `JSONValue` is not `Hashable`; hashing code and message keeps equal errors' hashes equal.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
    }
}

/// Why a JSON-RPC call failed: the node's error object, or a transport or decoding failure.
///
/// Nothing a node or network sends makes the client trap; every failure lands here.
public enum RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The node answered with a JSON-RPC error object.
    case server(JSONRPCError)
    /// The HTTP status was not 200. `body` holds the start of the response body.
    case httpStatus(code: Int, body: String)
    /// The request did not complete in time.
    case timedOut
    /// The task was cancelled before the response arrived.
    case cancelled
    /// The connection failed (refused, reset, TLS, DNS…).
    case transport(String)
    /// The response body exceeded the client's size limit.
    case responseTooLarge(limit: Int)
    /// The body was not JSON, or not a JSON-RPC 2.0 response object / batch array.
    case malformedResponse(String)
    /// The response `id` does not match the request.
    case idMismatch(expected: UInt64, received: String)
    /// A batch response had no entry for this request id.
    case missingResponse(id: UInt64)
    /// The response had neither `result` nor `error` (or a required field was null).
    case missingResult
    /// The `result` did not have the expected shape (bad hex, wrong length, wrong JSON type).
    case invalidResult(field: String, reason: String)

    /// The node's error object, when this is ``server(_:)``.
    public var jsonRPCError: JSONRPCError? {
        if case .server(let error) = self { return error }
        return nil
    }

    /// The revert bytes, when the node reported an execution revert.
    public var revertData: [UInt8]? { jsonRPCError?.revertData }

    public var description: String {
        switch self {
        case .server(let error): return error.description
        case .httpStatus(let code, let body): return "HTTP status \(code): \(body)"
        case .timedOut: return "JSON-RPC request timed out"
        case .cancelled: return "JSON-RPC request cancelled"
        case .transport(let reason): return "transport error: \(reason)"
        case .responseTooLarge(let limit): return "response larger than \(limit) bytes"
        case .malformedResponse(let reason): return "malformed JSON-RPC response: \(reason)"
        case .idMismatch(let expected, let received): return "response id \(received), expected \(expected)"
        case .missingResponse(let id): return "batch response has no entry for id \(id)"
        case .missingResult: return "JSON-RPC response has no result"
        case .invalidResult(let field, let reason): return "invalid \(field) in JSON-RPC result: \(reason)"
        }
    }
}
