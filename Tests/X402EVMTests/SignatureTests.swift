import Foundation
import Testing
@testable import X402EVM

@Suite struct SignatureTests {
    let digest = try! Bytes32(hex: PartC.voucherDigest)
    let good = try! Signature(hex: PartC.voucherSignature)

    @Test func bytesRoundTrip() throws {
        #expect(good.bytes.count == 65)
        #expect(try Signature(good.bytes) == good)
        #expect(good.hex == PartC.voucherSignature)
        #expect(good.v == 28)
        #expect(good.recoveryId == 1)
    }

    @Test func codableAsHex() throws {
        let json = try JSONEncoder().encode([good])
        #expect(String(decoding: json, as: UTF8.self) == "[\"\(PartC.voucherSignature)\"]")
        #expect(try JSONDecoder().decode([Signature].self, from: json) == [good])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Signature].self, from: Data("[\"0x1234\"]".utf8)) }
    }

    @Test(arguments: [0, 1, 64, 66, 130])
    func wrongLength(count: Int) {
        #expect(throws: SignatureError.invalidLength(count)) { try Signature([UInt8](repeating: 1, count: count)) }
    }

    @Test(arguments: [UInt8(0), 1, 26, 29, 35, 255])
    func badRecoveryId(v: UInt8) {
        var bytes = good.bytes
        bytes[64] = v
        #expect(throws: SignatureError.invalidRecoveryId(v)) { try Signature(bytes) }
        // Built from components, the check happens at recovery.
        let signature = Signature(r: good.r, s: good.s, v: v)
        #expect(throws: SignatureError.invalidRecoveryId(v)) { try signature.recoverAddress(digest: digest) }
    }

    @Test func badHex() {
        #expect(throws: SignatureError.invalidHex(.missingHexPrefix)) { try Signature(hex: "b467") }
        #expect(throws: SignatureError.invalidHex(.oddHexLength)) { try Signature(hex: "0xb46") }
    }

    @Test func highSIsRejectedEvenThoughItRecoversMathematically() throws {
        // (r, n - s, v ^ 1) is the malleable twin of a valid signature.
        let highS = Signature(r: good.r, s: UInt256Helper.subtract(Secp256k1Order.n, good.s), v: good.v == 27 ? 28 : 27)
        #expect(highS.s > Secp256k1Order.halfN)
        #expect(throws: SignatureError.highS) { try highS.recoverAddress(digest: digest) }
        #expect(throws: SignatureError.highS) { try highS.recoverPublicKey(digest: digest) }
        #expect(throws: SignatureError.highS) { try Signature(hex: highS.hex).recoverAddress(digest: digest) }
    }

    @Test func boundaryOfS() throws {
        // s = n/2 is accepted by the range check (it may or may not recover), s = n/2 + 1 is high.
        let atHalf = Signature(r: good.r, s: Secp256k1Order.halfN, v: 27)
        do { _ = try atHalf.recoverAddress(digest: digest) } catch { #expect(error != .highS) }
        let aboveHalf = Signature(r: good.r, s: UInt256Helper.add(Secp256k1Order.halfN, 1), v: 27)
        #expect(throws: SignatureError.highS) { try aboveHalf.recoverAddress(digest: digest) }
    }

    @Test func zeroAndOutOfRangeScalars() {
        let cases = [
            Signature(r: .zero, s: good.s, v: good.v),
            Signature(r: good.r, s: .zero, v: good.v),
            Signature(r: Secp256k1Order.n, s: good.s, v: good.v),
            Signature(r: Bytes32(.max, .max, .max, .max), s: good.s, v: good.v),
        ]
        for signature in cases {
            #expect(throws: SignatureError.invalidScalar) { try signature.recoverAddress(digest: digest) }
            #expect(throws: SignatureError.invalidScalar) { try signature.recoverPublicKey(digest: digest) }
        }
    }

    @Test func recoveryFailsWhenRIsNotAnXCoordinate() {
        // x = 5: 5³ + 7 is not a square mod p, so no curve point has it.
        let signature = Signature(r: Bytes32(0, 0, 0, 5), s: good.s, v: 27)
        #expect(throws: SignatureError.recoveryFailed) { try signature.recoverAddress(digest: digest) }
    }

    @Test func otherDigestRecoversOtherAddress() throws {
        var other = digest.bytes
        other[0] ^= 1
        #expect(try good.recoverAddress(digest: try Bytes32(other)).checksummed != PartC.payer)
    }
}

/// Small 256-bit helpers over `Bytes32` for building boundary signatures.
enum UInt256Helper {
    static func subtract(_ a: Bytes32, _ b: Bytes32) -> Bytes32 {
        (UInt256(word: a) - UInt256(word: b)).word
    }

    static func add(_ a: Bytes32, _ b: UInt64) -> Bytes32 {
        (UInt256(word: a) + UInt256(b)).word
    }
}
