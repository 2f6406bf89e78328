import Foundation
import PropertyBased
import Testing
@testable import X402EVM

/// protocol.md Part C keys, addresses, digests and signatures (public test keys).
enum PartC {
    static let payerKey = "0x0101010101010101010101010101010101010101010101010101010101010101"
    static let receiverAuthorizerKey = "0x0202020202020202020202020202020202020202020202020202020202020202"
    static let receiverKey = "0x0303030303030303030303030303030303030303030303030303030303030303"
    static let payer = "0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1"
    static let receiverAuthorizer = "0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c"
    static let receiver = "0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70"

    static let voucherDigest = "0xa8dd04df4747a18827c2f5f1b206ee1ecc99ccbbcd09038958c377b69813e10d"
    static let voucherSignature = "0xb467ce6c629f33be7ed8e947818fa409a53cd6f152b33e010659effc3fa9d08a3c29572b2d5c8bb96a01847a37ab9eb059ba8745957066746908626ef52added1c"
    static let refundDigest = "0xbae38275d9b257a28d0c7d63882de6b14af74583ec3087e5ae057e14c9131f35"
    static let refundSignature = "0x50345eedb1542a622a9e7ba5d727965294ed9760b1f7b34f74997ab1a03aa9f80345978174799861835d8728a33b353ee4392e2529b63088bd14d9e4553d55901c"
    static let claimBatchDigest = "0xe31cab3ba279641351f042b7ab9e3eb93ae7f2409f66d3a4c0f59e75a7446e27"
    static let claimBatchSignature = "0x4a5f2cd55cb9bb312a2fe757a497555940208ad0c735ba6265bbc08b5fdb3860050f92392239889bcd7dbbc2eaf6172446dbbfd942dce94850d91c89108a40a81c"
    static let depositDigest = "0xce2c02fd87f7a6763878816b4883956e5019754c411d23b7a1a9e414651e2cd6"
    static let depositSignature = "0xb198fc766f3549887ff8fb7430dc070b90e30421cefa851aede0a07c78f3bef128c981cf817bb4a10630785231e685cc6699634a0e91cbfa6f6b3389bebfc2281c"
}

@Suite struct Secp256k1Tests {
    @Test(arguments: [
        (PartC.payerKey, PartC.payer),
        (PartC.receiverAuthorizerKey, PartC.receiverAuthorizer),
        (PartC.receiverKey, PartC.receiver),
    ])
    func keyToAddress(key: String, address: String) throws {
        let privateKey = try PrivateKey(hex: key)
        #expect(privateKey.address.checksummed == address)
        #expect(privateKey.publicKey.address == privateKey.address)
        #expect(privateKey.publicKey.bytes.count == 64)
    }

    @Test func knownPublicKeyOfOne() throws {
        // k = 1 gives the generator point G.
        let key = try PrivateKey([UInt8](repeating: 0, count: 31) + [1])
        #expect(key.publicKey.x.hex == "0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
        #expect(key.publicKey.y.hex == "0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8")
        #expect(try PublicKey(key.publicKey.bytes) == key.publicKey)
        #expect(try PublicKey([0x04] + key.publicKey.bytes) == key.publicKey)
    }

    @Test(arguments: [
        (PartC.payerKey, PartC.voucherDigest, PartC.voucherSignature),
        (PartC.receiverAuthorizerKey, PartC.refundDigest, PartC.refundSignature),
        (PartC.receiverAuthorizerKey, PartC.claimBatchDigest, PartC.claimBatchSignature),
        (PartC.payerKey, PartC.depositDigest, PartC.depositSignature),
    ])
    func signaturesMatchPythonSDKByteForByte(key: String, digest: String, signature: String) throws {
        let privateKey = try PrivateKey(hex: key)
        let digest = try Bytes32(hex: digest)
        let signed = privateKey.sign(digest: digest)
        #expect(signed.hex == signature)
        #expect(try Signature(hex: signature).recoverAddress(digest: digest) == privateKey.address)
        #expect(try signed.recoverPublicKey(digest: digest) == privateKey.publicKey)
    }

