import Synchronization
import X402EVM

/// A local-key signer that counts its signatures, so a test can prove that a refusal signed nothing.
public final class CountingSigner: Signer {
    /// The key that signs.
    public let key: PrivateKey
    private let count = Atomic<Int>(0)

    /// Wraps `key`.
    public init(_ key: PrivateKey) { self.key = key }

    /// The key's address.
    public var address: Address { key.address }

    /// Signatures made so far.
    public var signatures: Int { count.load(ordering: .relaxed) }

    /// Signs `digest` with the key and counts it.
    public func sign(digest: Bytes32) async throws -> Signature {
        count.add(1, ordering: .relaxed)
        return key.sign(digest: digest)
    }
}
