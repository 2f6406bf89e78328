

/// Why a price could not be turned into an atomic amount.
public enum MoneyError: Error, Equatable, Sendable {
    /// The text does not match the money grammar (also: negative values, exponents, glued tickers).
    case invalidFormat(String)
    /// No default asset is configured for the network.
    case noDefaultAsset(Network)
    /// The ticker names no default asset on the network.
    case unknownTicker(String, Network)
    /// The atomic amount does not fit 256 bits.
    case overflow
    /// Token decimals must be 0...77 (10^78 exceeds 2^256).
    case invalidDecimals(Int)
    /// An explicit ``AssetAmount`` price needs a non-empty asset.
    case missingAsset
}

/// A non-negative decimal number held as its digits (never as floating point).
public struct DecimalAmount: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// ASCII digits before the point; never empty, may have leading zeros (`"007"`).
    public let integerDigits: String
    /// ASCII digits after the point; may be empty.
    public let fractionDigits: String

    /// Parses `^\d+(\.\d+)?$` (ASCII digits).
    public init(_ text: some StringProtocol) throws(MoneyError) {
        let parts = text.utf8.split(separator: 0x2E, maxSplits: 1, omittingEmptySubsequences: false)
        guard let int = parts.first, !int.isEmpty, int.allSatisfy(isASCIIDigit) else { throw .invalidFormat(String(text)) }
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy(isASCIIDigit) else { throw .invalidFormat(String(text)) }
            fractionDigits = String(decoding: parts[1], as: UTF8.self)
        } else {
            fractionDigits = ""
        }
        integerDigits = String(decoding: int, as: UTF8.self)
    }

    init(integerDigits: String, fractionDigits: String) {
        self.integerDigits = integerDigits
        self.fractionDigits = fractionDigits
    }

    public var description: String { fractionDigits.isEmpty ? integerDigits : integerDigits + "." + fractionDigits }

    /// Atomic units for a token with `decimals`: the fraction is right-padded with zeros or truncated
    /// (never rounded), exactly as the SDK's `convert_to_token_amount`.
    public func atomicAmount(decimals: Int) throws(MoneyError) -> UInt256 {
        guard (0...77).contains(decimals) else { throw .invalidDecimals(decimals) }
        var digits = Array(integerDigits.utf8)
        let frac = Array(fractionDigits.utf8)
        digits.append(contentsOf: frac.prefix(decimals))
        if frac.count < decimals { digits.append(contentsOf: repeatElement(0x30, count: decimals - frac.count)) }
        // Leading zeros are harmless to the parser; skip them so long zero prefixes cannot overflow.
        let significant = digits.drop { $0 == 0x30 }
        if significant.isEmpty { return .zero }
        do {
            return try UInt256(decimal: String(decoding: significant, as: UTF8.self))
        } catch {
            throw .overflow
        }
    }

    /// Plain decimal text of an integer (`"-"` is not allowed: money is non-negative).
    init?<I: BinaryInteger>(integer: I) {
        guard integer >= 0 else { return nil }
        self.init(integerDigits: String(integer), fractionDigits: "")
    }

    /// The shortest round-trip decimal digits of a finite non-negative `Double`, in plain notation —
    /// the SDK's `number_to_decimal_string(str(x))`. Digits the `Double` already lost stay lost.
    init?(double: Double) {
        // -0.0 is not below zero but prints as "-0.0": reject it like any signed price (`"-0"` is rejected too).
        guard double.isFinite, double >= 0, double.sign == .plus else { return nil }
        // Swift and Python both print the shortest digits that round-trip; expand any exponent.
        let text = Array(double.description.utf8)
        let ePos = text.firstIndex { $0 == 0x65 || $0 == 0x45 }
        let mantissa = ePos.map { Array(text[..<$0]) } ?? text
        var exponent = 0
        if let ePos, let e = Int(String(decoding: text[(ePos + 1)...], as: UTF8.self)) { exponent = e }
        let dot = mantissa.firstIndex(of: 0x2E)
        let intDigits = dot.map { Array(mantissa[..<$0]) } ?? mantissa
        let fracDigits = dot.map { Array(mantissa[($0 + 1)...]) } ?? []
        let all = intDigits + fracDigits
        let point = intDigits.count + exponent
        let i: [UInt8], f: [UInt8]
        if ePos == nil {
            (i, f) = (intDigits, fracDigits)
        } else if point <= 0 {
            (i, f) = ([0x30], Array(repeating: 0x30, count: -point) + all)
        } else if point >= all.count {
            (i, f) = (all + Array(repeating: 0x30, count: point - all.count), [])
        } else {
            (i, f) = (Array(all[..<point]), Array(all[point...]))
        }
        self.init(integerDigits: String(decoding: i, as: UTF8.self), fractionDigits: String(decoding: f, as: UTF8.self))
    }
}

