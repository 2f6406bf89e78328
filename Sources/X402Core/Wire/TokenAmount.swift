/// Why checked arithmetic on a ``TokenAmount`` or ``TokenAmount128`` failed. Money never wraps or traps.
public enum TokenAmountError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The result is above the type's maximum (2^256 − 1 or 2^128 − 1).
    case overflow
    /// The result would be negative.
    case underflow

    public var description: String {
        switch self {
        case .overflow: "token amount overflow"
        case .underflow: "token amount below zero"
        }
    }
}

/// A `uint256` quantity written as a decimal string on the wire: token values, nonces, deadlines.
///
/// `Codable` writes canonical decimal text (`"1000"`); it reads a decimal string (`^[0-9]+$`, leading
/// zeros allowed) or, as the SDKs do, a JSON integer, and reports anything else (negative, fraction,
/// exponent, empty, hex, ≥ 2^256, a non-number) as a `DecodingError`, never a trap. With ``X402JSON``
/// numbers keep their exact text; Foundation's decoder rejects integers beyond 64 bits and hands over
/// `1e3` or `1.0` already converted to integers.
public struct TokenAmount: Hashable, Comparable, Sendable, Codable, JSONValueDecodable, ExpressibleByIntegerLiteral, LosslessStringConvertible {
    /// The integer value.
    public var value: UInt256

    /// Wraps a `UInt256`.
    @inlinable
    public init(_ value: UInt256) { self.value = value }

    /// Widens a ``TokenAmount128``.
    @inlinable
    public init(widening amount: TokenAmount128) { self.value = UInt256(amount.value) }

    public init(integerLiteral value: UInt64) { self.value = UInt256(value) }

    /// Parses `^[0-9]+$` (leading zeros allowed); `nil` for anything else or a value ≥ 2^256.
    public init?(decimal text: some StringProtocol) {
        guard let value = try? UInt256(decimal: text) else { return nil }
        self.value = value
    }

    /// Same as ``init(decimal:)``.
    public init?(_ description: String) { self.init(decimal: description) }

    /// 0.
    public static let zero = TokenAmount(UInt256.zero)
    /// 2^256 − 1.
    public static let max = TokenAmount(UInt256.max)

    /// Canonical decimal digits, no leading zeros (`"0"` for zero).
    public var description: String { value.description }

    /// The sum, or ``TokenAmountError/overflow`` past 2^256 − 1.
    @inlinable
    public func adding(_ other: TokenAmount) throws(TokenAmountError) -> TokenAmount {
        let (sum, overflow) = value.addingReportingOverflow(other.value)
        if overflow { throw .overflow }
        return TokenAmount(sum)
    }

    /// The difference, or ``TokenAmountError/underflow`` when `other` is larger.
    @inlinable
    public func subtracting(_ other: TokenAmount) throws(TokenAmountError) -> TokenAmount {
        let (difference, overflow) = value.subtractingReportingOverflow(other.value)
        if overflow { throw .underflow }
        return TokenAmount(difference)
    }

    /// The sum modulo 2^256, and whether it overflowed.
    @inlinable
    public func addingReportingOverflow(_ other: TokenAmount) -> (partialValue: TokenAmount, overflow: Bool) {
        let (sum, overflow) = value.addingReportingOverflow(other.value)
        return (TokenAmount(sum), overflow)
    }

    /// The difference modulo 2^256, and whether it went below zero.
    @inlinable
    public func subtractingReportingOverflow(_ other: TokenAmount) -> (partialValue: TokenAmount, overflow: Bool) {
        let (difference, overflow) = value.subtractingReportingOverflow(other.value)
        return (TokenAmount(difference), overflow)
    }

    @inlinable
    public static func < (lhs: TokenAmount, rhs: TokenAmount) -> Bool { lhs.value < rhs.value }

    /// Decodes a decimal string or a JSON integer in `0 ... 2^256 − 1`.
    public init(from decoder: any Decoder) throws { self = try Self.decodeValue(from: decoder) }

    /// Reads a decimal string or a JSON integer (the SDKs' lenient reading).
    public init(jsonValue: JSONValue) throws(JSONValueError) {
        let text = try amountText(jsonValue, width: 256)
        do { value = try UInt256(decimal: text) } catch { throw amountError(text, error, width: 256) }
    }

    /// Encodes canonical decimal text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value.description)
    }
}

/// A `uint128` quantity written as a decimal string on the wire: batch-settlement balances, deposits,
/// cumulative voucher and claim totals, refunds.
///
/// Same wire rules as ``TokenAmount`` with the range `0 ... 2^128 − 1`.
public struct TokenAmount128: Hashable, Comparable, Sendable, Codable, JSONValueDecodable, ExpressibleByIntegerLiteral, LosslessStringConvertible {
    /// The integer value.
    public var value: UInt128

    /// Wraps a `UInt128`.
    @inlinable
    public init(_ value: UInt128) { self.value = value }

    /// Narrows a ``TokenAmount``; `nil` when it is ≥ 2^128.
    @inlinable
    public init?(exactly amount: TokenAmount) {
        guard let value = amount.value.uint128 else { return nil }
        self.value = value
    }

    public init(integerLiteral value: UInt128) { self.value = value }

    /// Parses `^[0-9]+$` (leading zeros allowed); `nil` for anything else or a value ≥ 2^128.
    public init?(decimal text: some StringProtocol) {
        guard let value = try? Self.parse(text) else { return nil }
        self.value = value
    }

    /// ``init(decimal:)`` of raw UTF-8 bytes.
    public init?(decimalUTF8 text: UnsafeRawBufferPointer) {
        guard let value = try? Self.parse(utf8: text) else { return nil }
        self.value = value
    }

