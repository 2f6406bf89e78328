extension Hex {
    /// Parses `0x` + exactly `2 × byteCount` digits (`byteCount` ≤ 32) into four big-endian words, the value
    /// right-aligned (an address fills the low 20 bytes), without allocating. `nil` when the text is not
    /// exactly that shape, so callers fall back to ``decode(_:count:)`` for its precise error.
    @usableFromInline
    static func fixedWords(_ text: String, byteCount: Int, canonicalPrefix: Bool) -> (UInt64, UInt64, UInt64, UInt64)? {
        var text = text
        return text.withUTF8 { fixedWords(utf8: $0, byteCount: byteCount, canonicalPrefix: canonicalPrefix) }
    }

    /// ``fixedWords(_:byteCount:canonicalPrefix:)`` over raw UTF-8 bytes.
    static func fixedWords(utf8 b: UnsafeBufferPointer<UInt8>, byteCount: Int,
                           canonicalPrefix: Bool) -> (UInt64, UInt64, UInt64, UInt64)? {
        let digits = 2 * byteCount
        guard b.count == digits + 2, b[0] == 0x30, b[1] == 0x78 || (!canonicalPrefix && b[1] == 0x58) else { return nil }
        // Word k (from the right) holds digits [end - 16, end) of the text, end = count - 16k.
        func word(_ k: Int) -> UInt64? {
            let end = b.count - 16 * k
            let start = max(2, end - 16)
            guard start < end else { return 0 }
            var v: UInt64 = 0
            var bad: UInt8 = 0
            nibbleTable.withUnsafeBufferPointer { table in
                for i in start..<end {
                    let n = table[Int(b[i])]
                    bad |= n
                    v = v &<< 4 | UInt64(n & 0x0F)
                }
            }
            return bad & 0x80 == 0 ? v : nil
        }
        guard let w3 = word(0), let w2 = word(1), let w1 = word(2), let w0 = word(3) else { return nil }
        return (w0, w1, w2, w3)
    }
}

/// Hex digit values; 0xFF marks a byte that is not a hex digit (one table load per digit, no branches).
let nibbleTable: [UInt8] = (0...255).map { c in
    switch c {
    case 0x30...0x39: UInt8(c - 0x30)
    case 0x61...0x66: UInt8(c - 0x61 + 10)
    case 0x41...0x46: UInt8(c - 0x41 + 10)
    default: 0xFF
    }
}
