/// A small strict JSON reader (RFC 8259) producing ``EIP712Value``s.
///
/// Its own rather than Foundation's so that integers stay exact at any size up to 256 bits and every
/// failure is a typed error. Numbers must be integers; duplicate object keys are rejected.
struct EIP712JSONReader {
    static let maxDepth = 128

    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Parses one JSON value spanning the whole input (surrounding whitespace allowed).
    static func parse(_ bytes: [UInt8]) throws(EIP712Error) -> EIP712Value {
        var reader = EIP712JSONReader(bytes)
        reader.skipWhitespace()
        let value = try reader.readValue(depth: 0)
        reader.skipWhitespace()
        guard reader.index == reader.bytes.count else { throw .malformedJSON(offset: reader.index) }
        return value
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0a || bytes[index] == 0x0d || bytes[index] == 0x09 {
            index += 1
        }
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func expect(_ literal: StaticString) throws(EIP712Error) {
        let start = index
        for byte in UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount) {
            guard index < bytes.count, bytes[index] == byte else { throw .malformedJSON(offset: start) }
            index += 1
        }
    }

    private mutating func readValue(depth: Int) throws(EIP712Error) -> EIP712Value {
        guard depth < Self.maxDepth else { throw .nestingTooDeep }
        guard let byte = peek() else { throw .malformedJSON(offset: index) }
        switch byte {
        case UInt8(ascii: "{"): return try readObject(depth: depth)
        case UInt8(ascii: "["): return try readArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try readNumber()
        default: throw .malformedJSON(offset: index)
        }
    }

    private mutating func readObject(depth: Int) throws(EIP712Error) -> EIP712Value {
        index += 1  // {
        var fields: [String: EIP712Value] = [:]
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return .object(fields)
        }
        while true {
            skipWhitespace()
            let keyOffset = index
            guard peek() == UInt8(ascii: "\"") else { throw .malformedJSON(offset: index) }
            let key = try readString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw .malformedJSON(offset: index) }
            index += 1
            skipWhitespace()
            let value = try readValue(depth: depth + 1)
            // A duplicate key is ambiguous (parsers disagree on which wins), so it is an error.
            guard fields.updateValue(value, forKey: key) == nil else { throw .malformedJSON(offset: keyOffset) }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(fields)
            default: throw .malformedJSON(offset: index)
            }
        }
    }

    private mutating func readArray(depth: Int) throws(EIP712Error) -> EIP712Value {
        index += 1  // [
        var elements: [EIP712Value] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try readValue(depth: depth + 1))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(elements)
            default: throw .malformedJSON(offset: index)
            }
        }
    }

    private mutating func readNumber() throws(EIP712Error) -> EIP712Value {
        let start = index
        var negative = false
        if peek() == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let digitsStart = index
        while let c = peek(), c >= 0x30, c <= 0x39 { index += 1 }
        let digitCount = index - digitsStart
        guard digitCount > 0 else { throw .malformedJSON(offset: start) }
        // JSON forbids leading zeros ("01").
        guard digitCount == 1 || bytes[digitsStart] != 0x30 else { throw .malformedJSON(offset: start) }
        if let c = peek(), c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            throw .nonIntegerNumber(offset: start)
        }
        var magnitude = UInt256.zero
        for c in bytes[digitsStart..<index] {
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(UInt256(UInt64(c - 0x30)))
            // No EIP-712 type holds a value of 2^256 or more.
            if o1 || o2 { throw .valueOutOfRange(path: "", type: "JSON number") }
            magnitude = next
        }
        return .integer(negative: negative, magnitude: magnitude)
    }

    private mutating func readString() throws(EIP712Error) -> String {
        let start = index
        index += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = index
        // Copies runs of unescaped bytes at once; they are validated as UTF-8 when flushed.
        func flush(_ from: Int, _ to: Int, into scalars: inout String.UnicodeScalarView) -> Bool {
            guard from < to else { return true }
            guard let text = String(validating: bytes[from..<to], as: UTF8.self) else { return false }
            scalars.append(contentsOf: text.unicodeScalars)
            return true
        }
        while true {
            guard index < bytes.count else { throw .malformedJSON(offset: start) }
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                guard flush(runStart, index, into: &scalars) else { throw .malformedJSON(offset: start) }
                index += 1
                return String(scalars)
            }
            if c < 0x20 { throw .malformedJSON(offset: index) }
            if c != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            guard flush(runStart, index, into: &scalars) else { throw .malformedJSON(offset: start) }
            index += 1
            guard index < bytes.count else { throw .malformedJSON(offset: index) }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                let escapeOffset = index - 2
                var code = try readHex4()
                if (0xD800..<0xDC00).contains(code) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                    else { throw .malformedJSON(offset: escapeOffset) }
                    index += 2
                    let low = try readHex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw .malformedJSON(offset: escapeOffset) }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw .malformedJSON(offset: escapeOffset) }
                scalars.append(scalar)
            default:
                throw .malformedJSON(offset: index - 2)
            }
            runStart = index
        }
    }

    private mutating func readHex4() throws(EIP712Error) -> UInt32 {
        guard index + 4 <= bytes.count else { throw .malformedJSON(offset: index) }
        var code: UInt32 = 0
        for _ in 0..<4 {
            guard let n = Hex.nibble(bytes[index]) else { throw .malformedJSON(offset: index) }
            code = code << 4 | UInt32(n)
            index += 1
        }
        return code
    }
}

extension EIP712Value {
    /// Parses JSON text (integers only for numbers) into a value.
    public init(json: String) throws(EIP712Error) {
        self = try EIP712JSONReader.parse(Array(json.utf8))
    }

    /// Parses UTF-8 JSON bytes (integers only for numbers) into a value.
    public init(jsonUTF8 bytes: [UInt8]) throws(EIP712Error) {
        self = try EIP712JSONReader.parse(bytes)
    }
}
