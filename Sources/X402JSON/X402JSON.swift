/// Why a value could not be decoded from JSON.
public enum X402JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not well-formed JSON.
    case malformed(JSONParseError)
    /// Well-formed JSON that does not have the expected shape (missing key, wrong type, bad field).
    case invalidShape(String)

    public var description: String {
        switch self {
        case .malformed(let e): "malformed JSON: \(e)"
        case .invalidShape(let s): "unexpected JSON shape: \(s)"
        }
    }
}

/// The package's JSON codec: exact numbers, ordered keys, compact output matching the Python SDK.
///
/// Foundation's `JSONEncoder`/`JSONDecoder` also work with every wire type here, but only this codec
/// keeps integers beyond 2^64 exact inside ``JSONValue`` and reproduces the SDK's bytes.
public enum X402JSON {
    /// Parses and decodes `T` from UTF-8 JSON bytes, within `limits`.
    public static func decode<T: Decodable>(
        _ type: T.Type, from bytes: some Collection<UInt8>, limits: JSONLimits = .default
    ) throws(X402JSONError) -> T {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes, limits: limits) } catch { throw .malformed(error) }
        return try decode(type, from: value)
    }

    /// Parses and decodes `T` from JSON text, within `limits`.
    public static func decode<T: Decodable>(
        _ type: T.Type, from text: String, limits: JSONLimits = .default
    ) throws(X402JSONError) -> T {
        try decode(type, from: Array(text.utf8), limits: limits)
    }

    /// Decodes `T` from an already parsed value.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws(X402JSONError) -> T {
        do {
            return try JSONValueDecoder.decode(type, value, parent: nil, key: nil)
        } catch let error as DecodingError {
            throw .invalidShape(describe(error))
        } catch {
            throw .invalidShape("\(error)")
        }
    }

    /// Encodes `value` into a ``JSONValue`` (keys in encode order).
    public static func encodeValue<T: Encodable>(_ value: T) throws(EncodingError) -> JSONValue {
        let node = EncodingNode()
        do {
            try JSONValueEncoder.encode(value, into: node, path: [])
        } catch let error as EncodingError {
            throw error
        } catch {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(error)"))
        }
        return node.materialize()
    }

    /// Encodes `value` as compact UTF-8 JSON bytes.
    public static func encode<T: Encodable>(_ value: T) throws(EncodingError) -> [UInt8] {
        JSONSerializer.serialize(try encodeValue(value))
    }

    /// Encodes `value` as a compact JSON string.
    public static func encodeString<T: Encodable>(_ value: T) throws(EncodingError) -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ p: [any CodingKey]) -> String {
            p.isEmpty ? "<root>" : p.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let ctx): return "missing key \(path(ctx.codingPath + [key]))"
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx):
            return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

extension JSONValue: Codable {
    /// Decodes any JSON. With ``X402JSON`` numbers stay exact; through other decoders integers that fit
    /// 64 bits are exact and other numbers go through `Double`.
    public init(from decoder: any Decoder) throws {
        if let d = decoder as? JSONValueDecoder { self = d.value; return }
        if let c = try? decoder.container(keyedBy: AnyCodingKey.self) {
            var object = JSONObject()
            for key in c.allKeys { object[key.stringValue] = try c.decode(JSONValue.self, forKey: key) }
            self = .object(object)
            return
        }
        if var c = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !c.isAtEnd { items.append(try c.decode(JSONValue.self)) }
            self = .array(items)
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let i = try? c.decode(Int64.self) { self = .number(JSONNumber(i)) }
        else if let u = try? c.decode(UInt64.self) { self = .number(JSONNumber(u)) }
        else { self = try JSONValueEncoder.float(try c.decode(Double.self), decoder.codingPath) }
    }

    public func encode(to encoder: any Encoder) throws {
        if let e = encoder as? JSONValueEncoder { e.node.storage = .value(self); return }
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .number(let n):
            var c = encoder.singleValueContainer()
            if let i = n.int64 { try c.encode(i) } else if let u = n.uint64 { try c.encode(u) } else if let d = Double(n.text) { try c.encode(d) }
            else { try c.encode(n.text) }
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(item) }
        case .object(let object):
            try object.encode(to: encoder)
        }
    }
}

extension JSONObject: Codable {
    public init(from decoder: any Decoder) throws {
        if let d = decoder as? JSONValueDecoder {
            guard case .object(let o) = d.value else {
                throw JSONValueDecoder.mismatch(JSONObject.self, d.value, d.codingPath)
            }
            self = o
            return
        }
        guard case .object(let o) = try JSONValue(from: decoder) else {
            throw DecodingError.typeMismatch(JSONObject.self, .init(codingPath: decoder.codingPath, debugDescription: "expected an object"))
        }
        self = o
    }

    public func encode(to encoder: any Encoder) throws {
        if let e = encoder as? JSONValueEncoder { e.node.storage = .value(.object(self)); return }
        var c = encoder.container(keyedBy: AnyCodingKey.self)
        for (k, v) in self { try c.encode(v, forKey: AnyCodingKey(k)) }
    }
}