    /// Parses `^[0-9]+$` (leading zeros allowed); `nil` for anything else or a value ≥ 2^128. (The `String` form reads
    /// the contiguous UTF-8 directly: the generic one goes through the protocol's witnesses for every byte.)
    public init?(decimal text: String) {
        guard let value = try? Self.parse(text) else { return nil }
        self.value = value
    }

    /// Same as ``init(decimal:)``.
    public init?(_ description: String) { self.init(decimal: description) }

    /// 0.
    public static let zero = TokenAmount128(UInt128.zero)
    /// 2^128 − 1.
    public static let max = TokenAmount128(UInt128.max)

    /// Canonical decimal digits, no leading zeros (`"0"` for zero).
    public var description: String {
        // Amounts fit in 64 bits almost always; UInt64's conversion is much cheaper than UInt128's.
        if let small = UInt64(exactly: value) { return String(small) }
        return String(value)
    }

    /// The sum, or ``TokenAmountError/overflow`` past 2^128 − 1.
    @inlinable
    public func adding(_ other: TokenAmount128) throws(TokenAmountError) -> TokenAmount128 {
        let (sum, overflow) = value.addingReportingOverflow(other.value)
        if overflow { throw .overflow }
        return TokenAmount128(sum)
    }

    /// The difference, or ``TokenAmountError/underflow`` when `other` is larger.
    @inlinable
    public func subtracting(_ other: TokenAmount128) throws(TokenAmountError) -> TokenAmount128 {
        let (difference, overflow) = value.subtractingReportingOverflow(other.value)
        if overflow { throw .underflow }
        return TokenAmount128(difference)
    }

    /// The sum modulo 2^128, and whether it overflowed.
    @inlinable
    public func addingReportingOverflow(_ other: TokenAmount128) -> (partialValue: TokenAmount128, overflow: Bool) {
        let (sum, overflow) = value.addingReportingOverflow(other.value)
        return (TokenAmount128(sum), overflow)
    }

    /// The difference modulo 2^128, and whether it went below zero.
    @inlinable
    public func subtractingReportingOverflow(_ other: TokenAmount128) -> (partialValue: TokenAmount128, overflow: Bool) {
        let (difference, overflow) = value.subtractingReportingOverflow(other.value)
        return (TokenAmount128(difference), overflow)
    }

    @inlinable
    public static func < (lhs: TokenAmount128, rhs: TokenAmount128) -> Bool { lhs.value < rhs.value }

    /// Decodes a decimal string or a JSON integer in `0 ... 2^128 − 1`.
    public init(from decoder: any Decoder) throws { self = try Self.decodeValue(from: decoder) }

    /// Reads a decimal string or a JSON integer (the SDKs' lenient reading).
    public init(jsonValue: JSONValue) throws(JSONValueError) {
        let text = try amountText(jsonValue, width: 128)
        do { value = try Self.parse(text) } catch { throw amountError(text, error, width: 128) }
    }

    /// Encodes canonical decimal text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(String(value))
    }

    /// The generic parse over a string's contiguous UTF-8.
    static func parse(_ text: String) throws(EVMParseError) -> UInt128 {
        let result = text.utf8.withContiguousStorageIfAvailable { bytes -> Result<UInt128, EVMParseError> in
            do throws(EVMParseError) { return .success(try parse(utf8: bytes)) } catch { return .failure(error) }
        }
        guard let result else { return try parse(utf8: text.utf8) }
        return try result.get()
    }

    /// `^[0-9]+$` straight into 128 bits (no 256-bit detour).
    static func parse(_ text: some StringProtocol) throws(EVMParseError) -> UInt128 { try parse(utf8: text.utf8) }

    @inline(__always)
    static func parse<Bytes: Collection<UInt8>>(utf8 text: Bytes) throws(EVMParseError) -> UInt128 {
        guard !text.isEmpty else { throw .invalidDecimal }
        // Up to 19 digits cannot overflow 64 bits: accumulate there.
        if text.count <= 19 {
            var small: UInt64 = 0
            for c in text {
                let digit = c &- 0x30
                guard digit < 10 else { throw .invalidDecimal }
                small = small &* 10 &+ UInt64(digit)
            }
            return UInt128(small)
        }
        var value: UInt128 = 0
        for c in text {
            let digit = c &- 0x30
            guard digit < 10 else { throw .invalidDecimal }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(UInt128(digit))
            if o1 || o2 { throw .overflow }
            value = next
        }
        return value
    }
}

/// The text of a decimal string or of a JSON integer (the SDKs' lenient reading); other JSON is an error.
func amountText(_ value: JSONValue, width: Int) throws(JSONValueError) -> String {
    switch value {
    case .string(let s): return s
    case .number(let n) where n.isInteger: return n.text
    case .number(let n): throw JSONValueError("expected a uint\(width) decimal string, found number \(amountExcerpt(n.text))")
    default: throw JSONValueError("expected a uint\(width) decimal string, found \(value.kindName)")
    }
}

/// The error for amount text that is not `^[0-9]+$` or does not fit.
func amountError(_ text: String, _ error: EVMParseError, width: Int) -> JSONValueError {
    let reason = error == .overflow ? "exceeds 2^\(width) − 1" : "is not a decimal integer (^[0-9]+$)"
    return JSONValueError("uint\(width) amount \"\(amountExcerpt(text))\" \(reason)")
}

/// At most 80 characters of untrusted text, for messages.
private func amountExcerpt(_ text: String) -> String {
    text.utf8.count <= 80 ? text : String(text.prefix(80)) + "…"
}
