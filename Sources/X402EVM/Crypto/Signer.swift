/// Something that signs EIP-712 typed data for one address and returns signature bytes of any shape: an
/// ECDSA key, a remote or KMS signer that takes the whole document, or a smart-contract wallet (ERC-1271)
/// whose signatures are not 65-byte ECDSA and are checked on chain.
public protocol TypedDataSigner: Sendable {
    /// The address the signatures are for (for a smart wallet, the wallet contract).
    var address: Address { get }
    /// Signs `typedData` as `eth_signTypedData_v4` does and returns the signature bytes.
    func signTypedData(_ typedData: EIP712TypedData) async throws -> SignatureBytes
}

/// Something that signs 32-byte digests with ECDSA for one address: a local key, a remote KMS, a hardware
/// wallet.
///
/// Typed data is signed through its digest by default (65 bytes `r ‖ s ‖ v`); a signer that needs the whole
/// document (to display it, or to sign it remotely) implements ``TypedDataSigner/signTypedData(_:)`` itself.
public protocol Signer: TypedDataSigner {
    /// Signs a digest (`v ∈ {27, 28}`, low-s).
    func sign(digest: Bytes32) async throws -> Signature
}

extension Signer {
    /// Hashes `typedData` and signs its digest with ``sign(digest:)``: 65 bytes `r ‖ s ‖ v`.
    public func signTypedData(_ typedData: EIP712TypedData) async throws -> SignatureBytes {
        SignatureBytes(try await sign(digest: typedData.digest()))
    }
}

/// A signer backed by an in-memory private key.
public struct PrivateKeySigner: Signer, CustomStringConvertible {
    /// The key; its description is redacted.
    public let key: PrivateKey

    /// Wraps a private key.
    public init(_ key: PrivateKey) { self.key = key }

    /// The address derived from the key's public key.
    public var address: Address { key.address }

    /// Signs in process (RFC 6979 nonce, low-s, `v ∈ {27, 28}`); never throws.
    public func sign(digest: Bytes32) async throws -> Signature { key.sign(digest: digest) }

    public var description: String { "PrivateKeySigner(\(key.address.checksummed))" }
}

/// Signature bytes as a ``TypedDataSigner`` returns them: a 65-byte ECDSA `r ‖ s ‖ v`, or whatever a smart
/// wallet or remote signer produces (ERC-1271 blobs, ERC-6492 wrappers), kept verbatim.
///
/// An ECDSA signature is stored inline, so wrapping one does not allocate. Equality compares the bytes.
public struct SignatureBytes: Hashable, Sendable, CustomStringConvertible {
    enum Storage: Sendable {
        case ecdsa(Signature)
        case raw([UInt8])
    }

    let storage: Storage

    /// Wraps an ECDSA signature (`r ‖ s ‖ v`, 65 bytes).
    public init(_ signature: Signature) { storage = .ecdsa(signature) }

    /// Arbitrary signature bytes, kept verbatim.
    public init(_ bytes: [UInt8]) { storage = .raw(bytes) }

    /// `0x`-prefixed hex of any length.
    public init(hex: String) throws(EVMParseError) { storage = .raw(try Hex.decode(hex)) }

    /// The signature bytes.
    public var bytes: [UInt8] {
        switch storage {
        case .ecdsa(let signature): signature.bytes
        case .raw(let bytes): bytes
        }
    }

    /// The number of bytes (65 for ECDSA).
    public var count: Int {
        switch storage {
        case .ecdsa: 65
        case .raw(let bytes): bytes.count
        }
    }

    /// The bytes as a recoverable ECDSA signature, when they are one (65 bytes, `v ∈ {27, 28}`).
    public var ecdsa: Signature? {
        switch storage {
        case .ecdsa(let signature): signature
        case .raw(let bytes): try? Signature(bytes)
        }
    }

    /// `0x` + lowercase hex.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    public static func == (a: SignatureBytes, b: SignatureBytes) -> Bool {
        if case .ecdsa(let x) = a.storage, case .ecdsa(let y) = b.storage { return x == y }
        return a.bytes == b.bytes
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}

extension TypedDataSigner {
    /// A local key signs `digest()` directly (no document built, no allocation); any other signer gets the whole
    /// document `typedData()` (a wallet shows it, a smart wallet returns non-ECDSA bytes).
    @inline(__always)
    package func signTypedData(digest: () -> Bytes32, document typedData: () -> EIP712TypedData) async throws -> SignatureBytes {
        if let local = self as? PrivateKeySigner { return SignatureBytes(local.key.sign(digest: digest())) }
        return try await signTypedData(typedData())
    }
}
