import Benchmark
import X402BatchSettlement
import X402Core

// The worst legal PAYMENT-SIGNATURE headers: 64 KiB of base64 (48 KiB of JSON) shaped to cost the most
// (many keys, deep nesting, long arrays, escapes, huge numbers). Each must be decoded or rejected with a
// typed error in well under 2 ms (issue target), against ~6 µs for a normal voucher header.

/// A PaymentPayload whose `payload` carries `filler`, sized to just under the 64 KiB header limit.
private func header(_ filler: (Int) -> String) -> String {
    let accepted = #"{"scheme":"batch-settlement","network":"eip155:84532","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"1000","payTo":"0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70","maxTimeoutSeconds":300,"extra":{}}"#
    func build(_ n: Int) -> String { #"{"x402Version":2,"payload":\#(filler(n)),"accepted":\#(accepted)}"# }
    // Largest n whose encoding fits: base64 of 48 KiB is 64 KiB.
    var lo = 1, hi = 1 << 16
    while lo < hi {
        let mid = (lo + hi + 1) / 2
        if build(mid).utf8.count <= HeaderCodec.maxEncodedLength / 4 * 3 { lo = mid } else { hi = mid - 1 }
    }
    return Base64.encode(Array(build(lo).utf8))
}

/// `n` copies of `element` as arrays of at most 4,096 elements (the parser's cap) inside one array.
private func chunkedArrays(_ n: Int, element: String) -> String {
    let chunks = stride(from: 0, to: n, by: 4096).map { "[" + Array(repeating: element, count: min(4096, n - $0)).joined(separator: ",") + "]" }
    return "[" + chunks.joined(separator: ",") + "]"
}

let worstCaseHeaders: [(String, String)] = [
    ("1024 keys (the cap)", header { n in "{" + (0..<1023).map { "\"k\($0)\":[\($0)]" }.joined(separator: ",") + ",\"pad\":\"" + String(repeating: "x", count: n) + "\"}" }),
    ("5000+ keys (rejected)", header { n in "{" + (0..<n).map { "\"\($0)\":0" }.joined(separator: ",") + "}" }),
    ("one long array (rejected)", header { n in "[" + Array(repeating: "0", count: n).joined(separator: ",") + "]" }),
    ("arrays of 4096 numbers", header { n in chunkedArrays(n, element: "0") }),
    ("arrays of 4096 empty objects", header { n in chunkedArrays(n, element: "{}") }),
    ("escaped string", header { n in "\"" + String(repeating: #"\u00e9"#, count: n) + "\"" }),
    ("huge number", header { n in String(repeating: "9", count: n) }),
    ("nesting 60 deep, wide", header { n in String(repeating: "[", count: 60) + chunkedArrays(n, element: "1") + String(repeating: "]", count: 60) }),
    ("nesting too deep (rejected)", header { n in String(repeating: "[", count: n) }),
]

func worstCaseHeaderBenchmarks() {
    for (name, value) in worstCaseHeaders {
        Benchmark("worst 64 KiB header: \(name)", configuration: .init(scalingFactor: .one, maxDuration: .seconds(2))) { benchmark in
            for _ in benchmark.scaledIterations {
                // Whatever the outcome (a payload or a typed error), the time is what is measured.
                let payload = try? HeaderCodec.decodePaymentSignature(value)
                blackHole(payload.map { try? BatchSettlementPayload($0) })
            }
        }
    }
}
