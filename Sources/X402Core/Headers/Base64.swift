/// Why base64 text was rejected.
public enum Base64Error: Error, Equatable, Sendable {
    /// Length is not a multiple of 4 (padding is mandatory).
    case invalidLength(Int)
    /// A byte outside the standard alphabet (this includes URL-safe `-`/`_` and whitespace).
    case invalidCharacter(offset: Int)
    /// `=` anywhere but the last one or two positions.
    case invalidPadding
    /// Unused low bits of the last symbol are not zero, so the text is not the canonical encoding.
    case nonCanonical
}

/// Strict RFC 4648 §4 base64 (standard alphabet, `=` padding), table driven.
///
/// Unlike lenient decoders it accepts exactly one text per byte string, so a header cannot smuggle
/// characters a Python server would silently drop.
public enum Base64 {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let invalid: UInt8 = 0xFF
    static let decodeTable: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    /// Four tables of 256: the symbol's 6 bits already shifted to their place in a quad's 24 bits, or bit 31
    /// for a byte outside the alphabet; one OR of four loads decodes a quad and flags any invalid symbol.
    static let quadTables: [UInt32] = {
        var t = [UInt32](repeating: 0x8000_0000, count: 1024)
        for (v, c) in alphabet.enumerated() {
            t[Int(c)] = UInt32(v) << 18
            t[256 + Int(c)] = UInt32(v) << 12
            t[512 + Int(c)] = UInt32(v) << 6
            t[768 + Int(c)] = UInt32(v)
        }
        return t
    }()

    /// Encodes bytes as padded standard base64.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let body: String? = bytes.withContiguousStorageIfAvailable { encode(buffer: $0) }
        if let body { return body }
        return Array(bytes).withUnsafeBufferPointer { encode(buffer: $0) }
    }

    static func encode(buffer src: UnsafeBufferPointer<UInt8>) -> String {
        let n = src.count
        let outCount = (n + 2) / 3 * 4
        return String(unsafeUninitializedCapacity: outCount) { out in
            alphabet.withUnsafeBufferPointer { a in
                var i = 0, o = 0
                while i + 3 <= n {
                    let v = UInt32(src[i]) << 16 | UInt32(src[i + 1]) << 8 | UInt32(src[i + 2])
                    out[o] = a[Int(v >> 18)]
                    out[o + 1] = a[Int(v >> 12 & 63)]
                    out[o + 2] = a[Int(v >> 6 & 63)]
                    out[o + 3] = a[Int(v & 63)]
                    i += 3
                    o += 4
                }
                let rest = n - i
                if rest > 0 {
                    let v = UInt32(src[i]) << 16 | (rest == 2 ? UInt32(src[i + 1]) << 8 : 0)
                    out[o] = a[Int(v >> 18)]
                    out[o + 1] = a[Int(v >> 12 & 63)]
                    out[o + 2] = rest == 2 ? a[Int(v >> 6 & 63)] : 0x3D
                    out[o + 3] = 0x3D
                    o += 4
                }
            }
            return outCount
        }
    }

    /// Decodes padded standard base64; anything else is an error.
    public static func decode(_ text: String) throws(Base64Error) -> [UInt8] {
        var text = text
        return try text.withUTF8 { decodeResult(UnsafeRawBufferPointer($0)) }.get()
    }

    /// Decodes padded standard base64 from ASCII bytes.
    public static func decode(bytes: some Collection<UInt8>) throws(Base64Error) -> [UInt8] {
        let r: Result<[UInt8], Base64Error>? = bytes.withContiguousStorageIfAvailable { decodeResult(UnsafeRawBufferPointer($0)) }
        if let r { return try r.get() }
        return try Array(bytes).withUnsafeBytes { decodeResult($0) }.get()
    }

    static func decodeResult(_ src: UnsafeRawBufferPointer) -> Result<[UInt8], Base64Error> {
        let n = src.count
        guard n % 4 == 0 else { return .failure(.invalidLength(n)) }
        if n == 0 { return .success([]) }
        var pad = 0
        if src[n - 1] == 0x3D { pad = src[n - 2] == 0x3D ? 2 : 1 }
        let outCount = n / 4 * 3 - pad
        var failure: Base64Error?
        let out = decodeTable.withUnsafeBufferPointer { t in
          quadTables.withUnsafeBufferPointer { q in
            [UInt8](unsafeUninitializedCapacity: outCount) { out, initialized in
                var i = 0, o = 0
                let fullEnd = pad == 0 ? n : n - 4
                // Fast path over whole quads; on any invalid symbol fall through to the exact checks below. While a
                // fourth byte of room is left, a quad's three bytes go out as one 4-byte store (its last byte is
                // overwritten by the next quad).
                let raw = UnsafeMutableRawPointer(out.baseAddress!)
                while i < fullEnd, o + 4 <= outCount {
                    let v = q[Int(src[i])] | q[256 + Int(src[i + 1])] | q[512 + Int(src[i + 2])] | q[768 + Int(src[i + 3])]
                    if v & 0x8000_0000 != 0 { break }
                    raw.storeBytes(of: (v << 8).bigEndian, toByteOffset: o, as: UInt32.self)
                    i += 4
                    o += 3
                }
                while i < fullEnd {
                    let v = q[Int(src[i])] | q[256 + Int(src[i + 1])] | q[512 + Int(src[i + 2])] | q[768 + Int(src[i + 3])]
                    if v & 0x8000_0000 != 0 { break }
                    out[o] = UInt8(truncatingIfNeeded: v >> 16)
                    out[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                    out[o + 2] = UInt8(truncatingIfNeeded: v)
                    i += 4
                    o += 3
                }
                while i < fullEnd {
                    let a = t[Int(src[i])], b = t[Int(src[i + 1])], c = t[Int(src[i + 2])], d = t[Int(src[i + 3])]
                    // One OR detects any invalid symbol in the quad (0xFF has the high bit set).
                    if (a | b | c | d) & 0x80 != 0 {
                        let k = [a, b, c, d].firstIndex(of: invalid)!
                        failure = src[i + k] == 0x3D ? .invalidPadding : .invalidCharacter(offset: i + k)
                        initialized = 0
                        return
                    }
                    let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    out[o] = UInt8(truncatingIfNeeded: v >> 16)
                    out[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                    out[o + 2] = UInt8(truncatingIfNeeded: v)
                    i += 4
                    o += 3
                }
                if pad > 0 {
                    let a = t[Int(src[i])], b = t[Int(src[i + 1])]
                    let c = pad == 1 ? t[Int(src[i + 2])] : 0
                    if a == invalid || b == invalid || c == invalid {
                        let k = a == invalid ? 0 : b == invalid ? 1 : 2
                        failure = src[i + k] == 0x3D ? .invalidPadding : .invalidCharacter(offset: i + k)
                        initialized = 0
                        return
                    }
                    let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6
                    let unused = pad == 1 ? v & 0xFF : v & 0xFFFF
                    if unused != 0 {
                        failure = .nonCanonical
                        initialized = 0
                        return
                    }
                    out[o] = UInt8(truncatingIfNeeded: v >> 16)
                    if pad == 1 { out[o + 1] = UInt8(truncatingIfNeeded: v >> 8) }
                }
                initialized = outCount
            }
          }
        }
        if let failure { return .failure(failure) }
        return .success(out)
    }
}
