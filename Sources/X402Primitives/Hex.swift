/// `0x`-prefixed hexadecimal, lowercase on output.
///
/// ``decode(_:)`` accepts digits of any case and, as JSON-RPC clients do, a `0X` prefix too;
/// ``decode(canonical:count:)`` requires the canonical `0x` that protocol ids and salts use.
public enum Hex {
    @usableFromInline static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Encodes bytes as lowercase hex, with a `0x` prefix unless `prefix` is false.
    @inlinable
    public static func encode<Bytes: Sequence>(_ bytes: Bytes, prefix: Bool = true) -> String where Bytes.Element == UInt8 {
        // Contiguous bytes (arrays, buffers): written straight into the string's storage, one allocation.
        let direct: String? = bytes.withContiguousStorageIfAvailable { buffer in
            let count = (prefix ? 2 : 0) + 2 * buffer.count
            return String(unsafeUninitializedCapacity: count) { out in
                var o = 0
                if prefix {
                    out[0] = 0x30
                    out[1] = 0x78
                    o = 2
                }
                digits.withUnsafeBufferPointer { table in
                    for b in buffer {
                        out[o] = table[Int(b >> 4)]
                        out[o + 1] = table[Int(b & 0x0f)]
                        o += 2
                    }
                }
                return count
            }
        }
        if let direct { return direct }
        var out: [UInt8] = prefix ? [0x30, 0x78] : []
        out.reserveCapacity(out.count + bytes.underestimatedCount * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `0x`-prefixed hex text of any case (`0X` is accepted too). `"0x"` decodes to no bytes.
    public static func decode(_ text: String) throws(EVMParseError) -> [UInt8] {
        var text = text
        return try text.withUTF8 { decodeResult(utf8: UnsafeRawBufferPointer($0)) }.get()
    }

    /// Decodes `0x`-prefixed hex from raw UTF-8 bytes.
    public static func decode(utf8: UnsafeRawBufferPointer) throws(EVMParseError) -> [UInt8] {
        try decodeResult(utf8: utf8).get()
    }

    static func decodeResult(utf8: UnsafeRawBufferPointer) -> Result<[UInt8], EVMParseError> {
        do {
            return .success(try decodeUnchecked(utf8: utf8))
        } catch {
            return .failure(error)
        }
    }

    static func decodeUnchecked(utf8: UnsafeRawBufferPointer) throws(EVMParseError) -> [UInt8] {
        guard utf8.count >= 2, utf8[0] == 0x30, utf8[1] == 0x78 || utf8[1] == 0x58 else {
            throw .missingHexPrefix
        }
        let digitCount = utf8.count - 2
        guard digitCount % 2 == 0 else { throw .oddHexLength }
        // One table load per digit; only a text with a bad digit takes the loop below, for its offset.
        var bad: UInt8 = 0
        let fast = nibbleTable.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: digitCount / 2) { out, initialized in
                for o in 0..<digitCount / 2 {
                    let hi = table[Int(utf8[2 + 2 * o])], lo = table[Int(utf8[3 + 2 * o])]
                    bad |= hi | lo
                    out[o] = hi << 4 | lo & 0x0F
                }
                initialized = digitCount / 2
            }
        }
        if bad & 0x80 == 0 { return fast }
        var out = [UInt8](repeating: 0, count: digitCount / 2)
        var i = 2
        var o = 0
        while i < utf8.count {
            guard let hi = nibble(utf8[i]) else { throw .invalidHexCharacter(offset: i - 2) }
            guard let lo = nibble(utf8[i + 1]) else { throw .invalidHexCharacter(offset: i - 1) }
            out[o] = hi << 4 | lo
            i += 2
            o += 1
        }
        return out
    }

    /// Decodes hex that must hold exactly `count` bytes.
    public static func decode(_ text: String, count: Int) throws(EVMParseError) -> [UInt8] {
        let bytes = try decode(text)
        guard bytes.count == count else { throw .invalidLength(expected: count, actual: bytes.count) }
        return bytes
    }

    /// Decodes canonical hex that must hold exactly `count` bytes: a lowercase `0x` prefix (a `0X` prefix is
    /// ``EVMParseError/missingHexPrefix``), then `2 × count` digits of any case.
    public static func decode(canonical text: String, count: Int) throws(EVMParseError) -> [UInt8] {
        guard text.utf8.starts(with: [0x30, 0x78]) else { throw .missingHexPrefix }
        return try decode(text, count: count)
    }

    @inline(__always)
    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c &- 0x30
        case 0x61...0x66: return c &- 0x61 &+ 10
        case 0x41...0x46: return c &- 0x41 &+ 10
        default: return nil
        }
    }
}

extension Array where Element == UInt8 {
    /// `0x`-prefixed lowercase hex of these bytes.
    public var hexString: String { Hex.encode(self) }
}
