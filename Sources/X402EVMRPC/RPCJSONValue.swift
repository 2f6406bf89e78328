import X402EVM

/// A JSON value, as JSON-RPC params, results and error data travel.
///
/// Integers that fit `Int64` stay exact (`.integer`); other numbers are `.double`.
/// Objects serialize with sorted keys so request bodies are deterministic.
public enum RPCJSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([RPCJSONValue])
    case object([String: RPCJSONValue])

    /// The member `key` of an object, or nil (also for non-objects).
    public subscript(key: String) -> RPCJSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// True for `.null`.
    public var isNull: Bool { self == .null }

    /// The string payload, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [RPCJSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
}

extension RPCJSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            var out: [RPCJSONValue] = []
            if let count = array.count { out.reserveCapacity(count) }
            while !array.isAtEnd { out.append(try array.decode(RPCJSONValue.self)) }
            self = .array(out)
            return
        }
        if let object = try? decoder.container(keyedBy: AnyKey.self) {
            var out: [String: RPCJSONValue] = [:]
            for key in object.allKeys { out[key.stringValue] = try object.decode(RPCJSONValue.self, forKey: key) }
            self = .object(out)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let b = try? single.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? single.decode(Int64.self) {
            self = .integer(i)
        } else if let d = try? single.decode(Double.self) {
            self = .double(d)
        } else {
            self = .string(try single.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        switch self {
        case .null: try single.encodeNil()
        case .bool(let b): try single.encode(b)
        case .integer(let i): try single.encode(i)
        case .double(let d): try single.encode(d)
        case .string(let s): try single.encode(s)
        case .array(let a): try single.encode(a)
        case .object(let o): try single.encode(o)
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension RPCJSONValue {
    /// Parses UTF-8 JSON text; nil when it is not valid JSON.
    static func parse(_ bytes: [UInt8]) -> RPCJSONValue? {
        try? JSONParser.parse(bytes)
    }

    /// Parses UTF-8 JSON text strictly (RFC 8259, nesting capped at 256).
    public init(parsing json: [UInt8]) throws(RPCError) {
        do {
            self = try JSONParser.parse(json)
        } catch {
            throw .malformedResponse("invalid JSON: \(error)")
        }
    }

    /// Compact UTF-8 JSON text (sorted object keys).
    var serialized: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        write(to: &out)
        return out
    }

    /// The JSON text as a `String` (for diagnostics and tests).
    public var jsonText: String { String(decoding: serialized, as: UTF8.self) }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        // JSON has no NaN/Infinity; null is the conventional stand-in.
        case .double(let d): out.append(contentsOf: (d.isFinite ? "\(d)" : "null").utf8)
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let a):
            out.append(0x5B)
            for (i, element) in a.enumerated() {
                if i > 0 { out.append(0x2C) }
                element.write(to: &out)
            }
            out.append(0x5D)
        case .object(let o):
            out.append(0x7B)
            for (i, key) in o.keys.sorted().enumerated() {
                if i > 0 { out.append(0x2C) }
                Self.writeString(key, to: &out)
                out.append(0x3A)
                o[key]!.write(to: &out)
            }
            out.append(0x7D)
        }
    }

    private static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        for byte in s.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: out.append(contentsOf: [0x5C, 0x72])
            case 0x09: out.append(contentsOf: [0x5C, 0x74])
            case 0x00..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(Hex.digitsTable[Int(byte >> 4)])
                out.append(Hex.digitsTable[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }
}

extension Hex {
    fileprivate static let digitsTable: [UInt8] = Array("0123456789abcdef".utf8)
}
