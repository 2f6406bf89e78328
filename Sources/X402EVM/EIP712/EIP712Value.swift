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
