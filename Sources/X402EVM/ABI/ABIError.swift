/// Why an ABI type string, value or byte string was rejected.
///
/// The encoder and decoder report every failure with this type and never trap on input.
public enum ABIError: Error, Equatable, Sendable {
    /// A type or signature string that does not parse; `position` is a UTF-8 offset.
    case invalidTypeString(String, position: Int)
    /// A type that is structurally invalid (`uint7`, `bytes33`, `()`, `T[0]`, nesting too deep, …).
    case invalidType(String)
    /// A value whose shape does not match its type (wrong case, element count or byte count).
    case typeMismatch(expected: String)
    /// A number that does not fit the type's width (`uint8` = 256, `int8` = -129).
    case valueOutOfRange(type: String)
    /// The number of values differs from the number of types.
    case argumentCountMismatch(expected: Int, actual: Int)
    /// Fewer bytes than the encoding needs at `offset`.
    case truncated(offset: Int, needed: Int, available: Int)
    /// An offset word that points outside the data or does not fit an `Int`.
    case invalidOffset(at: Int)
    /// A length word that cannot fit the remaining data.
    case invalidLength(at: Int)
    /// Non-zero padding in a word or after `bytes`/`string` contents.
    case nonZeroPadding(at: Int)
    /// A `bool` word that is neither 0 nor 1.
    case invalidBool(at: Int)
    /// A `string` whose bytes are not valid UTF-8.
    case invalidUTF8(at: Int)
    /// The type is nested deeper than ``ABI/maxDepth``.
    case tooDeep
    /// The data would decode to more values than its size justifies (aliased offsets).
    case decodingBudgetExceeded
    /// Calldata or revert data shorter than a 4-byte selector, or with another selector.
    case selectorMismatch(expected: [UInt8], actual: [UInt8])
    /// A log whose topics do not fit the event (topic0 or count).
    case topicMismatch
    /// The operation is not possible for this type (e.g. recovering an indexed `string` from its hash).
    case unsupported(String)
}
