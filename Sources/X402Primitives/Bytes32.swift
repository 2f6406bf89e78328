import X402JSON

/// A 32-byte word: hashes, channel ids, salts, EIP-712 digests.
///
/// Stored as four 64-bit words (big-endian byte order within the value) so equality and hashing are cheap.
public struct Bytes32: Hashable, Sendable, Comparable, CustomStringConvertible {
    @usableFromInline package var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// Four words whose big-endian bytes, in order, are the 32 bytes.
    @inlinable
    public init(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// All zero bytes.
    public static let zero = Bytes32(0, 0, 0, 0)

    /// Exactly 32 bytes.
    public init(_ bytes: some Collection<UInt8>) throws(EVMParseError) {
        guard bytes.count == 32 else { throw .invalidLength(expected: 32, actual: bytes.count) }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var i = 0
        for b in bytes {
            switch i >> 3 {
            case 0: words.0 = words.0 << 8 | UInt64(b)
            case 1: words.1 = words.1 << 8 | UInt64(b)
            case 2: words.2 = words.2 << 8 | UInt64(b)
            default: words.3 = words.3 << 8 | UInt64(b)
            }
            i += 1
        }
        self.init(words.0, words.1, words.2, words.3)
    }

    /// `0x` + 64 hex digits, any case; a `0X` prefix is tolerated (JSON-RPC results). Protocol ids and
    /// salts use ``init(canonicalHex:)``.
    public init(hex: String) throws(EVMParseError) {
        if let w = Hex.fixedWords(hex, byteCount: 32, canonicalPrefix: false) { self.init(w.0, w.1, w.2, w.3); return }
        try self.init(Hex.decode(hex, count: 32))
    }

    /// Canonical text `^0x[0-9a-fA-F]{64}$`, as protocol ids and salts are written; `0X…` is
    /// ``EVMParseError/missingHexPrefix``. `Codable` decoding uses this form.
    public init(canonicalHex hex: String) throws(EVMParseError) {
        if let w = Hex.fixedWords(hex, byteCount: 32, canonicalPrefix: true) { self.init(w.0, w.1, w.2, w.3); return }
        try self.init(Hex.decode(canonical: hex, count: 32))
    }

    /// Canonical text (``init(canonicalHex:)``) given as raw UTF-8 bytes; nil for anything else. Allocates nothing.
    public init?(canonicalHexUTF8 text: UnsafeRawBufferPointer) {
        guard let w = Hex.fixedWords(utf8: text.assumingMemoryBound(to: UInt8.self), byteCount: 32, canonicalPrefix: true) else {
            return nil
        }
        self.init(w.0, w.1, w.2, w.3)
    }

    /// The 32 bytes.
    @inlinable
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { write(to: $0.baseAddress!) }
        return out
    }

    /// Writes the 32 bytes at `pointer`.
    @inlinable
    public func write(to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: w0.bigEndian, toByteOffset: 0, as: UInt64.self)
        pointer.storeBytes(of: w1.bigEndian, toByteOffset: 8, as: UInt64.self)
        pointer.storeBytes(of: w2.bigEndian, toByteOffset: 16, as: UInt64.self)
        pointer.storeBytes(of: w3.bigEndian, toByteOffset: 24, as: UInt64.self)
    }

    /// `0x` + 64 lowercase hex digits.
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    public static func < (lhs: Bytes32, rhs: Bytes32) -> Bool {
        (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
    }
}

extension Bytes32: Codable, JSONValueDecodable {
    /// Decodes canonical `0x` + 64 hex digits (``init(canonicalHex:)``).
    public init(from decoder: any Decoder) throws { self = try Self.decodeValue(from: decoder) }

    /// Reads canonical `0x` + 64 hex digits (``init(canonicalHex:)``).
    public init(jsonValue: JSONValue) throws(JSONValueError) {
        let text = try jsonValue.requireString("a 0x-prefixed bytes32")
        do { try self.init(canonicalHex: text) } catch { throw JSONValueError("invalid bytes32 \(error)") }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