@inline(__always) func isASCIIDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

/// A user-facing price: `"$0.01"`, `"0.01"`, `"1.5 USDC"`, `10`, `0.01` (protocol.md A.8).
public enum Money: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    /// Price text such as `"$0.01"`, `"0.01"` or `"1.5 USDC"`, parsed by ``parse()``.
    case string(String)
    /// Whole currency units (`10` = $10), converted with the asset's decimals.
    case integer(Int)
    /// Converted through its shortest decimal representation, never through float arithmetic.
    case double(Double)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .double(value) }

    /// The parsed amount and optional ticker (`nil` for no ticker or `USD`).
    public func parse() throws(MoneyError) -> (amount: DecimalAmount, symbol: String?) {
        switch self {
        case .integer(let i):
            guard let d = DecimalAmount(integer: i) else { throw .invalidFormat(String(i)) }
            return (d, nil)
        case .double(let x):
            guard let d = DecimalAmount(double: x) else { throw .invalidFormat(x.description) }
            return (d, nil)
        case .string(let s):
            return try Money.parse(s)
        }
    }

    /// Matches the SDK grammar `^\$?\s*(-?\d+(?:\.\d+)?)(?:\s+([A-Za-z][A-Za-z0-9.]*))?$` on the trimmed
    /// text, then rejects the negative sign. Digits and whitespace are ASCII only (Python's `\d`/`\s`
    /// also take other Unicode digits and spaces, which no real price uses).
    static func parse(_ text: String) throws(MoneyError) -> (amount: DecimalAmount, symbol: String?) {
        let b = Array(text.utf8)
        var lo = 0, hi = b.count
        while lo < hi, isSpace(b[lo]) { lo += 1 }
        while hi > lo, isSpace(b[hi - 1]) { hi -= 1 }
        var i = lo
        if i < hi, b[i] == 0x24 { i += 1 }
        while i < hi, isSpace(b[i]) { i += 1 }
        // A leading `-` matches the SDK regex but is then rejected by its second check.
        guard i < hi, isASCIIDigit(b[i]) else { throw .invalidFormat(text) }
        let numStart = i
        while i < hi, isASCIIDigit(b[i]) { i += 1 }
        if i < hi, b[i] == 0x2E {
            guard i + 1 < hi, isASCIIDigit(b[i + 1]) else { throw .invalidFormat(text) }
            i += 1
            while i < hi, isASCIIDigit(b[i]) { i += 1 }
        }
        let amount = try DecimalAmount(String(decoding: b[numStart..<i], as: UTF8.self))
        if i == hi { return (amount, nil) }
        // The ticker must be separated by whitespace; `1.5USDC` is rejected.
        guard isSpace(b[i]) else { throw .invalidFormat(text) }
        while i < hi, isSpace(b[i]) { i += 1 }
        guard i < hi, isASCIIAlpha(b[i]) else { throw .invalidFormat(text) }
        let tickerStart = i
        i += 1
        while i < hi, isASCIIAlpha(b[i]) || isASCIIDigit(b[i]) || b[i] == 0x2E { i += 1 }
        guard i == hi else { throw .invalidFormat(text) }
        let symbol = String(decoding: b[tickerStart..<hi], as: UTF8.self).uppercased()
        return (amount, symbol == "USD" ? nil : symbol)
    }

    /// Python `str.isspace()` on ASCII: space, \t \n \v \f \r and the separators 0x1C–0x1F.
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) }
    @inline(__always) static func isASCIIAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
}

/// A route price as the application wrote it (protocol.md A.8): money (`"$0.01"`, `0.01`, `"1.5 USDC"`),
/// converted to atomic units by the server scheme's `parsePrice` with its network's assets, or an explicit
/// atomic amount of a given asset. Core never converts it itself.
public enum Price: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    /// A human amount, converted to atomic units of the network's default asset (picked by ticker; `$`/`USD` → the first).
    case money(Money)
    /// An explicit atomic amount of a given token, used as is.
    case assetAmount(AssetAmount)

    /// `.money(.string(value))`.
    public init(stringLiteral value: String) { self = .money(.string(value)) }
    /// `.money(.integer(value))`.
    public init(integerLiteral value: Int) { self = .money(.integer(value)) }
    /// `.money(.double(value))`, converted through its shortest decimal text, never float arithmetic.
    public init(floatLiteral value: Double) { self = .money(.double(value)) }
}
