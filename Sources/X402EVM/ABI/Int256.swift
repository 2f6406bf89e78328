/// A signed 256-bit integer in two's complement (ABI `intN` values, sign-extended to 256 bits).
///
/// A storage type, not an arithmetic one: it converts to and from `Int64`, decimal text and its bit pattern.
public struct Int256: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// The two's-complement bits.
    public var bitPattern: UInt256

    /// From two's-complement bits.
    public init(bitPattern: UInt256) { self.bitPattern = bitPattern }

    /// Sign-extends a 64-bit value.
    public init(_ value: Int64) {
        let fill: UInt128 = value < 0 ? .max : 0
        bitPattern = UInt256(high: fill, low: UInt128(truncatingIfNeeded: value))
    }

    public init(integerLiteral value: Int64) { self.init(value) }

    /// 0 (all bits clear).
    public static let zero = Int256(bitPattern: .zero)
    /// 2^255 − 1.
    public static let max = Int256(bitPattern: UInt256(high: UInt128.max >> 1, low: .max))
    /// −2^255.
    public static let min = Int256(bitPattern: UInt256(high: 1 << 127, low: 0))

    /// True below zero.
    public var isNegative: Bool { bitPattern.high >> 127 == 1 }

    /// |value| (fits `UInt256`, including for ``min``).
    public var magnitude: UInt256 {
        guard isNegative else { return bitPattern }
        return Int256.negate(bitPattern)
    }

    static func negate(_ bits: UInt256) -> UInt256 {
        UInt256(high: ~bits.high, low: ~bits.low).addingReportingOverflow(UInt256(1)).partialValue
    }

    /// The value as `Int64` when it fits.
    public var int64: Int64? {
        let low = Int64(truncatingIfNeeded: bitPattern.low)
        return Int256(low) == self ? low : nil
    }

    /// Optional `-` followed by decimal digits, within −2^255 … 2^255 − 1.
    public init(decimal text: some StringProtocol) throws(EVMParseError) {
        let negative = text.hasPrefix("-")
        let magnitude = try UInt256(decimal: negative ? text.dropFirst() : text[...])
        let limit = Int256.min.bitPattern  // 2^255
        if negative {
            guard magnitude <= limit else { throw .overflow }
            self.init(bitPattern: magnitude == .zero ? .zero : Int256.negate(magnitude))
        } else {
            guard magnitude < limit else { throw .overflow }
            self.init(bitPattern: magnitude)
        }
    }

    /// Whether the value fits `intN` (`bits` in 8…256).
    public func fits(bits: Int) -> Bool {
        guard bits < 256 else { return true }
        // Fits iff bits [bits-1, 255] are all equal to the sign bit.
        let shift = bits - 1
        let shifted = bitPattern.shiftedRight(shift)
        let ones = UInt256.max.shiftedRight(shift)
        return isNegative ? shifted == ones : shifted == .zero
    }

    public var description: String { (isNegative ? "-" : "") + magnitude.description }

    public static func < (lhs: Int256, rhs: Int256) -> Bool {
        if lhs.isNegative != rhs.isNegative { return lhs.isNegative }
        return lhs.bitPattern < rhs.bitPattern
    }
}

extension UInt256 {
    /// Logical right shift by 0…255 bits.
    func shiftedRight(_ n: Int) -> UInt256 {
        if n == 0 { return self }
        if n >= 128 { return UInt256(high: 0, low: high >> (n - 128)) }
        return UInt256(high: high >> n, low: low >> n | high << (128 - n))
    }

    /// Number of significant bits (0 for zero).
    var bitWidth: Int {
        high != 0 ? 256 - high.leadingZeroBitCount : 128 - low.leadingZeroBitCount
    }
}
