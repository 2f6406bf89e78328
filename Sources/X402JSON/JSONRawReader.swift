#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A forward reader over JSON bytes that builds nothing: it finds keys and values in place, for the seller's local
/// lane (one paid request = one header read without a ``JSONValue`` tree).
///
/// It accepts a strict subset of JSON and says `nil` to anything else, so a caller that gives up on `nil` (and
/// hands the input to ``JSONParser``) never accepts what the parser would reject:
/// - the input passed ``isPlainASCII(_:)``: printable ASCII without `\` (so no escapes, no control characters, and
///   spaces as the only whitespace);
/// - numbers are unsigned integers without leading zeros;
/// - ``skipValue()`` matches brackets and strings but does not validate what it skips: the caller reads that part
///   with this reader, or compares it with ``compactEquals(_:_:)`` against JSON it wrote itself.
public struct JSONRawReader: ~Copyable {
    /// The bytes being read.
    public let bytes: UnsafeRawBufferPointer
    /// The offset of the next unread byte.
    public private(set) var position: Int

    /// A reader at the start of `bytes`, which must have passed ``isPlainASCII(_:)``.
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        position = 0
    }

    /// True when every byte of `bytes` is printable ASCII (0x20–0x7E) other than `\`: what the reader's string
    /// scanning relies on. (JSON with tabs or line breaks between tokens is left to the parser.)
    public static func isPlainASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        // Eight bytes at once (JSONWordScan's exact word-at-a-time tests).
        while i + 8 <= bytes.count {
            let x = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            guard JSONWordScan.below(x, 0x20) | JSONWordScan.above(x, 0x7E) | JSONWordScan.matching(x, 0x5C) == 0 else { return false }
            i += 8
        }
        while i < bytes.count {
            let c = bytes[i]
            guard c >= 0x20, c <= 0x7E, c != 0x5C else { return false }
            i += 1
        }
        return true
    }

    /// Skips JSON whitespace; true when bytes remain.
    @discardableResult
    public mutating func skipWhitespace() -> Bool {
        while position < bytes.count, Self.isWhitespace(bytes[position]) { position += 1 }
        return position < bytes.count
    }

    /// Consumes `byte` (after whitespace) when it is next.
    public mutating func consume(_ byte: UInt8) -> Bool {
        guard skipWhitespace(), bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// True when only whitespace is left.
    public mutating func atEnd() -> Bool { !skipWhitespace() }

    /// Reads a string (after whitespace): the range of its content, without the quotes.
    public mutating func readString() -> Range<Int>? {
        guard consume(0x22) else { return nil }
        // The input is plain ASCII (isPlainASCII): the next quote ends the string. Eight bytes at a time first.
        let start = position
        while position + 8 <= bytes.count,
              JSONWordScan.matching(bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self), 0x22) == 0 {
            position += 8
        }
        while position < bytes.count {
            if bytes[position] == 0x22 {
                position += 1
                return start..<(position - 1)
            }
            position += 1
        }
        return nil
    }

    /// Reads an unsigned integer (after whitespace): `0` or digits without a leading zero, at most 19 of them.
    public mutating func readUInt64() -> UInt64? {
        guard skipWhitespace() else { return nil }
        let start = position
        var value: UInt64 = 0
        while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
            value = value &* 10 &+ UInt64(bytes[position] &- 0x30)
            position += 1
        }
        let count = position - start
        guard count > 0, count <= 19, count == 1 || bytes[start] != 0x30 else { return nil }
        // A number must end where a value ends (not in `.5`, `e3` or a letter).
        guard position == bytes.count || Self.endsValue(bytes[position]) else { return nil }
        return value
    }

    /// Reads `"key":` of an object member (after whitespace): the key's range.
    public mutating func readKey() -> Range<Int>? {
        guard let key = readString(), consume(0x3A) else { return nil }
        return key
    }

    /// Reads what follows an object member: true for `,` (another member follows), false for `}`; nil otherwise.
    public mutating func nextMember() -> Bool? {
        guard skipWhitespace() else { return nil }
        switch bytes[position] {
        case 0x2C: position += 1; return true
        case 0x7D: position += 1; return false
        default: return nil
        }
    }

    /// Reads an object (after whitespace) member by member: `member` gets each key, reads its value from the reader and
    /// says whether to go on. False when `member` refuses, when the object is empty or not an object, or when a member
    /// is not followed by `,` or `}`.
    public static func readObject(_ reader: inout JSONRawReader,
                                  _ member: (inout JSONRawReader, _ key: Range<Int>) -> Bool) -> Bool {
        guard reader.consume(0x7B) else { return false }
        while true {
            guard let key = reader.readKey(), member(&reader, key), let next = reader.nextMember() else { return false }
            if !next { return true }
        }
    }

    /// Skips one value (after whitespace) and returns its range. Objects and arrays are matched bracket by bracket,
    /// at most `maxDepth` deep, and strings as ``readString()`` reads them; the content is not otherwise validated.
    public mutating func skipValue(maxDepth: Int = 8) -> Range<Int>? {
        guard skipWhitespace() else { return nil }
        let start = position
        switch bytes[start] {
        case 0x22:
            return readString().map { _ in start..<position }
        case 0x7B, 0x5B:
            var depth = 0
            repeat {
                guard position < bytes.count else { return nil }
                let c = bytes[position]
                switch c {
                case 0x22:
                    guard readString() != nil else { return nil }
                    continue
                case 0x7B, 0x5B:
                    depth += 1
                    guard depth <= maxDepth else { return nil }
                case 0x7D, 0x5D:
                    depth -= 1
                default:
                    break
                }
                position += 1
            } while depth > 0
            return start..<position
        default:
            // A scalar: up to the byte that ends a value.
            while position < bytes.count, !Self.endsValue(bytes[position]) {
                let c = bytes[position]
                guard c != 0x22, c != 0x7B, c != 0x5B, c != 0x3A else { return nil }
                position += 1
            }
            return position > start ? start..<position : nil
        }
    }

    /// Consumes the next value (after whitespace) when it is `compact` as written, byte for byte and followed by what
    /// may end a value; otherwise reads only the whitespace before it. (The common case of ``compactEquals(_:_:)``,
    /// without a scan.)
    public mutating func consumeExactly(_ compact: [UInt8]) -> Bool {
        guard skipWhitespace(), bytes.count - position >= compact.count else { return false }
        let end = position + compact.count
        guard end == bytes.count || Self.endsValue(bytes[end]),
              compact.withUnsafeBytes({ memcmp(bytes.baseAddress! + position, $0.baseAddress!, compact.count) == 0 })
        else { return false }
        position = end
        return true
    }

    /// True when the bytes of `range` equal `text`.
    public func equals(_ range: Range<Int>, _ text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: text.utf8Start, count: range.count)
        for k in 0..<range.count where bytes[range.lowerBound + k] != expected[k] { return false }
        return true
    }

    /// True when the JSON in `raw` is `compact` with whitespace added only next to `{ } [ ] , :` (as writers that
    /// indent or put a space after separators do). `compact` must be JSON this package wrote (``JSONSerializer``):
    /// equal bytes then mean an equal value, and `raw` is well-formed.
    public static func compactEquals(_ raw: UnsafeRawBufferPointer, _ compact: [UInt8]) -> Bool {
        compact.withUnsafeBytes { expected in
            // Written compactly (most clients): one comparison.
            if raw.count == expected.count { return memcmp(raw.baseAddress!, expected.baseAddress!, raw.count) == 0 }
            var i = 0, j = 0
            var inString = false, escaped = false
            while i < raw.count {
                let c = raw[i]
                if !inString, isWhitespace(c) {
                    // Whitespace may only separate a structural byte from its neighbour, never split a token.
                    let before = j > 0 ? expected[j - 1] : 0x7B
                    let after = j < expected.count ? expected[j] : 0x7D
                    guard isStructural(before) || isStructural(after) else { return false }
                    i += 1
                    continue
                }
                guard j < expected.count, expected[j] == c else { return false }
                if inString {
                    if escaped { escaped = false } else if c == 0x5C { escaped = true } else if c == 0x22 { inString = false }
                } else if c == 0x22 {
                    inString = true
                }
                i += 1
                j += 1
            }
            return j == expected.count
        }
    }

    @inline(__always) static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
    @inline(__always) static func isStructural(_ c: UInt8) -> Bool {
        c == 0x7B || c == 0x7D || c == 0x5B || c == 0x5D || c == 0x2C || c == 0x3A
    }
    /// What may follow a complete value: whitespace, `,`, `}` or `]`.
    @inline(__always) static func endsValue(_ c: UInt8) -> Bool { isWhitespace(c) || c == 0x2C || c == 0x7D || c == 0x5D }
}
