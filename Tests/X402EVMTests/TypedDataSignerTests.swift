import Synchronization
import Testing
import X402EVM

/// A smart-contract wallet (ERC-1271): it can only sign whole typed-data documents, and its signatures are
/// 96 bytes that no ECDSA recovery understands.
final class FakeSmartWallet: TypedDataSigner {
    let address = try! Address(hex: "0x" + String(repeating: "5a", count: 20))
    private let seen = Mutex<[EIP712TypedData]>([])

    var documents: [EIP712TypedData] { seen.withLock { $0 } }

    func signTypedData(_ typedData: EIP712TypedData) async throws -> SignatureBytes {
        seen.withLock { $0.append(typedData) }
        let digest = try typedData.digest().bytes
        return SignatureBytes([0xeb, 0x12] + digest + digest + Array(digest.prefix(30)))
    }
}

/// An ECDSA signer that wants the document (a wallet that displays it), counting which path was used.
final class DisplayingSigner: Signer {
    let key: PrivateKey
    private let counts = Mutex<(digests: Int, documents: Int)>((0, 0))

    init(_ key: PrivateKey) { self.key = key }

    var address: Address { key.address }
    var digestCalls: Int { counts.withLock { $0.digests } }
    var documentCalls: Int { counts.withLock { $0.documents } }

    func sign(digest: Bytes32) async throws -> Signature {
        counts.withLock { $0.digests += 1 }
        return key.sign(digest: digest)
    }

    func signTypedData(_ typedData: EIP712TypedData) async throws -> SignatureBytes {
        counts.withLock { $0.documents += 1 }
        return SignatureBytes(key.sign(digest: try typedData.digest()))
    }
}

@Suite struct TypedDataSignerTests {
    static let key = try! PrivateKey(hex: "0x" + String(repeating: "01", count: 32))
    static let mail = try! EIP712TypedData(json: EIP712Tests.mailJSON)

    /// Signs through the generic entry point, as callers holding any signer do.
    func sign(_ signer: some TypedDataSigner, _ typedData: EIP712TypedData) async throws -> SignatureBytes {
        try await signer.signTypedData(typedData)
    }

    @Test func privateKeyTypedDataSignatureEqualsDigestSignature() async throws {
        let signer = PrivateKeySigner(Self.key)
        let digestSignature = try await signer.sign(digest: Self.mail.digest())
        let typed = try await sign(signer, Self.mail)
        #expect(typed == SignatureBytes(digestSignature))
        #expect(typed.count == 65 && typed.bytes == digestSignature.bytes)
        #expect(typed.ecdsa == digestSignature)
        #expect(try typed.ecdsa?.recoverAddress(digest: Self.mail.digest()) == Self.key.address)
        // Through an existential too.
        let any: any TypedDataSigner = signer
        #expect(try await any.signTypedData(Self.mail) == typed)
    }

    @Test func smartWalletReturnsArbitraryBytes() async throws {
        let wallet = FakeSmartWallet()
        let signature = try await sign(wallet, Self.mail)
        #expect(signature.count == 96)
        #expect(signature.bytes.prefix(2) == [0xeb, 0x12])
        #expect(signature.ecdsa == nil)
        #expect(wallet.documents == [Self.mail])
        #expect(try SignatureBytes(hex: signature.hex) == signature)
        let signers: [any TypedDataSigner] = [wallet, PrivateKeySigner(Self.key)]
        var counts: [Int] = []
        for signer in signers { counts.append(try await signer.signTypedData(Self.mail).count) }
        #expect(counts == [96, 65])
    }

    @Test func signersMayOverrideTheDocumentPath() async throws {
        let signer = DisplayingSigner(Self.key)
        let signature = try await sign(signer, Self.mail)
        #expect(signer.documentCalls == 1 && signer.digestCalls == 0)
        #expect(signature == SignatureBytes(Self.key.sign(digest: try Self.mail.digest())))
    }

    @Test func signatureBytesEqualityIsByteWise() throws {
        let ecdsa = Self.key.sign(digest: Keccak256.hash("x"))
        #expect(SignatureBytes(ecdsa) == SignatureBytes(ecdsa.bytes))
        #expect(SignatureBytes(ecdsa).hashValue == SignatureBytes(ecdsa.bytes).hashValue)
        #expect(SignatureBytes(ecdsa.bytes).ecdsa == ecdsa)
        #expect(SignatureBytes(ecdsa) != SignatureBytes(ecdsa.bytes + [0]))
        #expect(SignatureBytes([]).hex == "0x")
    }
}
