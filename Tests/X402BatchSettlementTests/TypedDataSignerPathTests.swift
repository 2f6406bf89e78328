import Synchronization
import Testing
import X402BatchSettlement
import X402EVM

/// A smart-contract wallet payer: it signs whole documents and returns 96 bytes (no ECDSA).
final class SmartWalletPayer: TypedDataSigner {
    let address = TypedDataTests.payer
    private let seen = Mutex<[EIP712TypedData]>([])

    var documents: [EIP712TypedData] { seen.withLock { $0 } }

    func signTypedData(_ typedData: EIP712TypedData) async throws -> SignatureBytes {
        seen.withLock { $0.append(typedData) }
        let digest = try typedData.digest().bytes
        return SignatureBytes(digest + digest.reversed() + digest)
    }
}

/// A remote ECDSA signer that prefers to receive the document.
final class RemoteDocumentSigner: Signer {
    let key: PrivateKey
    private let documents = Mutex(0)

    init(_ key: PrivateKey) { self.key = key }

    var address: Address { key.address }
    var documentCount: Int { documents.withLock { $0 } }

    func sign(digest: Bytes32) async throws -> Signature { key.sign(digest: digest) }

    func signTypedData(_ typedData: EIP712TypedData) async throws -> SignatureBytes {
        documents.withLock { $0 += 1 }
        return SignatureBytes(key.sign(digest: try typedData.digest()))
    }
}

/// `signTypedData(with:)`: any `TypedDataSigner` receives the document; a local key keeps the digest path.
@Suite struct TypedDataSignerPathTests {
    typealias T = TypedDataTests
    static let payerKey = try! PrivateKey(hex: "0x" + String(repeating: "01", count: 32))
    static let domain = BatchSettlementDomain(chainId: 84532)

    @Test func smartWalletSignsTheDocument() async throws {
        let wallet = SmartWalletPayer()
        let voucher = Voucher(channelId: T.channel1, maxClaimableAmount: 2000)
        let signature = try await voucher.signTypedData(with: wallet, chainId: 84532)
        #expect(signature.count == 96 && signature.ecdsa == nil)
        #expect(Array(signature.bytes.prefix(32)) == voucher.digest(chainId: 84532).bytes)
        #expect(wallet.documents == [voucher.typedData(chainId: 84532)])
        #expect(try await voucher.signTypedData(with: wallet, in: Self.domain) == signature)

        // Every signed message takes the same path.
        let refund = Refund(channelId: T.channel1, nonce: 0, amount: 5000)
        #expect(try await refund.signTypedData(with: wallet, chainId: 84532).bytes.prefix(32) == refund.digest(chainId: 84532).bytes[...])
        let batch = ClaimBatch(entries: [ClaimEntry(channelId: T.channel1, maxClaimableAmount: 1000, totalClaimed: 700)])
        #expect(try await batch.signTypedData(with: wallet, chainId: 84532).bytes.prefix(32) == batch.digest(chainId: 84532).bytes[...])
        let authorization = ReceiveWithAuthorization.deposit(payer: T.payer, amount: 10000, validBefore: 1_770_000_000,
                                                             channelId: T.channel1, salt: Bytes32(0, 0, 0, 0x11))
        #expect(try await authorization.signTypedData(with: wallet, in: T.usdcDomain).bytes.prefix(32) == authorization.digest(in: T.usdcDomain).bytes[...])
        let permit = PermitWitnessTransferFrom(token: T.usdc, amount: 10000, nonce: 1, deadline: 1_770_000_000, channelId: T.channel1)
        #expect(try await permit.signTypedData(with: wallet, chainId: 84532).bytes.prefix(32) == permit.digest(chainId: 84532).bytes[...])
        #expect(wallet.documents.count == 6)
    }

    @Test func privateKeySignerKeepsTheDigestPath() async throws {
        let signer = PrivateKeySigner(Self.payerKey)
        let voucher = Voucher(channelId: T.channel1, maxClaimableAmount: 2000)
        let typed = try await voucher.signTypedData(with: signer, chainId: 84532)
        let digest = try await voucher.sign(with: signer, chainId: 84532)
        // protocol.md C.5.
        #expect(typed.hex == "0x93995ae90cead46d06da5ced18721d84e2d8639fecc8e725057fb0ad1a7cb67d40817b484d7850f1580ae10efc5aa4a191fe084ad7568a41aab7c0dd08046cc51b")
        #expect(typed == SignatureBytes(digest))
        #expect(try await voucher.signTypedData(with: signer, in: Self.domain) == typed)
        #expect(try typed.ecdsa.map { try voucher.recoverSigner($0, in: Self.domain) } == T.payer)
    }

    @Test func otherECDSASignersGetTheDocument() async throws {
        let signer = RemoteDocumentSigner(Self.payerKey)
        let voucher = Voucher(channelId: T.channel1, maxClaimableAmount: 2000)
        let typed = try await voucher.signTypedData(with: signer, chainId: 84532)
        #expect(signer.documentCount == 1)
        #expect(typed == SignatureBytes(try await voucher.sign(with: PrivateKeySigner(Self.payerKey), chainId: 84532)))
    }
}
