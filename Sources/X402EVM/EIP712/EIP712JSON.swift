import X402JSON

// Typed-data documents are read and written with the package's one JSON stack (X402JSON): numbers
// stay exact at any size, and writing then reading a document gives back the same digest.

extension EIP712Value {
    /// Parses JSON text (integers only for numbers) into a value.
    public init(json: String) throws(EIP712Error) {
        try self.init(jsonUTF8: Array(json.utf8))
    }

    /// Parses UTF-8 JSON bytes (integers only for numbers) into a value.
    public init(jsonUTF8 bytes: [UInt8]) throws(EIP712Error) {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(bytes)
        } catch {
            if error.kind == .tooDeep { throw .nestingTooDeep }
            throw .malformedJSON(offset: error.offset)
        }
        self = try EIP712Value(jsonValue: parsed)
    }

    /// Converts a parsed JSON value. Numbers must be integers that fit 256 bits (with a sign).
    public init(jsonValue: JSONValue) throws(EIP712Error) {
        switch jsonValue {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .string(let s): self = .string(s)
        case .number(let n):
            guard n.isInteger else { throw .nonIntegerNumber(offset: 0) }
            var digits = Substring(n.text)
            let negative = digits.first == "-"
            if negative { digits = digits.dropFirst() }
            // No EIP-712 type holds a value of 2^256 or more.
            guard let magnitude = try? UInt256(decimal: digits) else {
                throw .valueOutOfRange(path: "", type: "JSON number")
            }
            self = .integer(negative: negative, magnitude: magnitude)
        case .array(let items):
            var out: [EIP712Value] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try EIP712Value(jsonValue: item)) }
            self = .array(out)
        case .object(let object):
            var fields: [String: EIP712Value] = [:]
            fields.reserveCapacity(object.count)
            for (key, value) in object { fields[key] = try EIP712Value(jsonValue: value) }
            self = .object(fields)
        }
    }

    /// The value as JSON: integers as exact JSON numbers, bytes as `0x` hex strings, object keys sorted.
    public var jsonValue: JSONValue {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        case .integer(let negative, let magnitude):
            let sign = negative && magnitude != .zero ? "-" : ""
            return .number(try! JSONNumber(sign + magnitude.description))  // digits with an optional sign
        case .bytes(let bytes): return .string(Hex.encode(bytes))
        case .array(let items): return .array(items.map(\.jsonValue))
        case .object(let fields):
            return .object(JSONObject(fields.keys.sorted().map { (key: $0, value: fields[$0]!.jsonValue) }))
        }
    }

    /// Compact JSON with object keys sorted; integers are exact JSON numbers at any size, so that reading
    /// the text back gives the same value and the same digest.
    public var json: String { String(decoding: JSONSerializer.serialize(jsonValue), as: UTF8.self) }
}
