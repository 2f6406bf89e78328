import X402EVM

/// Whether the 65-byte ECDSA `signature` of `digest` recovers to `expected` (low-s, v 27/28; anything else is false).
public func recovers(digest: Bytes32, signature: [UInt8], to expected: Address) -> Bool {
    guard let sig = ecdsaSignature(signature), let signer = try? sig.recoverAddress(digest: digest) else { return false }
    return signer == expected
}

/// The public key `signature` of `digest` recovers to, when its address is `expected` (else nil): what a caller may
/// keep to check this signer's next signatures with ``recovers(digest:signature:toKey:)``.
public func recoveredKey(digest: Bytes32, signature: [UInt8], of expected: Address) -> PublicKey? {
    guard let sig = ecdsaSignature(signature), let key = try? sig.recoverPublicKey(digest: digest), key.address == expected else {
        return nil
    }
    return key
}

/// Whether the 65-byte ECDSA `signature` of `digest` recovers to `key` (compared by coordinates: no hash).
public func recovers(digest: Bytes32, signature: [UInt8], toKey key: PublicKey) -> Bool {
    guard let sig = ecdsaSignature(signature) else { return false }
    return sig.recovers(digest: digest, key: key)
}

/// Whether the 65-byte ECDSA `signature` of `digest` is `key`'s, by verification rather than recovery. `v` must be
/// 27 or 28 but is not matched to the key (``Signature/verifies(digest:key:)``): before the signature goes on chain,
/// ``exactSignature(digest:signature:of:)`` fixes it.
public func verifies(digest: Bytes32, signature: [UInt8], key: PublicKey) -> Bool {
    guard let sig = ecdsaSignature(signature) else { return false }
    return sig.verifies(digest: digest, key: key)
}

/// `signature` as a contract recovering `expected` needs it: unchanged when it recovers `expected`, with the other
/// `v` when that one does (a signature accepted by ``verifies(digest:signature:key:)``), else nil.
public func exactSignature(digest: Bytes32, signature: [UInt8], of expected: Address) -> [UInt8]? {
    guard let sig = ecdsaSignature(signature) else { return nil }
    if (try? sig.recoverAddress(digest: digest)) == expected { return signature }
    let other = Signature(r: sig.r, s: sig.s, v: sig.v == 27 ? 28 : 27)
    return (try? other.recoverAddress(digest: digest)) == expected ? other.bytes : nil
}

/// A 65-byte `r ‖ s ‖ v` with v 27 or 28, read as big-endian words (not `Signature(_:)`'s generic byte-by-byte path).
private func ecdsaSignature(_ signature: [UInt8]) -> Signature? {
    guard signature.count == 65, signature[64] == 27 || signature[64] == 28 else { return nil }
    return signature.withUnsafeBytes { raw in
        func word(_ offset: Int) -> UInt64 { UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        return Signature(r: Bytes32(word(0), word(8), word(16), word(24)), s: Bytes32(word(32), word(40), word(48), word(56)),
                         v: raw[64])
    }
}

/// Signature checks against an account as ERC-3009 tokens and the settlement contract make them (OpenZeppelin
/// `SignatureChecker`): ECDSA recovery for an account without code, ERC-1271 `isValidSignature` for a contract,
/// no fallback from one to the other.
public enum AccountSignature {
    /// Whether `signature` is `account`'s over `digest`; `code` reads the account's code, `call` runs an `eth_call`
    /// to it. A failed read is a failed check (fail closed).
    public static func isValid(digest: Bytes32, signature: [UInt8], account: Address,
                               code: () async throws -> [UInt8], call: ([UInt8]) async throws -> [UInt8]) async -> Bool {
        guard let deployed = try? await code() else { return false }
        if deployed.isEmpty { return recovers(digest: digest, signature: signature, to: account) }
        guard let data = try? TokenABI.isValidSignature.encodeCall([.bytes32(digest), .bytes(signature)]),
              let answer = try? await call(data) else { return false }
        return TokenABI.isERC1271MagicValue(answer)
    }
}
