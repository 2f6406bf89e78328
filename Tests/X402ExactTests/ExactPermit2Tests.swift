import Foundation
import Testing
import X402Core
import X402EVM
import X402EVMMechanisms
import X402Exact
import X402JSON

/// Permit2 `exact`: Vectors/exact-permit2.json (payloads the Python SDK's exact client built for
/// `assetTransferMethod: "permit2"`, clock and nonce pinned) and the offline rules.
@Suite struct ExactPermit2Tests {
    static let file: JSONValue = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Vectors/exact-permit2.json")
        return (try? JSONParser.parse(Array((try? Data(contentsOf: url)) ?? Data()))) ?? .null
    }()

    /// The SDK's Permit2 error strings.
    static func sdkCodes() -> [String] {
        (file["errorCodes"]?.objectValue?.entries ?? []).compactMap { $0.value.stringValue }
    }

    struct Vector {
        let key: PrivateKey, payer: Address, now: UInt64, requirements: PaymentRequirements
        let domainSeparator: Bytes32, digest: Bytes32, payload: JSONObject
    }

    static func vectors() throws -> [Vector] {
        try #require(file["vectors"]?.arrayValue).map { v in
            Vector(key: try PrivateKey(hex: try #require(v["privateKey"]?.stringValue)),
                   payer: try Address(hex: try #require(v["payer"]?.stringValue)),
                   now: try #require(v["now"]?.numberValue?.uint64),
                   requirements: try PaymentRequirements(jsonValue: try #require(v["requirements"])),
                   domainSeparator: try Bytes32(hex: try #require(v["domainSeparator"]?.stringValue)),
                   digest: try Bytes32(hex: try #require(v["digest"]?.stringValue)),
                   payload: try #require(v["payload"]?.objectValue))
        }
    }

    /// The digest equals the SDK's; the SDK's signature recovers to the payer over ours; the payload reads back unchanged.
    @Test func digestsMatchTheSDK() throws {
        let vectors = try Self.vectors()
        #expect(vectors.count == 20)
        for v in vectors {
            #expect(ExactPermit2Payload.isPermit2(v.payload) && !ExactPermit2Payload.isPermit2(["authorization": [:]]))
            let payload = try ExactPermit2Payload(v.payload)
            let chainId = try v.requirements.network.evmChainId()
            #expect(try payload.authorization.typedData(chainId: chainId).domainSeparator() == v.domainSeparator)
            #expect(payload.authorization.digest(chainId: chainId) == v.digest)
            #expect(try Signature(payload.signature).recoverAddress(digest: v.digest) == v.payer)
            #expect(payload.authorization.from == v.payer && payload.authorization.spender == Exact.permit2ProxyAddress)
            #expect(payload.jsonObject == v.payload)
        }
    }

    /// Our client, with the SDK's clock and nonce, writes the SDK's payload byte for byte.
    @Test func clientBuildsTheSDKPayload() async throws {
        for v in try Self.vectors() {
            let nonce = try ExactPermit2Payload(v.payload).authorization.nonce
            let scheme = ExactClientScheme(wallet: PrivateKeySigner(v.key),
                                           configuration: ExactClientConfiguration(clock: { v.now }, nonce: { nonce.word }))
            let built = try await scheme.createPaymentPayload(
                for: v.requirements, context: PaymentPayloadContext(paymentRequired: PaymentRequired(accepts: [v.requirements])))
            #expect(JSONSerializer.serialize(.object(built.payload)) == JSONSerializer.serialize(.object(v.payload)))
        }
    }

    /// Every Permit2 code we send is one the SDK sends, spelled the same.
    @Test func permit2CodesAreTheSDKs() {
        let ours = ExactErrorCode.allCases.map(\.rawValue).filter { $0.contains("permit2") || $0 == "balance_check_failed" }
        #expect(ours.count == 16)
        #expect(Set(ours).isSubset(of: Set(Self.sdkCodes())))
    }

    // MARK: Offline rules

    static let payer = try! PrivateKey(hex: "0x" + String(repeating: "4c", count: 32))
    static let token = try! Address(hex: "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
    static let payTo = try! Address(hex: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C")
    static let now: UInt64 = 1_800_000_000
    static let requirements = PaymentRequirements(scheme: "exact", network: "eip155:84532", asset: token.checksummed, amount: "12345",
                                                  payTo: payTo.checksummed, maxTimeoutSeconds: 300,
                                                  extra: ["assetTransferMethod": "permit2"])

    static func payment(_ edit: (inout ExactPermit2Authorization) -> Void = { _ in }, signed: Bool = true,
                        accepted: PaymentRequirements = requirements) -> PaymentPayload {
        var permit = ExactPermit2Authorization(from: payer.address, token: token, amount: 12345, nonce: 7, deadline: UInt256(now + 300),
                                               to: payTo)
        edit(&permit)
        let signature = signed ? payer.sign(digest: permit.digest(chainId: 84532)).bytes : []
        return PaymentPayload(payload: ExactPermit2Payload(authorization: permit, signature: signature).jsonObject, accepted: accepted)
    }

    static func code(_ payment: PaymentPayload, _ requirements: PaymentRequirements = requirements) -> String? {
        switch ExactRules.checkPermit2(payment, requirements: requirements, chainId: 84532, now: now) {
        case .success: nil
        case .failure(let f): f.code.rawValue
        }
    }

    @Test func rulesInTheSDKsOrder() throws {
        #expect(Self.code(Self.payment()) == nil)
        guard case .success(let ok) = ExactRules.checkPermit2(Self.payment(), requirements: Self.requirements, chainId: 84532, now: Self.now)
        else { Issue.record("refused"); return }
        #expect(ok.payer == Self.payer.address && ok.digest == ok.payload.authorization.digest(chainId: 84532))

        var otherScheme = Self.requirements
        otherScheme.scheme = "batch-settlement"
        #expect(Self.code(Self.payment(accepted: otherScheme)) == "unsupported_scheme")
        var otherNetwork = Self.requirements
        otherNetwork.network = "eip155:8453"
        #expect(Self.code(Self.payment(accepted: otherNetwork)) == "network_mismatch")
        #expect(Self.code(Self.payment(accepted: otherNetwork), otherNetwork) == "invalid_exact_evm_failed_to_get_network_config")
        #expect(Self.code(Self.payment { $0.spender = Exact.permit2Address }) == "invalid_permit2_spender")
        #expect(Self.code(Self.payment { $0.to = Self.payer.address }) == "invalid_permit2_recipient_mismatch")
        #expect(Self.code(Self.payment { $0.deadline = UInt256(Self.now + 5) }) == "permit2_deadline_expired")
        #expect(Self.code(Self.payment { $0.deadline = UInt256(Self.now + 6) }) == nil)
        #expect(Self.code(Self.payment { $0.validAfter = UInt256(Self.now + 1) }) == "permit2_not_yet_valid")
        #expect(Self.code(Self.payment { $0.validAfter = UInt256(Self.now) }) == nil)
        #expect(Self.code(Self.payment { $0.amount = 12344 }) == "permit2_amount_mismatch")
        #expect(Self.code(Self.payment { $0.token = Self.payTo }) == "permit2_token_mismatch")
        #expect(Self.code(Self.payment(signed: false)) == "invalid_permit2_signature")
        // The first failing rule decides: a wrong spender and a wrong amount answer the spender.
        #expect(Self.code(Self.payment { $0.spender = Exact.permit2Address; $0.amount = 1 }) == "invalid_permit2_spender")
    }

    @Test func malformedFieldsGetTheirRulesCode() throws {
        func malformed(_ path: [String], _ value: JSONValue?) -> String? {
            var payment = Self.payment()
            var auth = payment.payload["permit2Authorization"]!.objectValue!
            if path.count == 1 {
                auth[path[0]] = value
            } else {
                var inner = auth[path[0]]!.objectValue!
                inner[path[1]] = value
                auth[path[0]] = .object(inner)
            }
            payment.payload["permit2Authorization"] = .object(auth)
            return Self.code(payment)
        }
        #expect(malformed(["spender"], "0x12") == "invalid_permit2_spender")
        #expect(malformed(["witness", "to"], nil) == "invalid_permit2_recipient_mismatch")
        #expect(malformed(["permitted", "token"], 5) == "permit2_token_mismatch")
        #expect(malformed(["deadline"], "soon") == "invalid_permit2_payload_format")
        #expect(malformed(["nonce"], "-1") == "invalid_permit2_payload_format")
        #expect(malformed(["permitted", "amount"], "1e3") == "invalid_permit2_payload_format")
        #expect(malformed(["witness", "validAfter"], "0x10") == "invalid_permit2_payload_format")
        #expect(malformed(["from"], "nobody") == "invalid_permit2_signature")
        var badSignature = Self.payment()
        badSignature.payload["signature"] = "0xzz"
        #expect(Self.code(badSignature) == "invalid_permit2_signature")
        var noAuthorization = Self.payment()
        noAuthorization.payload["permit2Authorization"] = "x"
        #expect(Self.code(noAuthorization) == "invalid_permit2_payload_format")
    }

    /// The client signs a Permit2 permit for a Permit2 requirement, under the same limits as an ERC-3009 one.
    @Test func clientSignsAPermitWithinItsLimits() async throws {
        let context = PaymentPayloadContext(paymentRequired: PaymentRequired(accepts: [Self.requirements]))
        let scheme = ExactClientScheme(wallet: PrivateKeySigner(Self.payer),
                                       configuration: ExactClientConfiguration(clock: { Self.now }))
        let built = try await scheme.createPaymentPayload(for: Self.requirements, context: context)
        #expect(Self.code(PaymentPayload(payload: built.payload, accepted: Self.requirements)) == nil)
        let permit = try ExactPermit2Payload(built.payload).authorization
        #expect(permit.deadline == UInt256(Self.now + 300) && permit.validAfter == .zero && permit.spender == Exact.permit2ProxyAddress)
        let limited = ExactClientScheme(wallet: PrivateKeySigner(Self.payer),
                                        configuration: ExactClientConfiguration(limits: SpendingLimits(maxPerPayment: 12_344),
                                                                                clock: { Self.now }))
        await #expect(throws: ExactClientError.self) { try await limited.createPaymentPayload(for: Self.requirements, context: context) }
        // Two permits get different nonces.
        let again = try await scheme.createPaymentPayload(for: Self.requirements, context: context)
        #expect(try ExactPermit2Payload(again.payload).authorization.nonce != permit.nonce)
    }
}
