import Synchronization
import Testing
import X402Core
import X402EVM
import X402EVMMechanisms
import X402Exact

/// A signer that counts its signatures and can be told to fail.
final class CountingSigner: TypedDataSigner {
    let key = Sample.key
    let signed = Atomic<Int>(0)
    let fail: Bool
    init(fail: Bool = false) { self.fail = fail }
    var address: Address { key.address }
    func signTypedData(_ typedData: EIP712TypedData) async throws -> SignatureBytes {
        struct Refused: Error {}
        if fail { throw Refused() }
        signed.add(1, ordering: .relaxed)
        return SignatureBytes(key.sign(digest: try typedData.digest()))
    }
}

@Suite struct ExactClientTests {
    static func context(_ url: String? = "https://api.example.com/weather", cap: String? = nil) -> PaymentPayloadContext {
        PaymentPayloadContext(paymentRequired: PaymentRequired(accepts: [Sample.requirements()]), maxAmountPerPayment: cap, requestURL: url)
    }

    static func scheme(_ signer: any TypedDataSigner = CountingSigner(), limits: SpendingLimits = SpendingLimits(),
                       session: SessionPolicy? = nil, now: UInt64 = Sample.now) -> ExactClientScheme {
        ExactClientScheme(wallet: signer, configuration: ExactClientConfiguration(limits: limits, session: session, clock: { now }))
    }

    /// validAfter 0, validBefore now + maxTimeoutSeconds, a fresh random nonce per payment, signed on the extra's domain,
    /// and the facilitator's offline rules accept it.
    @Test func buildsAVerifiableAuthorization() async throws {
        let scheme = Self.scheme()
        let a = try ExactPayload(try await scheme.createPaymentPayload(for: Sample.requirements(), context: Self.context()).payload)
        let b = try ExactPayload(try await scheme.createPaymentPayload(for: Sample.requirements(), context: Self.context()).payload)
        #expect(a.authorization.validAfter == .zero)
        #expect(a.authorization.validBefore == UInt256(Sample.now + 300))
        #expect(a.authorization.to == Sample.payTo && a.authorization.value == 10000 && a.authorization.from == Sample.key.address)
        #expect(a.authorization.nonce != b.authorization.nonce)
        let payment = PaymentPayload(payload: a.jsonObject, accepted: Sample.requirements())
        #expect(Sample.code(payment) == "valid")
    }

    /// No maxTimeoutSeconds: the SDK's hour. No extra domain: the default-asset table's (Base Sepolia USDC is "USDC"/"2").
    @Test func defaultsFollowTheSDK() async throws {
        var requirements = Sample.requirements(extra: [:])
        requirements.maxTimeoutSeconds = 0
        let scheme = Self.scheme()
        let (auth, domain) = try scheme.authorization(for: requirements, now: 100, nonce: .zero)
        #expect(auth.validBefore == 3700)
        #expect(domain.name == "USDC" && domain.version == "2")
        // An unknown token without a domain cannot be signed for.
        requirements.asset = "0x00000000000000000000000000000000000000aa"
        #expect(throws: ExactClientError.self) { try scheme.authorization(for: requirements, now: 100, nonce: .zero) }
    }

