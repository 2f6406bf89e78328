import Synchronization
@testable import X402EVMRPC

/// A transport that answers from a closure and records what was sent.
final class CannedTransport: JSONRPCTransport {
    let respond: @Sendable (JSONValue) throws(RPCError) -> [UInt8]
    private let sent = Mutex<[JSONValue]>([])
    private let sentBodies = Mutex<[[UInt8]]>([])

    init(_ respond: @escaping @Sendable (JSONValue) throws(RPCError) -> [UInt8]) {
        self.respond = respond
    }

    /// Always answers `body`, whatever was asked.
    convenience init(body: String) {
        self.init { _ in Array(body.utf8) }
    }

    /// Answers each request (or each batch entry) with `result`, echoing its id.
    static func echoing(_ result: @escaping @Sendable (_ method: String, _ params: [JSONValue]) -> JSONValue) -> CannedTransport {
        CannedTransport { request in
            func answer(_ r: JSONValue) -> JSONValue {
                let method = r["method"]?.stringValue ?? ""
                let params = r["params"]?.arrayValue ?? []
                return ["jsonrpc": "2.0", "id": r["id"] ?? .null, "result": result(method, params)]
            }
            if case .array(let entries) = request { return JSONSerializer.serialize(.array(entries.map(answer))) }
            return JSONSerializer.serialize(answer(request))
        }
    }

    /// The parsed request bodies, in order.
    var requests: [JSONValue] { sent.withLock { $0 } }
    /// The raw request bodies, in order.
    var bodies: [String] { sentBodies.withLock { $0.map { String(decoding: $0, as: UTF8.self) } } }

    func roundTrip(_ body: [UInt8]) async throws(RPCError) -> [UInt8] {
        guard let request = try? JSONParser.parse(body) else { throw .transport("client sent invalid JSON") }
        sent.withLock { $0.append(request) }
        sentBodies.withLock { $0.append(body) }
        return try respond(request)
    }
}

/// A response body `{"jsonrpc":"2.0","id":<id of request>,…members}` for single requests.
func reply(to request: JSONValue, _ members: JSONObject) -> [UInt8] {
    var object: JSONObject = ["jsonrpc": "2.0", "id": request["id"] ?? .null]
    for (key, value) in members { object[key] = value }
    return JSONSerializer.serialize(.object(object))
}

extension JSONValue {
    /// Compact JSON text (for assertions on exact request bytes).
    var jsonText: String { JSONSerializer.string(self) }

    /// A JSON integer.
    static func int(_ value: some BinaryInteger) -> JSONValue { .number(JSONNumber(value)) }
}
