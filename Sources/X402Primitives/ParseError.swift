/// Why a primitive value (hex, address, bytes32, integer) could not be parsed.
///
/// Every decoder in this module reports failures with a typed error and never traps on input.
public enum EVMParseError: Error, Equatable, Sendable {
    /// Hex text must start with `0x` (lenient parsers also take `0X`; canonical ones do not).
    case missingHexPrefix
    /// Hex text must have an even number of digits.
    case oddHexLength
    /// A character that is not a hex digit, at this offset after the prefix.
    case invalidHexCharacter(offset: Int)
    /// The decoded value has the wrong number of bytes.
    case invalidLength(expected: Int, actual: Int)
    /// Decimal text must match `^[0-9]+$`.
    case invalidDecimal
    /// The value does not fit the target integer type.
    case overflow
}