    @Test func unpayableRequirementsAreRefusedBeforeSigning() async throws {
        let signer = CountingSigner()
        let scheme = Self.scheme(signer)
        for change in [{ (r: inout PaymentRequirements) in r.scheme = "batch-settlement" }, { $0.amount = "0" }, { $0.amount = "ten" },
                       { $0.payTo = "0x1234" }, { $0.network = "solana:mainnet" },
                       // Permit2 requirements are payable (ExactPermit2Tests), but not with these fields.
                       { $0.extra["assetTransferMethod"] = "permit2"; $0.amount = "0" },
                       { $0.extra["assetTransferMethod"] = "permit2"; $0.asset = "USDC" }] {
            var requirements = Sample.requirements()
            change(&requirements)
            await #expect(throws: ExactClientError.self) {
                _ = try await scheme.createPaymentPayload(for: requirements, context: Self.context())
            }
        }
        #expect(signer.signed.load(ordering: .relaxed) == 0)
    }

    /// maxPerPayment and the X402Client policy cap refuse a larger amount; nothing is signed.
    @Test func perPaymentLimits() async throws {
        let signer = CountingSigner()
        let scheme = Self.scheme(signer, limits: SpendingLimits(maxPerPayment: 9999))
        do {
            _ = try await scheme.createPaymentPayload(for: Sample.requirements(), context: Self.context())
            Issue.record("paid above maxPerPayment")
        } catch let e as ExactClientError {
            #expect(e.code == .limitExceeded && e.limit == .maxPerPayment && e.reason == .amountExceedsPolicy)
        }
        await #expect(throws: ExactClientError.self) {
            _ = try await Self.scheme(signer).createPaymentPayload(for: Sample.requirements(), context: Self.context(cap: "5000"))
        }
        #expect(signer.signed.load(ordering: .relaxed) == 0)
        _ = try await Self.scheme(signer, limits: SpendingLimits(maxPerPayment: 10000)).createPaymentPayload(for: Sample.requirements(),
                                                                                                          context: Self.context())
        #expect(signer.signed.load(ordering: .relaxed) == 1)
    }

    /// The budget per origin counts every signed authorization in the window; a failed signature gives its share back.
    @Test func budgetPerOrigin() async throws {
        let limits = SpendingLimits(budget: Budget(perOrigin: 25000, window: .seconds(60)))
        let scheme = Self.scheme(limits: limits)
        _ = try await scheme.createPaymentPayload(for: Sample.requirements(), context: Self.context())
        _ = try await scheme.createPaymentPayload(for: Sample.requirements(), context: Self.context("https://API.example.com:443/other"))
        #expect(scheme.budgetSpent(origin: "https://api.example.com") == 20000)
        do {
            _ = try await scheme.createPaymentPayload(for: Sample.requirements(), context: Self.context())
            Issue.record("paid over the budget")
        } catch let e as ExactClientError {
            #expect(e.limit == .budgetPerOrigin)
        }
        // Another origin has its own budget; no URL cannot be budgeted.
        _ = try await scheme.createPaymentPayload(for: Sample.requirements(), context: Self.context("https://other.example.com/x"))
        await #expect(throws: ExactClientError.self) {
            _ = try await scheme.createPaymentPayload(for: Sample.requirements(), context: Self.context(nil))
        }

        let failing = Self.scheme(CountingSigner(fail: true), limits: limits)
        do {
            _ = try await failing.createPaymentPayload(for: Sample.requirements(), context: Self.context())
            Issue.record("a failing signer paid")
        } catch let e as ExactClientError {
            #expect(e.code == .signingFailed && e.underlying != nil)
        }
        #expect(failing.budgetSpent(origin: "https://api.example.com") == 0)
    }

    @Test func sessionBounds() async throws {
        let expired = Self.scheme(session: SessionPolicy(expiresAt: Sample.now))
        await #expect(throws: ExactClientError.self) {
            _ = try await expired.createPaymentPayload(for: Sample.requirements(), context: Self.context())
        }
        let origins = Self.scheme(session: SessionPolicy(allowedOrigins: ["https://api.example.com/anything"]))
        _ = try await origins.createPaymentPayload(for: Sample.requirements(), context: Self.context())
        do {
            _ = try await origins.createPaymentPayload(for: Sample.requirements(), context: Self.context("https://evil.example.com/"))
            Issue.record("paid a disallowed origin")
        } catch let e as ExactClientError {
            #expect(e.code == .originNotAllowed)
        }
    }

    /// Registered in X402Client, the scheme answers a 402 offering exact; the header decodes to the same payload.
    @Test func paysThroughX402Client() async throws {
        let client = X402Client().register(Self.scheme(), for: .family("eip155"))
        let (payload, header) = try await client.createPaymentHeader(for: PaymentRequired(accepts: [Sample.requirements()]))
        #expect(payload.accepted == Sample.requirements())
        #expect(try ExactPayload(payload.payload).authorization.value == 10000)
        #expect(!header.isEmpty)
    }
}
