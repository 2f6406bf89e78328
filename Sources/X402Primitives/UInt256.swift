/// An unsigned 256-bit integer (ABI `uint256`: nonces, salts, deadlines, token values).
///
/// Arithmetic operators trap on overflow like Swift's integers; input paths use the
/// `…ReportingOverflow` methods or the throwing parsers so that bad input is an error, not a trap.
public struct UInt256: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// High and low 128-bit halves.
    public var high: UInt128, low: UInt128

    /// From two 128-bit halves.
    @inlinable
    public init(high: UInt128, low: UInt128) {
        self.high = high
        self.low = low
    }

    /// Widens a 128-bit value.
    @inlinable
    public init(_ value: UInt128) { self.init(high: 0, low: value) }

    /// Widens a 64-bit value.
    @inlinable
    public init(_ value: UInt64) { self.init(high: 0, low: UInt128(value)) }

    public init(integerLiteral value: UInt64) { self.init(value) }

    /// 0 (all bits clear).
    public static let zero = UInt256(high: 0, low: 0)
    /// 2^256 − 1.
    public static let max = UInt256(high: .max, low: .max)

    /// The value as `UInt128` when it fits.
    @inlinable
    public var uint128: UInt128? { high == 0 ? low : nil }

    // MARK: Bytes

    /// A big-endian 32-byte word.
    public init(word: Bytes32) {
        self.init(high: UInt128(word.w0) << 64 | UInt128(word.w1), low: UInt128(word.w2) << 64 | UInt128(word.w3))
    }

    /// The value as a big-endian 32-byte word.
    public var word: Bytes32 {
        Bytes32(UInt64(truncatingIfNeeded: high >> 64), UInt64(truncatingIfNeeded: high),
                UInt64(truncatingIfNeeded: low >> 64), UInt64(truncatingIfNeeded: low))
    }

    /// Big-endian bytes, at most 32 (shorter input is left-padded).
    public init(bigEndian bytes: some Collection<UInt8>) throws(EVMParseError) {
        guard bytes.count <= 32 else { throw .overflow }
        var value = UInt256.zero
        for b in bytes {
            value = value.shiftedLeft8() 
            value.low |= UInt128(b)
        }
        self = value
    }

    /// Minimal big-endian bytes (empty for zero), as RLP wants them.
    public var minimalBigEndianBytes: [UInt8] {
        let all = word.bytes
        guard let first = all.firstIndex(where: { $0 != 0 }) else { return [] }
        return Array(all[first...])
    }

    @inline(__always)
    func shiftedLeft8() -> UInt256 {
        UInt256(high: high << 8 | low >> 120, low: low << 8)
    }

    // MARK: Text

    /// Decimal digits only (`^[0-9]+$`), as amounts travel on the wire.
    public init(decimal text: some StringProtocol) throws(EVMParseError) {
        guard !text.isEmpty else { throw .invalidDecimal }
        var value = UInt256.zero
        for c in text.utf8 {
            guard c >= 0x30 && c <= 0x39 else { throw .invalidDecimal }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(UInt256(UInt64(c - 0x30)))
            if o1 || o2 { throw .overflow }
            value = next
        }
        self = value
    }

    /// A `0x`-prefixed hex quantity (JSON-RPC style; leading zeros tolerated, at most 64 digits).
    public init(hexQuantity text: String) throws(EVMParseError) {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == 0x30, utf8[1] == 0x78 || utf8[1] == 0x58 else { throw .missingHexPrefix }
        guard utf8.count > 2 else { throw .invalidLength(expected: 1, actual: 0) }
        var value = UInt256.zero
        var significant = 0
        for (i, c) in utf8.dropFirst(2).enumerated() {
            guard let n = Hex.nibble(c) else { throw .invalidHexCharacter(offset: i) }
            if significant > 0 || n != 0 { significant += 1 }
            guard significant <= 64 else { throw .overflow }
            value = UInt256(high: value.high << 4 | value.low >> 124, low: value.low << 4 | UInt128(n))
        }
        self = value
    }

    /// Minimal `0x` hex quantity (`0x0` for zero), as JSON-RPC wants it.
    public var hexQuantity: String {
        let bytes = minimalBigEndianBytes
        guard !bytes.isEmpty else { return "0x0" }
        var text = Hex.encode(bytes, prefix: false)
        if text.hasPrefix("0") { text.removeFirst() }
        return "0x" + text
    }

    /// Decimal digits.
    public var description: String {
        if high == 0 {
            // UInt64's conversion is much cheaper than UInt128's.
            if let small = UInt64(exactly: low) { return String(small) }
            return low.description
        }
        var parts: [UInt64] = []
        var value = self
        let chunk: UInt64 = 10_000_000_000_000_000_000  // 10^19
        while value != .zero {
            let (q, r) = value.quotientAndRemainder(dividingBy: chunk)
            parts.append(r)
            value = q
        }
        var text = String(parts.last!)
        for part in parts.dropLast().reversed() {
            let digits = String(part)
            text += String(repeating: "0", count: 19 - digits.count) + digits
        }
        return text
    }

    // MARK: Arithmetic

    /// The sum modulo 2^256, and whether it overflowed.
    public func addingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let (lo, carry) = low.addingReportingOverflow(other.low)
        let (hi1, o1) = high.addingReportingOverflow(other.high)
        let (hi2, o2) = hi1.addingReportingOverflow(carry ? 1 : 0)
        return (UInt256(high: hi2, low: lo), o1 || o2)
    }

    /// The difference modulo 2^256, and whether it went below zero.
    public func subtractingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let (lo, borrow) = low.subtractingReportingOverflow(other.low)
        let (hi1, o1) = high.subtractingReportingOverflow(other.high)
        let (hi2, o2) = hi1.subtractingReportingOverflow(borrow ? 1 : 0)
        return (UInt256(high: hi2, low: lo), o1 || o2)
    }

    /// The product modulo 2^256, and whether it overflowed.
    public func multipliedReportingOverflow(by other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        // (a1·2^128 + a0)(b1·2^128 + b0) mod 2^256; overflow if a1·b1 ≠ 0 or the cross terms spill.
        let lowProduct = low.multipliedFullWidth(by: other.low)
        let (cross1, o1) = high.multipliedReportingOverflow(by: other.low)
        let (cross2, o2) = low.multipliedReportingOverflow(by: other.high)
        let (sum1, o3) = lowProduct.high.addingReportingOverflow(cross1)
        let (sum2, o4) = sum1.addingReportingOverflow(cross2)
        let overflow = (high != 0 && other.high != 0) || o1 || o2 || o3 || o4
        return (UInt256(high: sum2, low: lowProduct.low), overflow)
    }

    /// Division by a 64-bit divisor (decimal formatting, scaling).
    public func quotientAndRemainder(dividingBy divisor: UInt64) -> (quotient: UInt256, remainder: UInt64) {
        precondition(divisor != 0, "division by zero")
        let d = UInt128(divisor)
        let (qHigh, rHigh) = high.quotientAndRemainder(dividingBy: d)
        let (qLow, rLow) = d.dividingFullWidth((high: rHigh, low: low))
        return (UInt256(high: qHigh, low: qLow), UInt64(rLow))
    }

    /// Full 256-bit division (shift and subtract).
    public func quotientAndRemainder(dividingBy divisor: UInt256) -> (quotient: UInt256, remainder: UInt256) {
        precondition(divisor != .zero, "division by zero")
        if divisor.high == 0, divisor.low <= UInt128(UInt64.max) {
            let (q, r) = quotientAndRemainder(dividingBy: UInt64(divisor.low))
            return (q, UInt256(r))
        }
        var quotient = UInt256.zero
        var remainder = UInt256.zero
        for bit in stride(from: 255, through: 0, by: -1) {
            remainder = UInt256(high: remainder.high << 1 | remainder.low >> 127, low: remainder.low << 1)
            if bitIsSet(bit) { remainder.low |= 1 }
            if remainder >= divisor {
                remainder = remainder.subtractingReportingOverflow(divisor).partialValue
                if bit >= 128 { quotient.high |= 1 << (bit - 128) } else { quotient.low |= 1 << bit }
            }
        }
        return (quotient, remainder)
    }

    @inline(__always)
    func bitIsSet(_ bit: Int) -> Bool {
        bit >= 128 ? (high >> (bit - 128)) & 1 == 1 : (low >> bit) & 1 == 1
    }

    /// Sum; traps on overflow.
    public static func + (lhs: UInt256, rhs: UInt256) -> UInt256 {
        let (v, o) = lhs.addingReportingOverflow(rhs)
        precondition(!o, "UInt256 addition overflow")
        return v
    }

    /// Difference; traps below zero.
    public static func - (lhs: UInt256, rhs: UInt256) -> UInt256 {
        let (v, o) = lhs.subtractingReportingOverflow(rhs)
        precondition(!o, "UInt256 subtraction overflow")
        return v
    }

    /// Product; traps on overflow.
    public static func * (lhs: UInt256, rhs: UInt256) -> UInt256 {
        let (v, o) = lhs.multipliedReportingOverflow(by: rhs)
        precondition(!o, "UInt256 multiplication overflow")
        return v
    }

    /// Truncating quotient; traps on division by zero.
    public static func / (lhs: UInt256, rhs: UInt256) -> UInt256 { lhs.quotientAndRemainder(dividingBy: rhs).quotient }
    /// Remainder; traps on division by zero.
    public static func % (lhs: UInt256, rhs: UInt256) -> UInt256 { lhs.quotientAndRemainder(dividingBy: rhs).remainder }

    public static func < (lhs: UInt256, rhs: UInt256) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}

extension UInt256: Codable {
    /// Decodes a decimal string (the wire form of amounts) or a JSON integer.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(UInt64.self) {
            self.init(number)
            return
        }
        let text = try container.decode(String.self)
        do {
            try self.init(decimal: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid uint256 \(error)")
        }
    }

    /// Encodes as a decimal string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension UInt128 {
    /// Parses decimal digits only (`^[0-9]+$`); values ≥ 2^128 are an overflow error.
    public init(decimalAmount text: some StringProtocol) throws(EVMParseError) {
        guard let value = try UInt256(decimal: text).uint128 else { throw .overflow }
        self = value
    }
}
