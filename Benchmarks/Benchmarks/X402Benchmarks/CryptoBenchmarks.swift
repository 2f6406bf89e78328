import Benchmark
// CSecp256k1 is a system-library target of the root package, visible here through X402EVM's dependency;
// the bare C path runs the same three calls the wrapper makes, as the baseline for its overhead.
import CSecp256k1
import X402EVM

// Public test keys and vectors from protocol.md Part C.
private let payerKey = try! PrivateKey(hex: "0x0101010101010101010101010101010101010101010101010101010101010101")
private let voucherDigest = try! Bytes32(hex: "0xa8dd04df4747a18827c2f5f1b206ee1ecc99ccbbcd09038958c377b69813e10d")
private let voucherSignature = try! Signature(
    hex: "0xb467ce6c629f33be7ed8e947818fa409a53cd6f152b33e010659effc3fa9d08a3c29572b2d5c8bb96a01847a37ab9eb059ba8745957066746908626ef52added1c")

/// One ECDSA operation per iteration ×1000 (throughput is reported in thousands per second).
private var perKilo: Benchmark.Configuration { .init(scalingFactor: .kilo) }

func cryptoBenchmarks() {
    for size in [32, 64, 1024] {
        Benchmark("keccak256 \(size) B", configuration: .init(scalingFactor: .mega)) { benchmark in
            var input = [UInt8](repeating: 0xa5, count: size)
            input.withUnsafeMutableBytes { raw in
                for _ in benchmark.scaledIterations {
                    let digest = Keccak256.hash(UnsafeRawBufferPointer(raw))
                    // Feed the output back so no iteration can be hoisted or elided.
                    digest.write(to: raw.baseAddress!)
                }
            }
            blackHole(input)
        }
    }

    Benchmark("secp256k1 sign", configuration: perKilo) { benchmark in
        var digest = voucherDigest
        for _ in benchmark.scaledIterations {
            let signature = payerKey.sign(digest: digest)
            digest = signature.r
        }
        blackHole(digest)
    }

    Benchmark("secp256k1 recoverAddress (Swift)", configuration: perKilo) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? voucherSignature.recoverAddress(digest: voucherDigest))
        }
    }

    Benchmark("secp256k1 recoverPublicKey (Swift)", configuration: perKilo) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? voucherSignature.recoverPublicKey(digest: voucherDigest))
        }
    }

    Benchmark("secp256k1 verifies by key (Swift)", configuration: perKilo) { benchmark in
        let key = try voucherSignature.recoverPublicKey(digest: voucherDigest)
        for _ in benchmark.scaledIterations {
            blackHole(voucherSignature.verifies(digest: voucherDigest, key: key))
        }
    }

    Benchmark("secp256k1 recover (bare C)", configuration: perKilo) { benchmark in
        let context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE))!
        defer { secp256k1_context_destroy(context) }
        let compact = voucherSignature.bytes
        let recid = Int32(voucherSignature.v - 27)
        let message = voucherDigest.bytes
        var output = [UInt8](repeating: 0, count: 65)
        var sig = secp256k1_ecdsa_recoverable_signature()
        var pubkey = secp256k1_pubkey()
        for _ in benchmark.scaledIterations {
            var length = 65
            _ = secp256k1_ecdsa_recoverable_signature_parse_compact(context, &sig, compact, recid)
            _ = secp256k1_ecdsa_recover(context, &pubkey, &sig, message)
            _ = secp256k1_ec_pubkey_serialize(context, &output, &length, &pubkey, UInt32(SECP256K1_EC_UNCOMPRESSED))
            blackHole(output[1])
        }
    }
}
