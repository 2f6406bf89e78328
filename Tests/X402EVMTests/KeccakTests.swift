import PropertyBased
import Testing
@testable import X402EVM

@Suite struct KeccakTests {
    // Expected values from Python `eth_utils.keccak`.
    @Test(arguments: [
        ([UInt8](), "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"),
        (Array("abc".utf8), "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"),
        (Array("The quick brown fox jumps over the lazy dog".utf8),
         "0x4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15"),
        // One byte short of, exactly at and one past the 136-byte rate: the padding byte moves blocks.
        ([UInt8](repeating: 0x61, count: 135), "0x34367dc248bbd832f4e3e69dfaac2f92638bd0bbd18f2912ba4ef454919cf446"),
        ([UInt8](repeating: 0x61, count: 136), "0xa6c4d403279fe3e0af03729caada8374b5ca54d8065329a3ebcaeb4b60aa386e"),
        ([UInt8](repeating: 0x61, count: 137), "0xd869f639c7046b4929fc92a4d988a8b22c55fbadb802c0c66ebcd484f1915f39"),
        ([UInt8](repeating: 0xa3, count: 200), "0x3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a"),
        ((0..<768).map { UInt8($0 & 0xff) }, "0x00e77ce2c4f77212a0d5df106b08157b77058479357a98a6039b457c469723e4"),
    ])
    func publishedVectors(input: [UInt8], expected: String) {
        #expect(Keccak256.hash(input).hex == expected)
    }

    @Test func oneMebibyteOfA() {
        let input = [UInt8](repeating: 0x61, count: 1 << 20)
        #expect(Keccak256.hash(input).hex == "0xf5f3e54ad3d703f8e9edfd7ce79341b1d9286a692fa6c13ff13ee6ea94dbf97d")
    }

    @Test func stringAndBytesAgree() {
        #expect(Keccak256.hash("transfer(address,uint256)") == Keccak256.hash(Array("transfer(address,uint256)".utf8)))
        #expect(Keccak256.hash("transfer(address,uint256)").hex.hasPrefix("0xa9059cbb"))
    }

    /// The unrolled, generated permutation agrees with a plain textbook Keccak on random inputs of every length
    /// class (below, at and across block boundaries).
    @Test func matchesReferenceImplementation() async {
        await propertyCheck(input: Gen.uint8().array(of: 0...420)) { input in
            #expect(Keccak256.hash(input) == (try? Bytes32(ReferenceKeccak.hash(input))))
        }
    }
}

/// Straightforward byte-oriented Keccak-256 from the specification, used only as a test oracle.
private enum ReferenceKeccak {
    static let rotations: [[Int]] = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61],
                                     [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]

    static func roundConstant(_ round: Int) -> UInt64 {
        // The LFSR definition of the round constants (FIPS 202, rc(t)).
        func rc(_ t: Int) -> UInt64 {
            var r: UInt8 = 1
            for _ in 0..<(t % 255) {
                let high = r & 0x80
                r <<= 1
                if high != 0 { r ^= 0x71 }
            }
            return UInt64(r & 1)
        }
        var value: UInt64 = 0
        for j in 0...6 { value |= rc(j + 7 * round) << ((1 << j) - 1) }
        return value
    }

    static func permute(_ a: inout [UInt64]) {
        func rotl(_ x: UInt64, _ n: Int) -> UInt64 { n == 0 ? x : x << UInt64(n) | x >> UInt64(64 - n) }
        for round in 0..<24 {
            var c = [UInt64](repeating: 0, count: 5)
            for x in 0..<5 { for y in 0..<5 { c[x] ^= a[x + 5 * y] } }
            for x in 0..<5 { for y in 0..<5 { a[x + 5 * y] ^= c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1) } }
            var b = [UInt64](repeating: 0, count: 25)
            for x in 0..<5 { for y in 0..<5 { b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], rotations[x][y]) } }
            for x in 0..<5 { for y in 0..<5 { a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]) } }
            a[0] ^= roundConstant(round)
        }
    }

    static func hash(_ input: [UInt8]) -> [UInt8] {
        var padded = input + [0x01]
        while padded.count % 136 != 0 { padded.append(0) }
        padded[padded.count - 1] |= 0x80
        var state = [UInt64](repeating: 0, count: 25)
        for block in stride(from: 0, to: padded.count, by: 136) {
            for i in 0..<136 { state[i / 8] ^= UInt64(padded[block + i]) << UInt64(8 * (i % 8)) }
            permute(&state)
        }
        return (0..<32).map { UInt8(truncatingIfNeeded: state[$0 / 8] >> UInt64(8 * ($0 % 8))) }
    }
}
