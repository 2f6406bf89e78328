import CSecp256k1

/// The process-wide libsecp256k1 context: created once, randomised for side-channel blinding of signing.
///
/// libsecp256k1 functions take the context as `const` after creation, so sharing it across threads is safe.
@usableFromInline
struct Secp256k1Context: @unchecked Sendable {
    @usableFromInline let pointer: OpaquePointer

    @usableFromInline static let shared = Secp256k1Context()

    private init() {
        // Context creation only fails on invalid flags, which would be a programming error here.
        guard let context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else {
            fatalError("secp256k1_context_create failed")
        }
        var seed = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in seed.indices { seed[i] = UInt8.random(in: .min ... .max, using: &rng) }
        // Randomisation only blinds; a failure here would not affect correctness, so it is ignored.
        _ = secp256k1_context_randomize(context, seed)
        pointer = context
    }
}

/// Curve constants used for the OpenZeppelin-style scalar checks.
@usableFromInline
enum Secp256k1Order {
    /// The group order n.
    @usableFromInline static let n = Bytes32(
        0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFE, 0xBAAE_DCE6_AF48_A03B, 0xBFD2_5E8C_D036_4141)
    /// n / 2: the largest `s` accepted (EIP-2, OpenZeppelin `ECDSA.tryRecover`).
    @usableFromInline static let halfN = Bytes32(
        0x7FFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 0x5D57_6E73_57A4_501D, 0xDFE9_2F46_681B_20A0)
}

/// Why a private key could not be built.
public enum KeyError: Error, Equatable, Sendable {
    /// A private key is exactly 32 bytes.
    case invalidLength(Int)
    /// The text is not valid hex.
    case invalidHex(EVMParseError)
    /// The scalar is zero or not below the curve order.
    case outOfRange
    /// The environment variable is not set.
    case environmentVariableMissing(String)
    /// The key file could not be read.
    case unreadableFile(String)
}

/// Why a signature could not be parsed or recovered.
public enum SignatureError: Error, Equatable, Sendable {
    /// A signature is exactly 65 bytes (`r ‖ s ‖ v`).
    case invalidLength(Int)
    /// `v` must be 27 or 28.
    case invalidRecoveryId(UInt8)
    /// `s` is above n/2 (malleable form, rejected as by OpenZeppelin ECDSA).
    case highS
    /// `r` or `s` is zero or not below the curve order.
    case invalidScalar
    /// No public key matches this signature and digest.
    case recoveryFailed
    /// The text is not valid hex.
    case invalidHex(EVMParseError)
}

