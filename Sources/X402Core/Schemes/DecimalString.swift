/// Arithmetic on non-negative integers written as decimal strings (atomic token amounts), with no
/// width limit and no floating point: `2^256` compares above `2^256 - 1` like any other pair.
public enum DecimalString {
    /// True for one or more ASCII digits and nothing else (leading zeros allowed).
    public static func isCanonicalInteger(_ text: some StringProtocol) -> Bool {
        !text.utf8.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Orders two decimal integers by value; `nil` when either is not ``isCanonicalInteger(_:)``.
    public static func compare(_ a: some StringProtocol, _ b: some StringProtocol) -> ComparisonResult? {
        guard isCanonicalInteger(a), isCanonicalInteger(b) else { return nil }
        let x = a.utf8.drop { $0 == 0x30 }, y = b.utf8.drop { $0 == 0x30 }
        if x.count != y.count { return x.count < y.count ? .ascending : .descending }
        for (p, q) in zip(x, y) where p != q { return p < q ? .ascending : .descending }
        return .same
    }

    /// The result of ``compare(_:_:)``.
    public enum ComparisonResult: Sendable, Equatable {
        /// The left operand is smaller.
        case ascending
        /// Both are equal.
        case same
        /// The left operand is larger.
        case descending
    }

    /// `a ≤ b`; false when either is not a decimal integer.
    public static func lessThanOrEqual(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        guard let c = compare(a, b) else { return false }
        return c != .descending
    }

    /// The digits without leading zeros (`"0"` for zero); `nil` when not a decimal integer.
    public static func normalized(_ text: some StringProtocol) -> String? {
        guard isCanonicalInteger(text) else { return nil }
        let digits = text.utf8.drop { $0 == 0x30 }
        return digits.isEmpty ? "0" : String(decoding: digits, as: UTF8.self)
    }

    /// `floor(a × numerator / denominator)` for a decimal integer `a`; `nil` when `a` is not a decimal
    /// integer or `denominator` is zero.
    public static func multiplyDivide(_ a: some StringProtocol, by numerator: UInt64, dividingBy denominator: UInt64) -> String? {
        guard denominator > 0, isCanonicalInteger(a) else { return nil }
        // Multiply: base-10 digits, little-endian, carry in UInt64 via full-width arithmetic.
        var digits = a.utf8.reversed().map { UInt64($0 - 0x30) }
        var carry: (high: UInt64, low: UInt64) = (0, 0)
        var product: [UInt64] = []
        product.reserveCapacity(digits.count + 20)
        for d in digits {
            // value = d × numerator + carry, in 128 bits; emit value % 10, carry value / 10.
            let m = d.multipliedFullWidth(by: numerator)
            let (low, o) = m.low.addingReportingOverflow(carry.low)
            let value = (high: m.high &+ carry.high &+ (o ? 1 : 0), low: low)
            let (q, r) = divide10(value)
            product.append(r)
            carry = q
        }
        while carry.high != 0 || carry.low != 0 {
            let (q, r) = divide10(carry)
            product.append(r)
            carry = q
        }
        digits = product
        // Divide (big-endian long division by a UInt64).
        var quotient: [UInt8] = []
        quotient.reserveCapacity(digits.count)
        var remainder: UInt64 = 0
        for d in digits.reversed() {
            // remainder < denominator, so remainder * 10 + d fits in 128 bits.
            let wide = remainder.multipliedFullWidth(by: 10)
            let (low, o) = wide.low.addingReportingOverflow(d)
            let high = wide.high + (o ? 1 : 0)
            let (q, r) = denominator.dividingFullWidth((high: high, low: low))
            quotient.append(UInt8(q) + 0x30)
            remainder = r
        }
        let trimmed = quotient.drop { $0 == 0x30 }
        return trimmed.isEmpty ? "0" : String(decoding: trimmed, as: UTF8.self)
    }

    /// Converts a plain decimal (`"1.5"`, `"0.0000001"`) to atomic units with `decimals` fraction digits,
    /// truncating extra digits (protocol.md A.8 rule 3); `nil` when the text is not `\d+(\.\d+)?`.
    public static func atomicAmount(fromDecimal text: some StringProtocol, decimals: Int) -> String? {
        guard decimals >= 0 else { return nil }
        let parts = text.utf8.split(separator: 0x2E, maxSplits: 1, omittingEmptySubsequences: false)
        guard let int = parts.first, isCanonicalInteger(String(decoding: int, as: UTF8.self)) else { return nil }
        var fraction: [UInt8] = []
        if parts.count == 2 {
            guard isCanonicalInteger(String(decoding: parts[1], as: UTF8.self)) else { return nil }
            fraction = Array(parts[1].prefix(decimals))
        }
        while fraction.count < decimals { fraction.append(0x30) }
        return normalized(String(decoding: Array(int) + fraction, as: UTF8.self))
    }

    /// `(value / 10, value % 10)` for a 128-bit value.
    private static func divide10(_ value: (high: UInt64, low: UInt64)) -> (quotient: (high: UInt64, low: UInt64), remainder: UInt64) {
        let qHigh = value.high / 10
        let rHigh = value.high % 10
        let (qLow, r) = (10 as UInt64).dividingFullWidth((high: rHigh, low: value.low))
        return ((qHigh, qLow), r)
    }
}
