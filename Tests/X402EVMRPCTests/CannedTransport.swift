import Synchronization
@testable import X402EVMRPC

/// A transport that answers from a closure and records what was sent.
final class CannedTransport: JSONRPCTransport {
    let respond: @Sendable (RPCJSONValue) throws(RPCError) -> [UInt8]
    private let sent = Mutex<[RPCJSONValue]>([])

    init(_ respond: @escaping @Sendable (RPCJSONValue) throws(RPCError) -> [UInt8]) {
        self.respond = respond
    }

    /// Always answers `body`, whatever was asked.
    convenience init(body: String) {
        self.init { _ in Array(body.utf8) }
    }

    /// Answers each request (or each batch entry) with `result`, echoing its id.
    static func echoing(_ result: @escaping @Sendable (_ method: String, _ params: [RPCJSONValue]) -> RPCJSONValue) -> CannedTransport {
        CannedTransport { request in
            func answer(_ r: RPCJSONValue) -> RPCJSONValue {
                let method = r["method"]?.stringValue ?? ""
                let params = r["params"]?.arrayValue ?? []
                return .object(["jsonrpc": .string("2.0"), "id": r["id"] ?? .null, "result": result(method, params)])
            }
            if case .array(let entries) = request { return RPCJSONValue.array(entries.map(answer)).serialized }
            return answer(request).serialized
        }
    }

    var requests: [RPCJSONValue] { sent.withLock { $0 } }

    func roundTrip(_ body: [UInt8]) async throws(RPCError) -> [UInt8] {
        guard let request = RPCJSONValue.parse(body) else { throw .transport("client sent invalid JSON") }
        sent.withLock { $0.append(request) }
        return try respond(request)
    }
}

/// A response body `{"jsonrpc":"2.0","id":<id of request>,…extra}` for single requests.
func reply(to request: RPCJSONValue, _ members: [String: RPCJSONValue]) -> [UInt8] {
    var object = members
    object["jsonrpc"] = .string("2.0")
    object["id"] = request["id"] ?? .null
    return RPCJSONValue.object(object).serialized
}
