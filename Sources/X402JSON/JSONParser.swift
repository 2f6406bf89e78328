/// Why JSON text was rejected, with the byte offset where parsing stopped.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kinds of malformed JSON.
    public enum Kind: Equatable, Sendable {
        /// The input ended inside a value (e.g. an unterminated string, array or object).
        case unexpectedEnd
        /// A byte that cannot start or continue a value there (including misspelled `true`, `false`, `null`).
        case unexpectedCharacter
        /// Text that starts like a number but breaks the JSON number grammar (`-`, `1.`, `1e`).
        case invalidNumber
        /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`, or bad hex digits after `\u`.
        case invalidEscape
        /// A `\u` escape that is an unpaired UTF-16 surrogate (not representable as a Swift string).
        case loneSurrogate
        /// Raw control character (< 0x20) inside a string.
        case controlCharacter
        /// String bytes that are not valid UTF-8.
        case invalidUTF8
        /// Objects must not repeat a key (the SDKs never do; accepting one would let two parsers disagree).
        case duplicateKey(String)
        /// Nesting deeper than ``JSONLimits/maxDepth``.
        case tooDeep
        /// More bytes than ``JSONLimits/maxBytes``.
        case tooLarge
        /// An object with more keys than ``JSONLimits/maxObjectKeys``.
        case tooManyKeys
        /// An array with more elements than ``JSONLimits/maxArrayElements``.
        case tooManyElements
        /// Non-whitespace bytes after the complete top-level value.
        case trailingData
    }

    /// Which rule the input broke.
    public var kind: Kind
    /// 0-based byte offset into the input where parsing stopped.
    public var offset: Int

    /// An error of `kind` at byte `offset`.
    public init(_ kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String { "\(kind) at byte \(offset)" }
}

/// Bounds on what the parser accepts, so hostile input costs bounded CPU and memory.
///
/// The x402 wire never needs more than a few dozen keys per object or a few levels of nesting; the
/// defaults leave wide room for that while keeping the worst legal 64 KiB header cheap.
public struct JSONLimits: Sendable, Equatable {
    /// Maximum input size in bytes.
    public var maxBytes: Int
    /// Maximum nesting of arrays and objects; deeper input is rejected instead of exhausting the stack.
    public var maxDepth: Int
    /// Maximum keys in one object.
    public var maxObjectKeys: Int
    /// Maximum elements in one array.
    public var maxArrayElements: Int

    /// Explicit limits.
    public init(maxBytes: Int, maxDepth: Int, maxObjectKeys: Int, maxArrayElements: Int = 4096) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxObjectKeys = maxObjectKeys
        self.maxArrayElements = maxArrayElements
    }

    /// For x402 messages and HTTP bodies: 1 MiB, depth 64, 1,024 keys per object, 4,096 elements per array
    /// (a claim batch is bounded by block gas to about a thousand rows).
    public static let `default` = JSONLimits(maxBytes: 1 << 20, maxDepth: 64, maxObjectKeys: 1024, maxArrayElements: 4096)
    /// For JSON-RPC responses (logs, blocks): 64 MiB, depth 64, 4,096 keys per object, 4 Mi elements per array.
    public static let rpc = JSONLimits(maxBytes: 64 << 20, maxDepth: 64, maxObjectKeys: 4096, maxArrayElements: 1 << 22)
}

/// A strict RFC 8259 parser into ``JSONValue``: no comments, NaN, trailing commas or duplicate keys,
/// and bounded by ``JSONLimits``.
public enum JSONParser {
    static let digitStrings: [String] = (0...9).map { String($0) }

    /// Maximum nesting of arrays/objects under the default limits.
    public static let maxDepth = JSONLimits.default.maxDepth

    /// Parses one JSON value spanning all of `bytes` (surrounding whitespace allowed).
    public static func parse(_ bytes: some Collection<UInt8>, limits: JSONLimits = .default) throws(JSONParseError) -> JSONValue {
        guard bytes.count <= limits.maxBytes else { throw JSONParseError(.tooLarge, offset: limits.maxBytes) }
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { parseResult($0, limits) }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { parseResult($0, limits) }.get()
    }

    /// True when `bytes` are strict UTF-8 (RFC 3629: no overlong forms, surrogates or values past U+10FFFF).
    public static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { UTF8Validation.isValid(bytes) }

    /// Parses UTF-8 JSON text.
    public static func parse(_ text: String, limits: JSONLimits = .default) throws(JSONParseError) -> JSONValue {
        guard text.utf8.count <= limits.maxBytes else { throw JSONParseError(.tooLarge, offset: limits.maxBytes) }
        var text = text
        return try text.withUTF8 { parseResult($0, limits) }.get()
    }

    static func parseResult(_ buffer: UnsafeBufferPointer<UInt8>, _ limits: JSONLimits) -> Result<JSONValue, JSONParseError> {
        var p = Parser(b: buffer, limits: limits)
        do throws(JSONParseError) {
            p.skipWhitespace()
            let v = try p.value(depth: 0)
            p.skipWhitespace()
            guard p.i == buffer.count else { throw JSONParseError(.trailingData, offset: p.i) }
            return .success(v)
        } catch {
            return .failure(error)
        }
    }

    struct Parser {
        let b: UnsafeBufferPointer<UInt8>
        let limits: JSONLimits
        var i = 0

        @inline(__always) mutating func skipWhitespace() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }

        @inline(__always) func error(_ k: JSONParseError.Kind) -> JSONParseError { JSONParseError(k, offset: i) }

        mutating func expect(_ literal: StaticString, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
            let n = literal.utf8CodeUnitCount
            guard i + n <= b.count else { throw error(.unexpectedEnd) }
            let p = literal.utf8Start
            for k in 0..<n where b[i + k] != p[k] { i += k; throw error(.unexpectedCharacter) }
            i += n
            return value
        }

        mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
            guard i < b.count else { throw error(.unexpectedEnd) }
            switch b[i] {
            case 0x7B: return try object(depth: depth + 1)
            case 0x5B: return try array(depth: depth + 1)
            case 0x22: return .string(try string())
            case 0x74: return try expect("true", .bool(true))
            case 0x66: return try expect("false", .bool(false))
            case 0x6E: return try expect("null", .null)
            case 0x2D, 0x30...0x39:
                let end = JSONNumber.scan(b, from: i)
                guard end > i else { throw error(.invalidNumber) }
                // One-digit numbers (the cheapest element of a hostile array) reuse a shared string.
                let text = end == i + 1 ? JSONParser.digitStrings[Int(b[i] &- 0x30)]
                    : String(decoding: UnsafeBufferPointer(rebasing: b[i..<end]), as: UTF8.self)
                i = end
                return .number(JSONNumber(unchecked: text))
            default:
                throw error(.unexpectedCharacter)
            }
        }

        mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth <= limits.maxDepth else { throw error(.tooDeep) }
            i += 1
            skipWhitespace()
            // `{}` allocates nothing (64 KiB of them must stay cheap); others start with room for 8 keys.
            if i < b.count && b[i] == 0x7D { i += 1; return .object(JSONObject()) }
            var object = JSONObject(capacity: 8)
            while true {
                skipWhitespace()
                guard i < b.count else { throw error(.unexpectedEnd) }
                guard b[i] == 0x22 else { throw error(.unexpectedCharacter) }
                let keyOffset = i
                let key = try string(isKey: true)
                skipWhitespace()
                guard i < b.count else { throw error(.unexpectedEnd) }
                guard b[i] == 0x3A else { throw error(.unexpectedCharacter) }
                i += 1
                skipWhitespace()
                let v = try value(depth: depth)
                // O(1) (hashed) duplicate check; keys compare by bytes, so NFC and NFD twins differ.
                guard object.insertNew(key, v) else { throw JSONParseError(.duplicateKey(key), offset: keyOffset) }
                guard object.count <= limits.maxObjectKeys else { throw JSONParseError(.tooManyKeys, offset: keyOffset) }
                skipWhitespace()
                guard i < b.count else { throw error(.unexpectedEnd) }
                if b[i] == 0x2C { i += 1; continue }
                if b[i] == 0x7D { i += 1; return .object(object) }
                throw error(.unexpectedCharacter)
            }
        }

        mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth <= limits.maxDepth else { throw error(.tooDeep) }
            i += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if i < b.count && b[i] == 0x5D { i += 1; return .array(items) }
            while true {
                skipWhitespace()
                guard items.count < limits.maxArrayElements else { throw error(.tooManyElements) }
                items.append(try value(depth: depth))
                skipWhitespace()
                guard i < b.count else { throw error(.unexpectedEnd) }
                if b[i] == 0x2C { i += 1; continue }
                if b[i] == 0x5D { i += 1; return .array(items) }
                throw error(.unexpectedCharacter)
            }
        }

        mutating func string(isKey: Bool = false) throws(JSONParseError) -> String {
            i += 1
            let start = i
            var high: UInt64 = 0  // OR of every byte scanned: bit 7 set somewhere means non-ASCII
            // Eight bytes at a time while none is a quote, a backslash or a control character.
            if let base = b.baseAddress {
                while i + 8 <= b.count {
                    let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                    if JSONWordScan.needsEscape(x) { break }
                    high |= x
                    i += 8
                }
            }
            // Fast path: no escapes, the bytes are the string.
            while i < b.count {
                let c = b[i]
                if c == 0x22 {
                    let slice = UnsafeBufferPointer(rebasing: b[start..<i])
                    if isKey, let known = KnownKeys.lookup(slice) { i += 1; return known }
                    // ASCII needs no validation; anything else must be strict UTF-8 (String(decoding:) would repair).
                    if high & 0x8080_8080_8080_8080 != 0 {
                        guard UTF8Validation.isValid(slice) else { throw JSONParseError(.invalidUTF8, offset: start) }
                    }
                    i += 1
                    return String(decoding: slice, as: UTF8.self)
                }
                if c == 0x5C { break }
                if c < 0x20 { throw error(.controlCharacter) }
                high |= UInt64(c)
                i += 1
            }
            guard i < b.count else { throw error(.unexpectedEnd) }
            var out = Array(UnsafeBufferPointer(rebasing: b[start..<i]))
            while true {
                guard i < b.count else { throw error(.unexpectedEnd) }
                let c = b[i]
                if c == 0x22 { break }
                if c < 0x20 { throw error(.controlCharacter) }
                if c != 0x5C { out.append(c); i += 1; continue }
                i += 1
                guard i < b.count else { throw error(.unexpectedEnd) }
                switch b[i] {
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x2F: out.append(0x2F)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    let escapeOffset = i - 1
                    var scalar = try hex4()
                    if scalar >= 0xD800 && scalar < 0xDC00 {
                        guard i + 2 < b.count, b[i + 1] == 0x5C, b[i + 2] == 0x75 else {
                            throw JSONParseError(.loneSurrogate, offset: escapeOffset)
                        }
                        i += 2
                        let low = try hex4()
                        guard low >= 0xDC00 && low < 0xE000 else { throw JSONParseError(.loneSurrogate, offset: escapeOffset) }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if scalar >= 0xDC00 && scalar < 0xE000 {
                        throw JSONParseError(.loneSurrogate, offset: escapeOffset)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw JSONParseError(.loneSurrogate, offset: escapeOffset) }
                    out.append(contentsOf: UTF8.encode(u)!)
                default:
                    throw error(.invalidEscape)
                }
                i += 1
            }
            i += 1
            let valid = out.withUnsafeBufferPointer { UTF8Validation.isValid($0) }
            guard valid else { throw JSONParseError(.invalidUTF8, offset: start) }
            return String(decoding: out, as: UTF8.self)
        }

        /// Reads the 4 hex digits after `u` (at `i`), leaving `i` on the last digit.
        mutating func hex4() throws(JSONParseError) -> UInt32 {
            guard i + 4 < b.count else { throw error(.unexpectedEnd) }
            var v: UInt32 = 0
            for _ in 0..<4 {
                i += 1
                let c = b[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                default: throw error(.invalidEscape)
                }
                v = v << 4 | d
            }
            return v
        }
    }
}

/// Word-at-a-time (SWAR) tests on eight string bytes, shared by the parser and the serializer.
enum JSONWordScan {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The high bit set in (at least) each byte of `x` equal to `byte`, none elsewhere when there is none: the
    /// classic "has a zero byte" test on `x` XOR the byte (a borrow only starts at a byte that matches).
    @inline(__always) static func matching(_ x: UInt64, _ byte: UInt8) -> UInt64 {
        let v = x ^ (UInt64(byte) &* ones)
        return (v &- ones) & ~v & highs
    }

    /// Nonzero exactly when a byte of `x` is below `n` (`n` ≤ 128).
    @inline(__always) static func below(_ x: UInt64, _ n: UInt8) -> UInt64 { (x &- UInt64(n) &* ones) & ~x & highs }

    /// Nonzero exactly when a byte of `x` is above `n` (`n` ≤ 127).
    @inline(__always) static func above(_ x: UInt64, _ n: UInt8) -> UInt64 { ((x &+ UInt64(127 - n) &* ones) | x) & highs }

    /// True when one of the eight bytes is `"`, `\\` or a control character (< 0x20).
    @inline(__always)
    static func needsEscape(_ x: UInt64) -> Bool {
        matching(x, 0x22) | matching(x, 0x5C) | below(x, 0x20) != 0
    }
}

/// Strict UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), with an
/// ASCII fast path. Hand-written because the generic `String(validating:as:)` costs a metadata lookup per
/// call, which dominated parsing of a typical header.
enum UTF8Validation {
    static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        // ASCII runs eight bytes at a time.
        if let base = b.baseAddress {
            while i + 8 <= n, UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
        }
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            @inline(__always) func cont(_ k: Int) -> Bool { i + k < n && b[i + k] & 0xC0 == 0x80 }
            switch c {
            case 0xC2...0xDF:
                guard cont(1) else { return false }
                i += 2
            case 0xE0...0xEF:
                guard cont(1), cont(2) else { return false }
                let c1 = b[i + 1]
                if c == 0xE0 && c1 < 0xA0 { return false }  // overlong
                if c == 0xED && c1 >= 0xA0 { return false }  // UTF-16 surrogates
                i += 3
            case 0xF0...0xF4:
                guard cont(1), cont(2), cont(3) else { return false }
                let c1 = b[i + 1]
                if c == 0xF0 && c1 < 0x90 { return false }  // overlong
                if c == 0xF4 && c1 >= 0x90 { return false }  // above U+10FFFF
                i += 4
            default:
                return false
            }
        }
        return true
    }
}
