/// Something that signs 32-byte digests for one address: a local key, a remote KMS, a hardware wallet.
public protocol Signer: Sendable {
    /// The address whose signatures this signer produces.
    var address: Address { get }
    /// Signs a digest (`v ∈ {27, 28}`, low-s).
    func sign(digest: Bytes32) async throws -> Signature
}

/// A signer backed by an in-memory private key.
public struct PrivateKeySigner: Signer, CustomStringConvertible {
    /// The key; its description is redacted.
    public let key: PrivateKey

    /// Wraps a private key.
    public init(_ key: PrivateKey) { self.key = key }

    public var address: Address { key.address }

    public func sign(digest: Bytes32) async throws -> Signature { key.sign(digest: digest) }

    public var description: String { "PrivateKeySigner(\(key.address.checksummed))" }
}
