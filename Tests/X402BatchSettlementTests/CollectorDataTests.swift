import Testing
import X402EVM
@testable import X402BatchSettlement

/// protocol.md C.8 and C.9 `collectorData`, byte for byte, and strict decoding.
@Suite struct CollectorDataTests {
    static let salt = try! Bytes32(hex: "0x1111111111111111111111111111111111111111111111111111111111111111")

    @Test func erc3009MatchesC8() throws {
        let data = ERC3009CollectorData(validAfter: 0, validBefore: 1_770_000_000, salt: Self.salt,
                                        signature: Fixture.erc3009Signature)
        let encoded = try data.encoded()
        #expect(encoded.count == 256)
        #expect(encoded.hexString == Fixture.erc3009CollectorData)
        #expect(try ERC3009CollectorData(decoding: encoded) == data)
    }

    @Test func permit2MatchesC9() throws {
        let expected = "0x00000000000000000000000000000000000000000000000000000000075bcd150000000000000000000000000000000000000000000000000000000069800e80000000000000000000000000000000000000000000000000000000000000008000000000000000000000000000000000000000000000000000000000000001000000000000000000000000000000000000000000000000000000000000000041eb8122828c360a2b8cb10c58d8a2e5dbc9e3d034bbe6f3efbae03d3a5112df0a4b0731dfde904ce48b4cd66eea43f6cbdb0fbe552dc3266b57392c3ad0d9ddcd1c000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        let data = Permit2CollectorData(nonce: 123_456_789, deadline: 1_770_000_000, signature: Fixture.permit2Signature)
        let encoded = try data.encoded()
        #expect(encoded.count == 288)
        #expect(encoded.hexString == expected)
        #expect(try Permit2CollectorData(decoding: encoded) == data)
    }

    @Test func permit2WithEIP2612SegmentRoundTrips() throws {
        // v = 0 in a raw signature is normalised to 27.
        var sig = Fixture.permit2Signature
        sig[64] = 0
        let permit = try EIP2612PermitData(value: 10000, deadline: 1_770_000_000, signature: sig)
        #expect(permit.v == 27)
        #expect(permit.r.bytes == Array(sig[0..<32]) && permit.s.bytes == Array(sig[32..<64]))
        let segment = try permit.encoded()
        #expect(segment.count == 160)
        #expect(try ABI.decode([.uint256, .uint256, .uint(8), .bytes32, .bytes32], from: segment)
            == [.uint(10000), .uint(1_770_000_000), .uint(27), .bytes32(permit.r), .bytes32(permit.s)])
        let data = Permit2CollectorData(nonce: 1, deadline: 2, signature: Fixture.permit2Signature, eip2612Permit: permit)
        let encoded = try data.encoded()
        #expect(try ABI.decode([.uint256, .uint256, .bytes, .bytes], from: encoded)[3] == .bytes(segment))
        #expect(try Permit2CollectorData(decoding: encoded) == data)
        #expect(throws: ABIError.self) { try EIP2612PermitData(value: 1, deadline: 1, signature: Array(sig.prefix(64))) }
    }

    @Test func malformedCollectorDataIsRejected() throws {
        let good = try Hex.decode(Fixture.erc3009CollectorData)
        #expect(throws: ABIError.self) { try ERC3009CollectorData(decoding: good.prefix(255)) }
        var badPadding = good
        badPadding[255] = 1  // inside the signature's zero padding
        #expect(throws: ABIError.nonZeroPadding(at: 0xa0 + 65)) { try ERC3009CollectorData(decoding: badPadding) }
        var hugeLength = good
        hugeLength[0x80 + 24] = 0xff  // signature length ≈ 2^63
        #expect(throws: ABIError.invalidLength(at: 0x80)) { try ERC3009CollectorData(decoding: hugeLength) }
        // EIP-2612 segment must be exactly 160 bytes.
        let withShortSegment = try ABI.encode([.uint(1), .uint(2), .bytes([1]), .bytes([UInt8](repeating: 0, count: 96))],
                                          as: [.uint256, .uint256, .bytes, .bytes])
        #expect(throws: ABIError.self) { try Permit2CollectorData(decoding: withShortSegment) }
    }
}
