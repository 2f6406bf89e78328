import Foundation
import Testing
import X402BatchSettlement
import X402EVM

/// Vectors/batch-settlement.json: SDK-generated channel ids, digests and signatures for random configurations.
@Suite struct TypedDataVectorTests {
    struct File: Decodable { let vectors: [Vector] }
    struct Vector: Decodable {
        let chainId: UInt64
        let payerKey: String
        let receiverAuthorizerKey: String
        let channelConfig: ChannelConfig
        let channelId: Bytes32
        let voucher: SignedVoucher
        let refund: SignedRefund
        let claimBatch: SignedClaimBatch
        let erc3009: ERC3009
        let permit2: Permit2
    }
    struct SignedVoucher: Decodable { let maxClaimableAmount: String, digest: Bytes32, signature: String }
    struct SignedRefund: Decodable { let nonce: String, amount: String, digest: Bytes32, signature: String }
    struct Entry: Decodable { let channelId: Bytes32, maxClaimableAmount: String, totalClaimed: String }
    struct SignedClaimBatch: Decodable { let entries: [Entry], digest: Bytes32, signature: String }
    struct ERC3009: Decodable {
        let name: String, version: String, salt: Bytes32, nonce: Bytes32, value: String, validBefore: String
        let digest: Bytes32, signature: String
    }
    struct Permit2: Decodable { let amount: String, nonce: String, deadline: String, digest: Bytes32, signature: String }

    static func load() throws -> [Vector] {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors/batch-settlement.json")
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).vectors
    }

    struct Messages {
        let voucher: Voucher
        let refund: Refund
        let batch: ClaimBatch
        let tokenDomain: ERC3009Domain
        let authorization: ReceiveWithAuthorization
        let permit: PermitWitnessTransferFrom
    }

    static func messages(_ v: Vector) throws -> Messages {
        let entries = try v.claimBatch.entries.map {
            ClaimEntry(channelId: $0.channelId, maxClaimableAmount: try UInt128(decimalAmount: $0.maxClaimableAmount),
                       totalClaimed: try UInt128(decimalAmount: $0.totalClaimed))
        }
        let tokenDomain = ERC3009Domain(name: v.erc3009.name, version: v.erc3009.version, chainId: v.chainId,
                                        token: v.channelConfig.token)
        return Messages(
            voucher: Voucher(channelId: v.channelId, maxClaimableAmount: try UInt128(decimalAmount: v.voucher.maxClaimableAmount)),
            refund: Refund(channelId: v.channelId, nonce: try UInt256(decimal: v.refund.nonce),
                           amount: try UInt128(decimalAmount: v.refund.amount)),
            batch: ClaimBatch(entries: entries),
            tokenDomain: tokenDomain,
            authorization: ReceiveWithAuthorization(
                from: v.channelConfig.payer, to: BatchSettlement.erc3009CollectorAddress, value: try UInt256(decimal: v.erc3009.value),
                validAfter: .zero, validBefore: try UInt256(decimal: v.erc3009.validBefore),
                nonce: BatchSettlement.erc3009DepositNonce(channelId: v.channelId, salt: v.erc3009.salt)),
            permit: PermitWitnessTransferFrom(
                token: v.channelConfig.token, amount: try UInt256(decimal: v.permit2.amount),
                nonce: try UInt256(decimal: v.permit2.nonce), deadline: try UInt256(decimal: v.permit2.deadline),
                channelId: v.channelId))
    }

    @Test func everyDigestMatchesTheSDK() throws {
        let vectors = try Self.load()
        #expect(vectors.count >= 300)
        for (i, v) in vectors.enumerated() {
            let m = try Self.messages(v)
            let domain = BatchSettlementDomain(chainId: v.chainId)
            #expect(v.channelConfig.channelId(in: domain) == v.channelId, "vector \(i)")
            #expect(m.voucher.digest(in: domain) == v.voucher.digest, "vector \(i)")
            #expect(m.refund.digest(in: domain) == v.refund.digest, "vector \(i)")
            #expect(m.batch.digest(in: domain) == v.claimBatch.digest, "vector \(i)")
            #expect(m.authorization.nonce == v.erc3009.nonce, "vector \(i)")
            #expect(m.authorization.digest(in: m.tokenDomain) == v.erc3009.digest, "vector \(i)")
            #expect(m.permit.digest(chainId: v.chainId) == v.permit2.digest, "vector \(i)")
        }
    }

    @Test func generalEncoderAgreesOnEveryVector() throws {
        for (i, v) in try Self.load().enumerated() {
            let m = try Self.messages(v)
            #expect(try v.channelConfig.typedData(chainId: v.chainId).digest() == v.channelId, "vector \(i)")
            #expect(try m.voucher.typedData(chainId: v.chainId).digest() == v.voucher.digest, "vector \(i)")
            #expect(try m.refund.typedData(chainId: v.chainId).digest() == v.refund.digest, "vector \(i)")
            #expect(try m.batch.typedData(chainId: v.chainId).digest() == v.claimBatch.digest, "vector \(i)")
            #expect(try m.authorization.typedData(domain: m.tokenDomain).digest() == v.erc3009.digest, "vector \(i)")
            #expect(try m.permit.typedData(chainId: v.chainId).digest() == v.permit2.digest, "vector \(i)")
        }
    }

    @Test func everySignatureMatchesTheSDKByteForByte() async throws {
        for (i, v) in try Self.load().enumerated() {
            let m = try Self.messages(v)
            let payer = PrivateKeySigner(try PrivateKey(hex: v.payerKey))
            let authorizer = PrivateKeySigner(try PrivateKey(hex: v.receiverAuthorizerKey))
            #expect(payer.address == v.channelConfig.payer && authorizer.address == v.channelConfig.receiverAuthorizer)
            let domain = BatchSettlementDomain(chainId: v.chainId)
            #expect(try await m.voucher.sign(with: payer, in: domain).hex == v.voucher.signature, "vector \(i)")
            #expect(try await m.refund.sign(with: authorizer, chainId: v.chainId).hex == v.refund.signature, "vector \(i)")
            #expect(try await m.batch.sign(with: authorizer, chainId: v.chainId).hex == v.claimBatch.signature, "vector \(i)")
            #expect(try await m.authorization.sign(with: payer, in: m.tokenDomain).hex == v.erc3009.signature, "vector \(i)")
            #expect(try await m.permit.sign(with: payer, chainId: v.chainId).hex == v.permit2.signature, "vector \(i)")
            #expect(try m.voucher.recoverSigner(Signature(hex: v.voucher.signature), in: domain) == payer.address, "vector \(i)")
            #expect(try m.refund.recoverSigner(Signature(hex: v.refund.signature), in: domain) == authorizer.address, "vector \(i)")
            #expect(try m.batch.recoverSigner(Signature(hex: v.claimBatch.signature), in: domain) == authorizer.address, "vector \(i)")
            #expect(try m.authorization.recoverSigner(Signature(hex: v.erc3009.signature), in: m.tokenDomain) == payer.address,
                    "vector \(i)")
            #expect(try m.permit.recoverSigner(Signature(hex: v.permit2.signature), chainId: v.chainId) == payer.address,
                    "vector \(i)")
        }
    }
}