/// A secp256k1 private key. Its description never shows the key.
public struct PrivateKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let secret: Bytes32
    /// The matching public key (computed once).
    public let publicKey: PublicKey
    /// The Ethereum address of the key (computed once).
    public let address: Address

    /// Exactly 32 big-endian bytes with 0 < k < n.
    public init(_ bytes: some Collection<UInt8>) throws(KeyError) {
        guard bytes.count == 32 else { throw .invalidLength(bytes.count) }
        let secret: Bytes32
        do { secret = try Bytes32(bytes) } catch { throw .invalidLength(bytes.count) }
        guard secret != .zero, secret < Secp256k1Order.n else { throw .outOfRange }
        var pubkey = secp256k1_pubkey()
        let ok = withUnsafeBytes(of: secret.bigEndianTuple) { raw in
            secp256k1_ec_pubkey_create(Secp256k1Context.shared.pointer, &pubkey, raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard ok == 1 else { throw .outOfRange }
        self.secret = secret
        self.publicKey = PublicKey(serializing: &pubkey)
        self.address = publicKey.address
    }

    /// 64 hex digits, with or without `0x`; surrounding whitespace is ignored.
    public init(hex: String) throws(KeyError) {
        var text = Substring(hex)
        while let c = text.first, c.isWhitespace { text.removeFirst() }
        while let c = text.last, c.isWhitespace { text.removeLast() }
        let prefixed = text.hasPrefix("0x") || text.hasPrefix("0X") ? String(text) : "0x" + text
        let bytes: [UInt8]
        do { bytes = try Hex.decode(prefixed) } catch { throw .invalidHex(error) }
        try self.init(bytes)
    }

    /// Reads the key from an environment variable holding hex.
    public static func fromEnvironment(_ name: String) throws(KeyError) -> PrivateKey {
        guard let value = environmentValue(name) else { throw .environmentVariableMissing(name) }
        return try PrivateKey(hex: value)
    }

    /// Reads the key from a file holding hex text (whitespace trimmed).
    public init(contentsOfFile path: String) throws(KeyError) {
        guard let text = readTextFile(path) else { throw .unreadableFile(path) }
        try self.init(hex: text)
    }

    /// Signs a 32-byte digest: RFC 6979 deterministic nonce, low-s, `v = 27 + recid`.
    public func sign(digest: Bytes32) -> Signature {
        var sig = secp256k1_ecdsa_recoverable_signature()
        var compact: (Bytes32BE, Bytes32BE) = ((0, 0, 0, 0), (0, 0, 0, 0))
        var recid: Int32 = 0
        withUnsafeBytes(of: secret.bigEndianTuple) { key in
            withUnsafeBytes(of: digest.bigEndianTuple) { msg in
                // Cannot fail for a valid key and the default nonce function (probability ~2^-128).
                _ = secp256k1_ecdsa_sign_recoverable(
                    Secp256k1Context.shared.pointer, &sig,
                    msg.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    key.baseAddress!.assumingMemoryBound(to: UInt8.self), nil, nil)
            }
        }
        withUnsafeMutableBytes(of: &compact) { out in
            _ = secp256k1_ecdsa_recoverable_signature_serialize_compact(
                Secp256k1Context.shared.pointer, out.baseAddress!.assumingMemoryBound(to: UInt8.self), &recid, &sig)
        }
        return Signature(r: Bytes32(bigEndianTuple: compact.0), s: Bytes32(bigEndianTuple: compact.1), v: 27 + UInt8(recid))
    }

    public var description: String { "PrivateKey(\(address.checksummed), <redacted>)" }
    public var debugDescription: String { description }
    /// Reflection (`dump`, debuggers) shows only the address, never the secret.
    public var customMirror: Mirror { Mirror(self, children: ["address": address], displayStyle: .struct) }
}

/// An uncompressed secp256k1 public key: the 64 bytes `x ‖ y` (no `0x04` prefix).
public struct PublicKey: Hashable, Sendable, CustomStringConvertible {
    /// The x coordinate, big-endian.
    public let x: Bytes32
    /// The y coordinate, big-endian.
    public let y: Bytes32

    /// 64 bytes `x ‖ y`, or 65 bytes starting with `0x04`; the point must be on the curve.
    public init(_ bytes: some Collection<UInt8>) throws(SignatureError) {
        var input = Array(bytes)
        if input.count == 64 { input.insert(0x04, at: 0) }
        guard input.count == 65, input[0] == 0x04 else { throw .invalidLength(bytes.count) }
        var pubkey = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_parse(Secp256k1Context.shared.pointer, &pubkey, input, 65) == 1 else {
            throw .recoveryFailed
        }
        self.init(serializing: &pubkey)
    }

    @usableFromInline
    init(serializing pubkey: inout secp256k1_pubkey) {
        var out: SerializedPublicKey = (0, (0, 0, 0, 0), (0, 0, 0, 0))
        serialize(&pubkey, into: &out)
        x = Bytes32(bigEndianTuple: out.1)
        y = Bytes32(bigEndianTuple: out.2)
    }

    /// The 64 bytes `x ‖ y`.
    public var bytes: [UInt8] { x.bytes + y.bytes }

    /// The Ethereum address: the low 20 bytes of keccak256(x ‖ y).
    @inlinable
    public var address: Address {
        let coordinates = (x.bigEndianTuple, y.bigEndianTuple)
        return withUnsafeBytes(of: coordinates) { Address(word: Keccak256.hash($0)) }
    }

    /// `0x` + 128 hex digits.
    public var description: String { Hex.encode(bytes) }
}

/// A recoverable ECDSA signature `r ‖ s ‖ v` with `v ∈ {27, 28}`.
public struct Signature: Hashable, Sendable, CustomStringConvertible {
    /// The ECDSA `r` scalar, big-endian.
    public var r: Bytes32
    /// The ECDSA `s` scalar, big-endian; recovery rejects values above n/2 (high-s).
    public var s: Bytes32
    /// 27 or 28.
    public var v: UInt8

    /// From components; `v` is not checked here (recovery checks it).
    @inlinable
    public init(r: Bytes32, s: Bytes32, v: UInt8) {
        self.r = r
        self.s = s
        self.v = v
    }

    /// Exactly 65 bytes `r ‖ s ‖ v`, `v ∈ {27, 28}`.
    public init(_ bytes: some Collection<UInt8>) throws(SignatureError) {
        guard bytes.count == 65 else { throw .invalidLength(bytes.count) }
        let all = Array(bytes)
        let v = all[64]
        guard v == 27 || v == 28 else { throw .invalidRecoveryId(v) }
        // Both slices are 32 bytes, so these cannot fail.
        let r = (try? Bytes32(all[0..<32])) ?? .zero
        let s = (try? Bytes32(all[32..<64])) ?? .zero
        self.init(r: r, s: s, v: v)
    }

    /// `0x` + 130 hex digits.
    public init(hex: String) throws(SignatureError) {
        let bytes: [UInt8]
        do { bytes = try Hex.decode(hex) } catch { throw .invalidHex(error) }
        try self.init(bytes)
    }

    /// The 65 bytes `r ‖ s ‖ v`.
    public var bytes: [UInt8] { r.bytes + s.bytes + [v] }

    /// `0x` + 130 lowercase hex digits.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    /// 0 or 1 (`v - 27`) when `v` is valid.
    @inlinable
    public var recoveryId: UInt8? { v == 27 || v == 28 ? v - 27 : nil }

    /// Recovers the signer's public key; rejects high-s, out-of-range scalars and bad `v`.
    @inlinable
    public func recoverPublicKey(digest: Bytes32) throws(SignatureError) -> PublicKey {
        var pubkey = secp256k1_pubkey()
        try recover(digest: digest, into: &pubkey)
        return PublicKey(serializing: &pubkey)
    }

    /// Recovers the signer's address; rejects high-s, out-of-range scalars and bad `v`.
    @inlinable
    public func recoverAddress(digest: Bytes32) throws(SignatureError) -> Address {
        var pubkey = secp256k1_pubkey()
        try recover(digest: digest, into: &pubkey)
        // Serialize to a stack tuple and hash x ‖ y in place: no heap allocation.
        var out: SerializedPublicKey = (0, (0, 0, 0, 0), (0, 0, 0, 0))
        serialize(&pubkey, into: &out)
        return withUnsafeBytes(of: &out) { raw in
            Address(word: Keccak256.hash(UnsafeRawBufferPointer(rebasing: raw[8..<72])))
        }
    }

    /// Whether the signer is `key`: a recovery and a comparison of coordinates, no hash (for a key already known to be
    /// an address's). Rejects what ``recoverPublicKey(digest:)`` rejects.
    @inlinable
    public func recovers(digest: Bytes32, key: PublicKey) -> Bool {
        var pubkey = secp256k1_pubkey()
        guard (try? recover(digest: digest, into: &pubkey)) != nil else { return false }
        var out: SerializedPublicKey = (0, (0, 0, 0, 0), (0, 0, 0, 0))
        serialize(&pubkey, into: &out)
        return out.1 == key.x.bigEndianTuple && out.2 == key.y.bigEndianTuple
    }

    /// Whether `(r, s)` is `key`'s ECDSA signature of `digest`: a verification, about 15 % cheaper than a recovery
    /// (no square root, no conversion to affine coordinates). Rejects high-s, out-of-range scalars and a `v` other
    /// than 27 or 28, but cannot tell which of the two does recover `key`: a signature that goes on chain is made
    /// exact first with ``withRecoveryId(of:digest:)``.
    @inlinable
    public func verifies(digest: Bytes32, key: PublicKey) -> Bool {
        guard v == 27 || v == 28, r != .zero, s != .zero, r < Secp256k1Order.n, s <= Secp256k1Order.halfN else { return false }
        var sig = secp256k1_ecdsa_signature()
        var pubkey = secp256k1_pubkey()
        var point: SerializedPublicKey = (0, key.x.bigEndianTuple, key.y.bigEndianTuple)
        let compact = (r.bigEndianTuple, s.bigEndianTuple)
        let message = digest.bigEndianTuple
        let context = Secp256k1Context.shared.pointer
        return withUnsafeMutableBytes(of: &point) { raw in
            raw[7] = 0x04
            return secp256k1_ec_pubkey_parse(context, &pubkey, raw.baseAddress!.advanced(by: 7).assumingMemoryBound(to: UInt8.self), 65) == 1
        } && withUnsafeBytes(of: compact) { rs in
            withUnsafeBytes(of: message) { msg in
                secp256k1_ecdsa_signature_parse_compact(context, &sig, rs.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 1
                    && secp256k1_ecdsa_verify(context, &sig, msg.baseAddress!.assumingMemoryBound(to: UInt8.self), &pubkey) == 1
            }
        }
    }

    /// This signature with the `v` that recovers `key`: itself when it does, else with the other `v` when that one
    /// does, else nil (one or two recoveries). What ``verifies(digest:key:)`` accepted, this makes exact.
    public func withRecoveryId(of key: PublicKey, digest: Bytes32) -> Signature? {
        if recovers(digest: digest, key: key) { return self }
        guard let id = recoveryId else { return nil }
        let other = Signature(r: r, s: s, v: 28 - id)
        return other.recovers(digest: digest, key: key) ? other : nil
    }

    @inlinable
    func recover(digest: Bytes32, into pubkey: inout secp256k1_pubkey) throws(SignatureError) {
        guard v == 27 || v == 28 else { throw .invalidRecoveryId(v) }
        guard r != .zero, s != .zero, r < Secp256k1Order.n else { throw .invalidScalar }
        guard s <= Secp256k1Order.halfN else { throw .highS }
        var sig = secp256k1_ecdsa_recoverable_signature()
        let compact = (r.bigEndianTuple, s.bigEndianTuple)
        let message = digest.bigEndianTuple
        let ok = withUnsafeBytes(of: compact) { rs in
            withUnsafeBytes(of: message) { msg in
                secp256k1_ecdsa_recoverable_signature_parse_compact(
                    Secp256k1Context.shared.pointer, &sig, rs.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(v - 27)) == 1
                    && secp256k1_ecdsa_recover(
                        Secp256k1Context.shared.pointer, &pubkey, &sig, msg.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 1
            }
        }
        guard ok else { throw .recoveryFailed }
    }
}

extension Signature: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(hex: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid signature \(error)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

/// An uncompressed key as serialized by libsecp256k1 at byte offset 7: the `0x04` tag ends the first word, so
/// x and y start 8-byte aligned at offsets 8 and 40.
@usableFromInline
typealias SerializedPublicKey = (UInt64, Bytes32BE, Bytes32BE)

@inlinable
func serialize(_ pubkey: inout secp256k1_pubkey, into out: inout SerializedPublicKey) {
    var length = 65
    withUnsafeMutableBytes(of: &out) { raw in
        _ = secp256k1_ec_pubkey_serialize(
            Secp256k1Context.shared.pointer, raw.baseAddress!.advanced(by: 7).assumingMemoryBound(to: UInt8.self), &length,
            &pubkey, UInt32(SECP256K1_EC_UNCOMPRESSED))
    }
}

/// 32 bytes laid out in memory in big-endian order (four big-endian words), for passing to C without allocating.
@usableFromInline
typealias Bytes32BE = (UInt64, UInt64, UInt64, UInt64)

extension Bytes32 {
    /// The value as four words whose in-memory bytes are the 32 big-endian bytes.
    @inlinable
    var bigEndianTuple: Bytes32BE { (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian) }

    /// From four words whose in-memory bytes are the 32 big-endian bytes.
    @inlinable
    init(bigEndianTuple t: Bytes32BE) {
        self.init(UInt64(bigEndian: t.0), UInt64(bigEndian: t.1), UInt64(bigEndian: t.2), UInt64(bigEndian: t.3))
    }
}
