

/// Why a `Settlement-Overrides` amount could not be resolved.
public enum SettlementOverrideError: Error, Equatable, Sendable {
    /// A `$…` override needs the asset's decimals, which are unknown (not a default asset).
    case unknownDecimals(String)
    /// Neither a percentage, a `$` amount, nor a plain atomic integer.
    case invalidAmount(String)
    /// The result does not fit 256 bits.
    case overflow
}

/// The handler-set `Settlement-Overrides` header (protocol.md B.14): `{"amount": "<value>"}`.
public struct SettlementOverrides: Equatable, Sendable {
    /// The raw override: `"50%"`, `"12.5%"`, `"$0.001"`, or an atomic integer.
    public var amount: String?

    /// An override with the raw `amount` text; `nil` means no override (the requirement's `amount` is settled).
    public init(amount: String?) { self.amount = amount }

    /// Parses the header's JSON; `nil` when it is malformed or not an object (the SDK then ignores it).
    /// A numeric `amount` is taken as its JSON text.
    public init?(headerValue: String) {
        // The handler's own header, but still bounded like any header value.
        guard headerValue.utf8.count <= HeaderCodec.maxEncodedLength,
              let json = try? JSONParser.parse(headerValue), case .object(let o) = json else { return nil }
        switch o["amount"] {
        case .string(let s): amount = s
        case .number(let n): amount = n.text
        default: amount = nil
        }
    }

    /// Resolves a raw override to an atomic amount with integer math only.
    ///
    /// - `^(\d+(\.\d{0,2})?)%$`: `floor(price × P / 10000)` with `P` = percent × 100 (`"12.5%"` → 1250).
    /// - `^\$(\d+(\.\d+)?)$`: converted with `decimals`, truncating.
    /// - otherwise the text must be a plain atomic integer (`^[0-9]+$`).
    public static func resolve(_ raw: String, price: UInt256, decimals: Int?) throws(SettlementOverrideError) -> UInt256 {
        let b = Array(raw.utf8)
        if let percent = scaledPercent(b) {
            guard let p = percent else { throw .overflow }
            guard let result = mulDiv10000(price, p) else { throw .overflow }
            return result
        }
        if b.first == 0x24, let amount = try? DecimalAmount(String(decoding: b.dropFirst(), as: UTF8.self)) {
            guard let decimals else { throw .unknownDecimals(raw) }
            do {
                return try amount.atomicAmount(decimals: decimals)
            } catch {
                throw error == .overflow ? .overflow : .invalidAmount(raw)
            }
        }
        guard !b.isEmpty, b.allSatisfy(isASCIIDigit) else { throw .invalidAmount(raw) }
        do { return try UInt256(decimal: raw) } catch { throw .overflow }
    }

    /// `floor(a × b / 10000)` exactly, `nil` only when the result itself exceeds 256 bits.
    ///
    /// With `a = qa·c + ra` and `b = qb·c + rb` (`c = 10000`): `a·b/c = qa·b + ra·qb + ⌊ra·rb / c⌋`, and
    /// `ra·rb < c²` fits, so no intermediate overflows where the result fits ("50%" of 2^256 − 1).
    static func mulDiv10000(_ a: UInt256, _ b: UInt256) -> UInt256? {
        let c: UInt64 = 10_000
        let (qa, ra) = a.quotientAndRemainder(dividingBy: c)
        let (qb, rb) = b.quotientAndRemainder(dividingBy: c)
        let (t1, o1) = qa.multipliedReportingOverflow(by: b)
        let (t2, o2) = UInt256(ra).multipliedReportingOverflow(by: qb)
        let t3 = UInt256(ra * rb / c)
        let (s1, o3) = t1.addingReportingOverflow(t2)
        let (s2, o4) = s1.addingReportingOverflow(t3)
        return (o1 || o2 || o3 || o4) ? nil : s2
    }

    /// `nil` when `b` is not a percentage; `.some(nil)` when it is one that overflows.
    static func scaledPercent(_ b: [UInt8]) -> UInt256?? {
        guard b.last == 0x25 else { return nil }
        let body = b.dropLast()
        let parts = body.split(separator: 0x2E, maxSplits: 1, omittingEmptySubsequences: false)
        guard let int = parts.first, !int.isEmpty, int.allSatisfy(isASCIIDigit) else { return nil }
        var frac: [UInt8] = []
        if parts.count == 2 {
            // `\.\d{0,2}`: the point may be followed by zero, one or two digits ("50.%" matches).
            guard parts[1].count <= 2, parts[1].allSatisfy(isASCIIDigit) else { return nil }
            frac = Array(parts[1])
        }
        while frac.count < 2 { frac.append(0x30) }
        guard let whole = try? UInt256(decimal: String(decoding: int.drop { $0 == 0x30 }.isEmpty ? [0x30] : Array(int.drop { $0 == 0x30 }), as: UTF8.self)) else {
            return .some(nil)
        }
        let (scaled, o1) = whole.multipliedReportingOverflow(by: UInt256(100))
        let (total, o2) = scaled.addingReportingOverflow(UInt256(UInt64(frac[0] - 0x30) * 10 + UInt64(frac[1] - 0x30)))
        return (o1 || o2) ? .some(nil) : .some(total)
    }
}
