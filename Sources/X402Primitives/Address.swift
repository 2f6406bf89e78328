import X402JSON

/// A 20-byte Ethereum address. Parsed from any case; printed with the EIP-55 checksum.
public struct Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    // Big-endian: `hi` holds bytes 0..<4, `mid` 4..<12, `lo` 12..<20.
    @usableFromInline var hi: UInt32, mid: UInt64, lo: UInt64

    @usableFromInline init(hi: UInt32, mid: UInt64, lo: UInt64) {
        (self.hi, self.mid, self.lo) = (hi, mid, lo)
    }

    /// The zero address.
    public static let zero = Address(hi: 0, mid: 0, lo: 0)

    /// Exactly 20 bytes.
    public init(_ bytes: some Collection<UInt8>) throws(EVMParseError) {
        guard bytes.count == 20 else { throw .invalidLength(expected: 20, actual: bytes.count) }
        var hi: UInt32 = 0, mid: UInt64 = 0, lo: UInt64 = 0
        for (i, b) in bytes.enumerated() {
            if i < 4 { hi = hi << 8 | UInt32(b) } else if i < 12 { mid = mid << 8 | UInt64(b) } else { lo = lo << 8 | UInt64(b) }
        }
        self.init(hi: hi, mid: mid, lo: lo)
    }

    /// `0x` + 40 hex digits in any case (the checksum is not enforced on input).
    public init(hex: String) throws(EVMParseError) {
        // Fast path: no allocation for well-formed text; otherwise the general decoder reports why.
        if let w = Hex.fixedWords(hex, byteCount: 20, canonicalPrefix: false) {
            self.init(hi: UInt32(truncatingIfNeeded: w.1), mid: w.2, lo: w.3)
            return
        }
        try self.init(Hex.decode(hex, count: 20))
    }

    /// The low 20 bytes of a 32-byte word (ABI `address`, hashed public keys).
    public init(word: Bytes32) {
        self.init(hi: UInt32(truncatingIfNeeded: word.w1), mid: word.w2, lo: word.w3)
    }

    /// True when this is the zero address.
    public var isZero: Bool { self == .zero }

    /// The 20 bytes.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        out.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: hi.bigEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: mid.bigEndian, toByteOffset: 4, as: UInt64.self)
            raw.storeBytes(of: lo.bigEndian, toByteOffset: 12, as: UInt64.self)
        }
        return out
    }

    /// The address left-padded to a 32-byte word.
    public var word: Bytes32 { Bytes32(0, UInt64(hi), mid, lo) }

    /// `0x` + 40 lowercase hex digits.
    public var lowercased: String { Hex.encode(bytes) }

    /// EIP-55 mixed-case checksum form.
    public var checksummed: String {
        let lower = Array(Hex.encode(bytes, prefix: false).utf8)
        let hash = Keccak256.hash(lower).bytes
        var out: [UInt8] = [0x30, 0x78]
        out.reserveCapacity(42)
        for (i, c) in lower.enumerated() {
            let nibble = i % 2 == 0 ? hash[i / 2] >> 4 : hash[i / 2] & 0x0f
            out.append(c >= 0x61 && nibble >= 8 ? c - 0x20 : c)
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { checksummed }

    public static func < (lhs: Address, rhs: Address) -> Bool {
        (lhs.hi, lhs.mid, lhs.lo) < (rhs.hi, rhs.mid, rhs.lo)
    }
}

extension Address: Codable, JSONValueDecodable {
    public init(from decoder: any Decoder) throws { self = try Self.decodeValue(from: decoder) }

    /// Reads `0x` + 40 hex digits of any case (checksums are not enforced: the SDKs compare normalised).
    public init(jsonValue: JSONValue) throws(JSONValueError) {
        let text = try jsonValue.requireString("an address")
        do { try self.init(hex: text) } catch { throw JSONValueError("invalid address \(error)") }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(checksummed)
    }
}
