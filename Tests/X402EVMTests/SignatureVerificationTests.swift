import PropertyBased
import Testing
@testable import X402EVM

/// `Signature.verifies(digest:key:)` (verification against a known key, `v` not matched) and
/// `withRecoveryId(of:digest:)` (the `v` that recovers the key), checked against recovery.
@Suite struct SignatureVerificationTests {
    let digest = try! Bytes32(hex: PartC.voucherDigest)
    let good = try! Signature(hex: PartC.voucherSignature)

    /// A key and a digest from one seed.
    static func sample(_ seed: UInt64) throws -> (key: PrivateKey, digest: Bytes32) {
        let key = try PrivateKey(Keccak256.hash("key \(seed)").bytes)
        return (key, Keccak256.hash("digest \(seed)"))
    }

    static func flipped(_ s: Signature) -> Signature { Signature(r: s.r, s: s.s, v: s.v == 27 ? 28 : 27) }

    @Test func verificationAgreesWithRecoveryUpToV() async {
        await propertyCheck(count: 64, input: Gen.uint64()) { seed in recordingErrors {
            let (key, digest) = try Self.sample(seed)
            let (stranger, other) = try Self.sample(seed &+ 1)
            let signature = key.sign(digest: digest)
            #expect(try signature.recoverPublicKey(digest: digest) == key.publicKey)
            #expect(signature.verifies(digest: digest, key: key.publicKey))
            // The other `v` recovers another key, yet verifies: verification does not see `v`.
            let twin = Self.flipped(signature)
            #expect(!twin.recovers(digest: digest, key: key.publicKey))
            #expect(twin.verifies(digest: digest, key: key.publicKey))
            // Another key or another digest: refused.
            #expect(!signature.verifies(digest: digest, key: stranger.publicKey))
            #expect(!signature.verifies(digest: other, key: key.publicKey))
            // The exact `v` back from either twin; none for a stranger's key or another digest.
            #expect(signature.withRecoveryId(of: key.publicKey, digest: digest) == signature)
            #expect(twin.withRecoveryId(of: key.publicKey, digest: digest) == signature)
            #expect(signature.withRecoveryId(of: stranger.publicKey, digest: digest) == nil)
            #expect(twin.withRecoveryId(of: key.publicKey, digest: other) == nil)
        } }
    }

    @Test func verificationRefusesWhatRecoveryRefuses() throws {
        let key = try good.recoverPublicKey(digest: digest)
        #expect(good.verifies(digest: digest, key: key))
        let highS = Signature(r: good.r, s: UInt256Helper.subtract(Secp256k1Order.n, good.s), v: good.v)
        let refused = [
            highS, Self.flipped(highS),
            Signature(r: good.r, s: UInt256Helper.add(Secp256k1Order.halfN, 1), v: 27),
            Signature(r: .zero, s: good.s, v: good.v),
            Signature(r: good.r, s: .zero, v: good.v),
            Signature(r: Secp256k1Order.n, s: good.s, v: good.v),
            Signature(r: Bytes32(.max, .max, .max, .max), s: good.s, v: good.v),
            Signature(r: Bytes32(0, 0, 0, 5), s: good.s, v: 27),
            Signature(r: good.r, s: good.s, v: 0), Signature(r: good.r, s: good.s, v: 1), Signature(r: good.r, s: good.s, v: 29),
        ]
        for signature in refused {
            #expect(!signature.verifies(digest: digest, key: key), "\(signature)")
            #expect(signature.withRecoveryId(of: key, digest: digest) == nil, "\(signature)")
        }
        // One bit anywhere in r or s: refused.
        for bit in 0..<512 {
            var bytes = good.bytes
            bytes[bit / 8] ^= UInt8(1 << (bit % 8))
            guard let signature = try? Signature(bytes) else { continue }
            #expect(!signature.verifies(digest: digest, key: key), "bit \(bit)")
        }
    }
}
