/// A strict RFC 8259 JSON parser into ``RPCJSONValue``.
///
/// Hand-written because responses (thousands of logs) are parsed on hot paths and Codable into an
/// enum is an order of magnitude slower. Nesting is capped so hostile input cannot exhaust the stack.
struct JSONParser {
    enum Failure: Error, Equatable {
        case unexpectedEnd
        case unexpectedByte(offset: Int)
        case tooDeep
        case invalidNumber(offset: Int)
        case invalidEscape(offset: Int)
    }

    static let maxDepth = 256

    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses exactly one JSON value (surrounding whitespace allowed).
    static func parse(_ input: [UInt8]) throws(Failure) -> RPCJSONValue {
        let result: Result<RPCJSONValue, Failure> = input.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(buffer)
            do throws(Failure) {
                parser.skipWhitespace()
                let value = try parser.value(depth: 0)
                parser.skipWhitespace()
                guard parser.i == buffer.count else { throw Failure.unexpectedByte(offset: parser.i) }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private mutating func skipWhitespace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    private func peek() throws(Failure) -> UInt8 {
        guard i < bytes.count else { throw .unexpectedEnd }
        return bytes[i]
    }

    private mutating func expect(_ literal: StaticString) throws(Failure) {
        let count = literal.utf8CodeUnitCount
        guard i + count <= bytes.count else { throw .unexpectedEnd }
        let p = literal.utf8Start
        for k in 0..<count where bytes[i + k] != p[k] { throw .unexpectedByte(offset: i + k) }
        i += count
    }

    private mutating func value(depth: Int) throws(Failure) -> RPCJSONValue {
        switch try peek() {
        case 0x7B: return try object(depth: depth + 1)
        case 0x5B: return try array(depth: depth + 1)
        case 0x22: return .string(try string())
        case 0x74: try expect("true"); return .bool(true)
        case 0x66: try expect("false"); return .bool(false)
        case 0x6E: try expect("null"); return .null
        case 0x2D, 0x30...0x39: return try number()
        default: throw .unexpectedByte(offset: i)
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> RPCJSONValue {
        guard depth <= Self.maxDepth else { throw .tooDeep }
        i += 1  // {
        var members: [String: RPCJSONValue] = [:]
        skipWhitespace()
        if try peek() == 0x7D {
            i += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard try peek() == 0x22 else { throw .unexpectedByte(offset: i) }
            let key = try string()
            skipWhitespace()
            guard try peek() == 0x3A else { throw .unexpectedByte(offset: i) }
            i += 1
            skipWhitespace()
            members[key] = try value(depth: depth)
            skipWhitespace()
            switch try peek() {
            case 0x2C: i += 1
            case 0x7D: i += 1; return .object(members)
            default: throw .unexpectedByte(offset: i)
            }
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> RPCJSONValue {
        guard depth <= Self.maxDepth else { throw .tooDeep }
        i += 1  // [
        var elements: [RPCJSONValue] = []
        skipWhitespace()
        if try peek() == 0x5D {
            i += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth))
            skipWhitespace()
            switch try peek() {
            case 0x2C: i += 1
            case 0x5D: i += 1; return .array(elements)
            default: throw .unexpectedByte(offset: i)
            }
        }
    }

    private mutating func string() throws(Failure) -> String {
        i += 1  // opening quote
        let start = i
        // Fast path: no escapes.
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x22 {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                i += 1
                return s
            }
            if b == 0x5C { break }
            guard b >= 0x20 else { throw .unexpectedByte(offset: i) }
            i += 1
        }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<min(i, bytes.count)]))
        while true {
            guard i < bytes.count else { throw .unexpectedEnd }
            let b = bytes[i]
            switch b {
            case 0x22:
                i += 1
                return String(decoding: out, as: UTF8.self)
            case 0x5C:
                guard i + 1 < bytes.count else { throw .unexpectedEnd }
                let e = bytes[i + 1]
                i += 2
                switch e {
                case 0x22, 0x5C, 0x2F: out.append(e)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75: try unicodeEscape(into: &out)
                default: throw .invalidEscape(offset: i - 1)
                }
            case 0x00..<0x20:
                throw .unexpectedByte(offset: i)
            default:
                out.append(b)
                i += 1
            }
        }
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard i + 4 <= bytes.count else { throw .unexpectedEnd }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = bytes[i + k]
            let n: UInt8
            switch c {
            case 0x30...0x39: n = c - 0x30
            case 0x61...0x66: n = c - 0x61 + 10
            case 0x41...0x46: n = c - 0x41 + 10
            default: throw .invalidEscape(offset: i + k)
            }
            v = v << 4 | UInt32(n)
        }
        i += 4
        return v
    }

    private mutating func unicodeEscape(into out: inout [UInt8]) throws(Failure) {
        var scalar = try hex4()
        if (0xD800..<0xDC00).contains(scalar) {
            // A high surrogate must be followed by an escaped low surrogate.
            guard i + 6 <= bytes.count, bytes[i] == 0x5C, bytes[i + 1] == 0x75 else { throw .invalidEscape(offset: i) }
            i += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw .invalidEscape(offset: i - 4) }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(scalar) {
            throw .invalidEscape(offset: i - 4)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw .invalidEscape(offset: i - 4) }
        out.append(contentsOf: String(Character(unicode)).utf8)
    }

    private mutating func number() throws(Failure) -> RPCJSONValue {
        let start = i
        if bytes[i] == 0x2D { i += 1 }
        guard i < bytes.count else { throw .unexpectedEnd }
        // Integer part: "0" or a non-zero digit followed by digits.
        if bytes[i] == 0x30 {
            i += 1
        } else if (0x31...0x39).contains(bytes[i]) {
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
        } else {
            throw .invalidNumber(offset: i)
        }
        var isInteger = true
        if i < bytes.count, bytes[i] == 0x2E {
            isInteger = false
            i += 1
            let digits = i
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
            guard i > digits else { throw .invalidNumber(offset: i) }
        }
        if i < bytes.count, bytes[i] == 0x65 || bytes[i] == 0x45 {
            isInteger = false
            i += 1
            if i < bytes.count, bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
            let digits = i
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
            guard i > digits else { throw .invalidNumber(offset: i) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        if isInteger, let exact = Int64(text) { return .integer(exact) }
        guard let d = Double(text) else { throw .invalidNumber(offset: start) }
        return .double(d)
    }
}
