import Foundation
import Testing
import X402Core
import X402EVM
import X402EVMMechanisms
import X402Exact
import X402JSON

/// Vectors/exact.json: payloads the Python SDK's exact client built (clock and nonce pinned), with the SDK's digest.
@Suite struct ExactVectorTests {
    struct Vector {
        let privateKey: PrivateKey
        let payer: Address
        let now: UInt64
        let requirements: PaymentRequirements
        let domainSeparator: Bytes32
        let structHash: Bytes32
        let digest: Bytes32
        let payload: JSONObject
    }

    static let file: JSONValue = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Vectors/exact.json")
        // A missing or broken file fails every test below with a readable message.
        return (try? JSONParser.parse(Array((try? Data(contentsOf: url)) ?? Data()))) ?? .null
    }()

    static func vectors() throws -> [Vector] {
        let items = try #require(file["vectors"]?.arrayValue)
        return try items.map { v in
            Vector(privateKey: try PrivateKey(hex: try #require(v["privateKey"]?.stringValue)),
                   payer: try Address(hex: try #require(v["payer"]?.stringValue)),
                   now: try #require(v["now"]?.numberValue?.uint64),
                   requirements: try PaymentRequirements(jsonValue: try #require(v["requirements"])),
                   domainSeparator: try Bytes32(hex: try #require(v["domainSeparator"]?.stringValue)),
                   structHash: try Bytes32(hex: try #require(v["structHash"]?.stringValue)),
                   digest: try Bytes32(hex: try #require(v["digest"]?.stringValue)),
                   payload: try #require(v["payload"]?.objectValue))
        }
    }

    @Test func vectorsArePresent() throws {
        #expect(try Self.vectors().count == 40)
    }

    /// Domain separator, struct hash and digest equal the SDK's; the SDK signature recovers to the payer over ours.
    @Test func digestsMatchTheSDK() throws {
        for v in try Self.vectors() {
            let payload = try ExactPayload(v.payload)
            let a = payload.authorization
            let extra = v.requirements.extra
            let domain = ERC3009Domain(name: try #require(extra["name"]?.stringValue), version: try #require(extra["version"]?.stringValue),
                                       chainId: try v.requirements.network.evmChainId(), token: try Address(hex: v.requirements.asset))
            #expect(domain.separator == v.domainSeparator)
            #expect(a.structHash == v.structHash)
            #expect(a.digest(in: domain) == v.digest)
            #expect(try a.recoverSigner(Signature(payload.signature), in: domain) == v.payer)
            // The general EIP-712 encoder agrees with the word-hashing fast path.
            #expect(try a.typedData(domain: domain).digest() == v.digest)
        }
    }

    /// Our client, with the SDK's clock and nonce, writes the SDK's payload byte for byte (RFC 6979 signatures are
    /// deterministic), and the payload reads back unchanged.
    @Test func clientBuildsTheSDKPayload() async throws {
        for v in try Self.vectors() {
            let nonce = try ExactPayload(v.payload).authorization.nonce
            let scheme = ExactClientScheme(wallet: PrivateKeySigner(v.privateKey),
                                           configuration: ExactClientConfiguration(clock: { v.now }, nonce: { nonce }))
            let built = try await scheme.createPaymentPayload(for: v.requirements,
                                                              context: PaymentPayloadContext(paymentRequired: PaymentRequired(accepts: [v.requirements])))
            #expect(built.payload == v.payload)
            #expect(JSONSerializer.serialize(.object(built.payload)) == JSONSerializer.serialize(.object(v.payload)))
            #expect(try ExactPayload(v.payload).jsonObject == v.payload)
        }
    }

    /// Every code the SDK defines for exact EVM is one of ours, spelled the same, and we define no other.
    @Test func errorCodesAreTheSDKs() throws {
        let sdk = try #require(Self.file["errorCodes"]?.objectValue)
        let sdkCodes = Set(sdk.entries.compactMap { $0.value.stringValue })
        #expect(sdkCodes.count == 24)
        // The Permit2 codes are checked against the SDK's Permit2 list (ExactPermit2Tests).
        let permit2 = Set(ExactPermit2Tests.sdkCodes())
        #expect(Set(ExactErrorCode.allCases.map(\.rawValue)).subtracting(permit2) == sdkCodes)
    }
}
