import Testing
import X402Core
import X402EVM
import X402EVMMechanisms
import X402Exact

/// A signed exact payment on Base Sepolia USDC and its requirement, for the offline rules.
enum Sample {
    static let key = try! PrivateKey(hex: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
    static let payTo = try! Address(hex: "0x00000000000000000000000000000000000fee01")
    static let usdc = try! Address(hex: "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
    static let now: UInt64 = 1_800_000_000

    static func requirements(amount: String = "10000", payTo: Address = payTo, extra: JSONObject = ["name": "USDC", "version": "2"])
        -> PaymentRequirements {
        PaymentRequirements(scheme: "exact", network: "eip155:84532", asset: usdc.checksummed, amount: amount,
                            payTo: payTo.checksummed, maxTimeoutSeconds: 300, extra: extra)
    }

    static func authorization(value: UInt256 = 10000, to: Address = payTo, validAfter: UInt64 = 0,
                              validBefore: UInt64 = now + 300) -> TransferWithAuthorization {
        TransferWithAuthorization(from: key.address, to: to, value: value, validAfter: UInt256(validAfter),
                                  validBefore: UInt256(validBefore), nonce: Bytes32(1, 2, 3, 4))
    }

    static func payment(_ auth: TransferWithAuthorization = authorization(), signer: PrivateKey = key,
                        accepted: PaymentRequirements = requirements()) -> PaymentPayload {
        let domain = ERC3009Domain(name: "USDC", version: "2", chainId: 84532, token: usdc)
        let sig = signer.sign(digest: auth.digest(in: domain))
        return PaymentPayload(payload: ExactPayload(authorization: auth, signature: sig.bytes).jsonObject, accepted: accepted)
    }

    static func code(_ payment: PaymentPayload, _ requirements: PaymentRequirements = requirements(), chainId: UInt64? = 84532) -> String {
        switch ExactRules.check(payment, requirements: requirements, chainId: chainId, now: now) {
        case .success: "valid"
        case .failure(let f): f.code.rawValue
        }
    }
}

@Suite struct ExactRulesTests {
    @Test func validPaymentPassesWithItsDigestAndPayer() throws {
        let result = ExactRules.check(Sample.payment(), requirements: Sample.requirements(), chainId: 84532, now: Sample.now)
        let checked = try result.get()
        #expect(checked.payer == Sample.key.address)
        #expect(checked.token == Sample.usdc)
        #expect(checked.digest == Sample.authorization().digest(in: checked.domain))
        #expect(checked.domain.name == "USDC" && checked.domain.version == "2" && checked.domain.chainId == 84532)
    }

    @Test func schemeAndNetworkAndChain() {
        var other = Sample.requirements()
        other.scheme = "batch-settlement"
        #expect(Sample.code(Sample.payment(accepted: other)) == "unsupported_scheme")
        #expect(Sample.code(Sample.payment(), other) == "unsupported_scheme")
        var network = Sample.requirements()
        network.network = "eip155:8453"
        #expect(Sample.code(Sample.payment(accepted: network)) == "network_mismatch")
        // Same network on both sides, but not the chain this facilitator serves, or not an EVM chain.
        #expect(Sample.code(Sample.payment(accepted: network), network) == "invalid_exact_evm_failed_to_get_network_config")
        #expect(Sample.code(Sample.payment(accepted: network), network, chainId: nil) == "valid")
        var solana = Sample.requirements()
        solana.network = "solana:mainnet"
        #expect(Sample.code(Sample.payment(accepted: solana), solana) == "invalid_exact_evm_failed_to_get_network_config")
    }

    @Test func domainRecipientAndValue() {
        #expect(Sample.code(Sample.payment(), Sample.requirements(extra: ["name": "USDC"])) == "missing_eip712_domain")
        #expect(Sample.code(Sample.payment(), Sample.requirements(extra: ["version": "2"])) == "missing_eip712_domain")
        let elsewhere = try! Address(hex: "0x00000000000000000000000000000000000fee02")
        #expect(Sample.code(Sample.payment(Sample.authorization(to: elsewhere))) == "invalid_exact_evm_payload_recipient_mismatch")
        // payTo compares as an address: lowercase requirement text still matches.
        var lower = Sample.requirements()
        lower.payTo = Sample.payTo.lowercased
        #expect(Sample.code(Sample.payment(), lower) == "valid")
        #expect(Sample.code(Sample.payment(Sample.authorization(value: 9999))) == "invalid_exact_evm_payload_authorization_value_mismatch")
        #expect(Sample.code(Sample.payment(Sample.authorization(value: 10001))) == "invalid_exact_evm_payload_authorization_value_mismatch")
        #expect(Sample.code(Sample.payment(), Sample.requirements(amount: "1e4")) == "invalid_exact_evm_payload_authorization_value_mismatch")
    }

    /// validBefore must be at least 6 s ahead (exactly 6 passes), validAfter must not be in the future (now passes).
    @Test func timeWindow() {
        let now = Sample.now
        #expect(Sample.code(Sample.payment(Sample.authorization(validBefore: now + 6))) == "valid")
        #expect(Sample.code(Sample.payment(Sample.authorization(validBefore: now + 5))) == "invalid_exact_evm_payload_authorization_valid_before")
        #expect(Sample.code(Sample.payment(Sample.authorization(validBefore: now - 100))) == "invalid_exact_evm_payload_authorization_valid_before")
        #expect(Sample.code(Sample.payment(Sample.authorization(validAfter: now))) == "valid")
        #expect(Sample.code(Sample.payment(Sample.authorization(validAfter: now + 1))) == "invalid_exact_evm_payload_authorization_valid_after")
        // now + 6 overflows: expired, not a trap.
        let late = ExactRules.check(Sample.payment(), requirements: Sample.requirements(), chainId: 84532, now: .max)
        #expect((try? late.get()) == nil)
    }

    @Test func missingSignatureIsInvalidSignature() {
        var payment = Sample.payment()
        payment.payload["signature"] = nil
        #expect(Sample.code(payment) == "invalid_exact_evm_payload_signature")
        payment.payload["signature"] = .null
        #expect(Sample.code(payment) == "invalid_exact_evm_payload_signature")
        payment.payload["signature"] = "0x"
        #expect(Sample.code(payment) == "invalid_exact_evm_payload_signature")
    }

    /// Malformed payloads are `invalid_payload` with the field named; nothing traps.
    @Test(arguments: [
        ("authorization", JSONValue.string("x")), ("authorization.from", .string("0x12")), ("authorization.to", .number(JSONNumber(5))),
        ("authorization.value", .string("-1")), ("authorization.value", .string("0x10")),
        ("authorization.value", .string("115792089237316195423570985008687907853269984665640564039457584007913129639936")),
        ("authorization.validBefore", .string("")), ("authorization.validAfter", .null),
        ("authorization.nonce", .string("0x" + String(repeating: "ab", count: 31))), ("authorization.nonce", .string("zz")),
        ("signature", .string("0xzz")), ("signature", .number(JSONNumber(1))),
    ])
    func malformedPayloads(field: String, value: JSONValue) throws {
        var payment = Sample.payment()
        if field == "authorization" || field == "signature" {
            payment.payload[field] = value
        } else {
            var auth = try #require(payment.payload["authorization"]?.objectValue)
            auth[String(field.dropFirst("authorization.".count))] = value
            payment.payload["authorization"] = .object(auth)
        }
        switch ExactRules.check(payment, requirements: Sample.requirements(), chainId: 84532, now: Sample.now) {
        case .success: Issue.record("accepted a malformed \(field)")
        case .failure(let f):
            #expect(f.code == .invalidPayload)
            #expect(f.message?.hasPrefix(field) == true, "\(f)")
            #expect(f.verifyResponse.isValid == false)
        }
    }

    /// A payload missing `authorization` altogether.
    @Test func payloadWithoutAuthorization() {
        #expect(throws: ExactPayloadError.self) { try ExactPayload(["signature": "0x00"]) }
    }
}
