import Benchmark
import X402BatchSettlement
import X402Core
import X402EVM

// protocol.md C.5 / C.11a inputs: the seller's hot path is header decode → payload → voucher digest → recover.
private let channelId = try! Bytes32(hex: "0x66f2b00c9859327c1b959575fc0b0ff71971f15eda6ff270caa3cec308ede223")
private let domain = BatchSettlementDomain(chainId: 84532)
private let payer = try! Address(hex: "0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1")
private let voucherSignature = try! Signature(
    hex: "0xb467ce6c629f33be7ed8e947818fa409a53cd6f152b33e010659effc3fa9d08a3c29572b2d5c8bb96a01847a37ab9eb059ba8745957066746908626ef52added1c")
private let paymentSignatureHeader = "eyJ4NDAyVmVyc2lvbiI6MiwicGF5bG9hZCI6eyJ0eXBlIjoidm91Y2hlciIsImNoYW5uZWxDb25maWciOnsicGF5ZXIiOiIweDFhNjQyZjBFM2MzYUY1NDVFN0FjQkQzOGIwNzI1MUIzOTkwOTE0RjEiLCJwYXllckF1dGhvcml6ZXIiOiIweDFhNjQyZjBFM2MzYUY1NDVFN0FjQkQzOGIwNzI1MUIzOTkwOTE0RjEiLCJyZWNlaXZlciI6IjB4MzMyNWE3ODQyNUYxN2E3RTQ4N0ViNTY2NmIyYkZkOTNhQmIwNmM3MCIsInJlY2VpdmVyQXV0aG9yaXplciI6IjB4NTA1MEE0RjRiM2Y5MzM4QzM0NzJkY0MwMUE4N0M3NkExNDRiM2M5YyIsInRva2VuIjoiMHgwMzZDYkQ1Mzg0MmM1NDI2NjM0ZTc5Mjk1NDFlQzIzMThmM2RDRjdlIiwid2l0aGRyYXdEZWxheSI6OTAwLCJzYWx0IjoiMHgwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwIn0sInZvdWNoZXIiOnsiY2hhbm5lbElkIjoiMHg2NmYyYjAwYzk4NTkzMjdjMWI5NTk1NzVmYzBiMGZmNzE5NzFmMTVlZGE2ZmYyNzBjYWEzY2VjMzA4ZWRlMjIzIiwibWF4Q2xhaW1hYmxlQW1vdW50IjoiMjAwMCIsInNpZ25hdHVyZSI6IjB4OTM5OTVhZTkwY2VhZDQ2ZDA2ZGE1Y2VkMTg3MjFkODRlMmQ4NjM5ZmVjYzhlNzI1MDU3ZmIwYWQxYTdjYjY3ZDQwODE3YjQ4NGQ3ODUwZjE1ODBhZTEwZWZjNWFhNGExOTFmZTA4NGFkNzU2OGE0MWFhYjdjMGRkMDgwNDZjYzUxYiJ9fSwiYWNjZXB0ZWQiOnsic2NoZW1lIjoiYmF0Y2gtc2V0dGxlbWVudCIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIiLCJhc3NldCI6IjB4MDM2Q2JENTM4NDJjNTQyNjYzNGU3OTI5NTQxZUMyMzE4ZjNkQ0Y3ZSIsImFtb3VudCI6IjEwMDAiLCJwYXlUbyI6IjB4MzMyNWE3ODQyNUYxN2E3RTQ4N0ViNTY2NmIyYkZkOTNhQmIwNmM3MCIsIm1heFRpbWVvdXRTZWNvbmRzIjozMDAsImV4dHJhIjp7Im5hbWUiOiJVU0RDIiwidmVyc2lvbiI6IjIiLCJyZWNlaXZlckF1dGhvcml6ZXIiOiIweDUwNTBBNEY0YjNmOTMzOEMzNDcyZGNDMDFBODdDNzZBMTQ0YjNjOWMiLCJ3aXRoZHJhd0RlbGF5Ijo5MDAsIm1pbkRlcG9zaXQiOiIxMDAwMCJ9fSwicmVzb3VyY2UiOnsidXJsIjoiaHR0cDovL2xvY2FsaG9zdC9kYXRhIiwiZGVzY3JpcHRpb24iOiIiLCJtaW1lVHlwZSI6IiJ9fQ=="

/// Voucher digest, voucher verification and PAYMENT-SIGNATURE codec: the seller's per-request work.
func protocolBenchmarks() {
    Benchmark("voucher digest", configuration: .init(scalingFactor: .mega)) { benchmark in
        var amount: UInt128 = 1000
        for _ in benchmark.scaledIterations {
            let digest = Voucher(channelId: channelId, maxClaimableAmount: amount).digest(in: domain)
            amount &+= UInt128(truncatingIfNeeded: digest.hashValue & 1)
        }
        blackHole(amount)
    }

    Benchmark("voucher verify (digest + recover)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            let digest = Voucher(channelId: channelId, maxClaimableAmount: 1000).digest(in: domain)
            let signer = try? voucherSignature.recoverAddress(digest: digest)
            precondition(signer == payer)
        }
    }

    Benchmark("PAYMENT-SIGNATURE header to PaymentPayload (C.11a)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? HeaderCodec.decodePaymentSignature(paymentSignatureHeader))
        }
    }

    Benchmark("PAYMENT-SIGNATURE decode (C.11a, 1536 chars)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? BatchSettlementPayload(HeaderCodec.decodePaymentSignature(paymentSignatureHeader)))
        }
    }

    let payload = try! HeaderCodec.decodePaymentSignature(paymentSignatureHeader)
    Benchmark("PAYMENT-SIGNATURE encode (C.11a)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? HeaderCodec.encodePaymentSignature(payload))
        }
    }
}
