/// Reads the handler's `Settlement-Overrides` header and resolves its amount (protocol.md B.14) with
/// decimal-string integer math (no width limit, no floating point).
public enum SettlementOverrideResolver {
    /// The raw `amount` of a `Settlement-Overrides` header value (`{"amount":"50%"}`); a JSON number is
    /// taken as its text. `nil` when the value is malformed, not an object, or has no amount (ignored, as
    /// the SDK does).
    public static func amount(fromHeader value: String) -> String? {
        guard value.utf8.count <= HeaderCodec.maxEncodedLength,
              let json = try? JSONParser.parse(value), case .object(let object) = json else { return nil }
        switch object["amount"] {
        case .string(let s): return s
        case .number(let n): return n.text
        default: return nil
        }
    }

    /// Resolves a raw override against the requirement's `price` (atomic decimal text):
    /// - `^(\d+(\.\d{0,2})?)%$` → `floor(price × P / 10000)`, `P` = percent × 100 (`"12.5%"` → 1250);
    /// - `^\$(\d+(\.\d+)?)$` → converted with `decimals` (truncating), which must be known;
    /// - otherwise a plain atomic integer.
    public static func resolve(_ raw: String, price: String, decimals: Int?) throws(X402Error) -> String {
        let b = Array(raw.utf8)
        if b.last == 0x25 {  // %
            if let scaled = scaledPercent(b.dropLast()) {
                guard let amount = DecimalString.multiplyDivide(price, by: scaled, dividingBy: 10_000) else {
                    throw X402Error(.invalidPaymentRequirements, "price '\(price)' is not an atomic amount")
                }
                return amount
            }
        }
        if b.first == 0x24, let decimal = Optional(String(decoding: b.dropFirst(), as: UTF8.self)),
           isPlainDecimal(decimal) {  // $
            guard let decimals else {
                throw X402Error(.invalidPaymentRequirements, "cannot convert '\(raw)': the asset's decimals are unknown")
            }
            guard let amount = DecimalString.atomicAmount(fromDecimal: decimal, decimals: decimals) else {
                throw X402Error(.invalidPaymentRequirements, "invalid settlement override '\(raw)'")
            }
            return amount
        }
        guard let amount = DecimalString.normalized(raw) else {
            throw X402Error(.invalidPaymentRequirements, "settlement override '\(raw)' is not a percentage, a $ amount or an atomic integer")
        }
        return amount
    }

    /// `\d+(\.\d{0,2})?` → the percentage × 100; `nil` when the text does not match or overflows.
    static func scaledPercent(_ body: ArraySlice<UInt8>) -> UInt64? {
        let parts = body.split(separator: 0x2E, maxSplits: 1, omittingEmptySubsequences: false)
        guard let int = parts.first, !int.isEmpty, int.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        var fraction: [UInt8] = []
        if parts.count == 2 {
            guard parts[1].count <= 2, parts[1].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            fraction = Array(parts[1])
        }
        while fraction.count < 2 { fraction.append(0x30) }
        guard let whole = UInt64(String(decoding: int, as: UTF8.self)) else { return nil }
        let (scaled, o1) = whole.multipliedReportingOverflow(by: 100)
        let (total, o2) = scaled.addingReportingOverflow(UInt64(fraction[0] - 0x30) * 10 + UInt64(fraction[1] - 0x30))
        return o1 || o2 ? nil : total
    }

    static func isPlainDecimal(_ text: String) -> Bool {
        let parts = text.utf8.split(separator: 0x2E, maxSplits: 1, omittingEmptySubsequences: false)
        return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    }
}
