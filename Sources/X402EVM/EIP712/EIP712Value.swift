/// A JSON-like value of an EIP-712 message: what `eth_signTypedData_v4` documents carry.
///
/// Integers are exact (sign and 256-bit magnitude). Hex strings and `.bytes` are interchangeable for
/// `address`, `bytesN` and `bytes`; integers may also be given as decimal or `0x` hex strings.
public enum EIP712Value: Hashable, Sendable {
    /// Text: a `string` value, or hex / decimal text for other types.
    case string(String)
    /// An integer; `negative` with a zero magnitude is zero.
    case integer(negative: Bool, magnitude: UInt256)
    /// A `bool` value.
    case bool(Bool)
    /// Raw bytes for `bytes`, `bytesN` or `address`.
    case bytes([UInt8])
    /// An array value (`T[]` or `T[k]`).
    case array([EIP712Value])
    /// A struct value, keyed by field name; keys the struct does not declare are ignored.
    case object([String: EIP712Value])
    /// JSON `null`; never a valid value for a declared field.
    case null

    /// A non-negative integer.
    public static func uint(_ value: UInt256) -> EIP712Value { .integer(negative: false, magnitude: value) }

    /// A non-negative integer.
    public static func uint(_ value: UInt128) -> EIP712Value { .integer(negative: false, magnitude: UInt256(value)) }

    /// A signed integer.
    public static func int(_ value: Int64) -> EIP712Value {
        .integer(negative: value < 0, magnitude: UInt256(value.magnitude))
    }

    /// An address (checksummed text, as wallets display it).
    public static func address(_ value: Address) -> EIP712Value { .string(value.checksummed) }

    /// A 32-byte word (`bytes32`).
    public static func bytes32(_ value: Bytes32) -> EIP712Value { .bytes(value.bytes) }
}

extension EIP712Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: EIP712Value...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, EIP712Value)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}

// MARK: JSON output

extension EIP712Value {
    /// Compact JSON with object keys sorted; integers beyond ±(2^53 − 1) are written as decimal strings
    /// (JavaScript wallets lose precision on larger JSON numbers), bytes as `0x` hex strings.
    public var json: String {
        var out = ""
        writeJSON(to: &out)
        return out
    }

    func writeJSON(to out: inout String) {
        switch self {
        case .string(let text):
            EIP712Value.writeJSONString(text, to: &out)
        case .integer(let negative, let magnitude):
            let isZero = magnitude == .zero
            let sign = negative && !isZero ? "-" : ""
            if magnitude <= UInt256((1 as UInt64) << 53 - 1) {
                out += sign + magnitude.description
            } else {
                out += "\"" + sign + magnitude.description + "\""
            }
        case .bool(let value):
            out += value ? "true" : "false"
        case .bytes(let bytes):
            out += "\"" + Hex.encode(bytes) + "\""
        case .array(let elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += "," }
                element.writeJSON(to: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (i, key) in fields.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                EIP712Value.writeJSONString(key, to: &out)
                out += ":"
                fields[key]!.writeJSON(to: &out)
            }
            out += "}"
        case .null:
            out += "null"
        }
    }

    static func writeJSONString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