    @Test func signingIsDeterministicAndRecoverable() async throws {
        await propertyCheck(input: Gen.uint8().array(of: 32), Gen.uint8().array(of: 32)) { keyBytes, digestBytes in
            guard let key = try? PrivateKey(keyBytes), let digest = try? Bytes32(digestBytes) else { return }
            let signature = key.sign(digest: digest)
            #expect(signature == key.sign(digest: digest))
            #expect(signature.v == 27 || signature.v == 28)
            #expect(signature.s <= Secp256k1Order.halfN)
            #expect((try? signature.recoverAddress(digest: digest)) == key.address)
            #expect((try? signature.recoverPublicKey(digest: digest)) == key.publicKey)
        }
    }

    @Test func signerProtocol() async throws {
        let signer: any Signer = PrivateKeySigner(try PrivateKey(hex: PartC.payerKey))
        #expect(signer.address.checksummed == PartC.payer)
        let signature = try await signer.sign(digest: try Bytes32(hex: PartC.voucherDigest))
        #expect(signature.hex == PartC.voucherSignature)
    }

    @Test func invalidKeys() {
        let n = Secp256k1Order.n.bytes
        var nMinusOne = n
        nMinusOne[31] -= 1
        #expect(throws: KeyError.outOfRange) { try PrivateKey([UInt8](repeating: 0, count: 32)) }
        #expect(throws: KeyError.outOfRange) { try PrivateKey(n) }
        #expect(throws: KeyError.outOfRange) { try PrivateKey([UInt8](repeating: 0xff, count: 32)) }
        #expect((try? PrivateKey(nMinusOne)) != nil)
        #expect(throws: KeyError.invalidLength(31)) { try PrivateKey([UInt8](repeating: 1, count: 31)) }
        #expect(throws: KeyError.invalidLength(33)) { try PrivateKey([UInt8](repeating: 1, count: 33)) }
        #expect(throws: KeyError.invalidHex(.invalidHexCharacter(offset: 0))) { try PrivateKey(hex: "0xzz") }
        #expect(throws: KeyError.invalidHex(.oddHexLength)) { try PrivateKey(hex: "0x123") }
    }

    @Test func hexForms() throws {
        let plain = try PrivateKey(hex: String(PartC.payerKey.dropFirst(2)))
        let padded = try PrivateKey(hex: "  \(PartC.payerKey.uppercased().replacingOccurrences(of: "0X", with: "0x"))\n")
        #expect(plain.address.checksummed == PartC.payer)
        #expect(padded.address.checksummed == PartC.payer)
    }

    @Test func keyFileAndEnvironment() throws {
        let path = "/tmp/x402-secp-test-key-\(UInt64.random(in: 0 ... .max))"
        let file = fopen(path, "w")
        #expect(file != nil)
        fputs("\(PartC.receiverKey)\n", file)
        fclose(file)
        defer { unlink(path) }
        #expect(try PrivateKey(contentsOfFile: path).address.checksummed == PartC.receiver)
        #expect(throws: KeyError.unreadableFile("/nonexistent/key")) { try PrivateKey(contentsOfFile: "/nonexistent/key") }

        let name = "X402_SECP_TEST_KEY_\(UInt32.random(in: 0 ... .max))"
        setenv(name, PartC.receiverAuthorizerKey, 1)
        defer { unsetenv(name) }
        #expect(try PrivateKey.fromEnvironment(name).address.checksummed == PartC.receiverAuthorizer)
        #expect(throws: KeyError.environmentVariableMissing(name + "_UNSET")) {
            try PrivateKey.fromEnvironment(name + "_UNSET")
        }
    }

    @Test func descriptionsNeverShowTheKey() throws {
        let key = try PrivateKey(hex: PartC.payerKey)
        let secretHex = String(PartC.payerKey.dropFirst(2))
        var dumped = ""
        dump(key, to: &dumped)
        for text in [key.description, key.debugDescription, String(describing: key), String(reflecting: key), "\(key)",
                     dumped, String(describing: PrivateKeySigner(key))] {
            #expect(!text.contains(secretHex))
            #expect(!text.contains("0101010101"))
        }
    }
}
