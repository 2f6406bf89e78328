import Testing
import X402Core

@Suite struct FacilitatorRoleTests {
    struct OtherScheme: SchemeNetworkFacilitator {
        let scheme = "other"
        let caipFamily = "solana:*"
        func signers(for network: Network) -> [String] { ["SolSigner"] }
        func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> VerifyResponse {
            struct Boom: Error {}
            throw Boom()
        }
        func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> SettleResponse {
            struct Boom: Error {}
            throw Boom()
        }
    }

    func facilitator() -> X402Facilitator {
        X402Facilitator()
            .register(FakeFacilitatorScheme(), networks: [Fake.network, Fake.otherNetwork])
            .register(OtherScheme(), networks: ["solana:mainnet"])
            .registerExtension("eip2612GasSponsoring")
    }

    @Test func supportedListsKindsExtensionsAndSignersByFamily() throws {
        let supported = facilitator().supported()
        #expect(supported.kinds.map { "\($0.scheme)@\($0.network)" } == ["fake@eip155:84532", "fake@eip155:8453", "other@solana:mainnet"])
        #expect(supported.kinds[0].extra == ["feePayer": "0xFeePayer"])
        #expect(supported.kinds[2].extra == nil)
        #expect(supported.extensions == ["eip2612GasSponsoring"])
        #expect(supported.signers == ["eip155:*": ["0xRelayer"], "solana:*": ["SolSigner"]])
        #expect(try X402JSON.encodeString(supported).contains(#""signers":{"eip155:*":["0xRelayer"],"solana:*":["SolSigner"]}"#))
    }

    @Test func dispatchesByPayloadSchemeAndNetwork() async {
        let f = facilitator()
        #expect(await f.verify(fakePayload(), requirements: fakeRequirements()).isValid)
        let bad = await f.verify(fakePayload(signature: "forged"), requirements: fakeRequirements())
        #expect(bad.invalidReason == Fake.invalidSignature)
        let settled = await f.settle(fakePayload(), requirements: fakeRequirements())
        #expect(settled.success && settled.amount == "1000")
    }

    @Test func unsupportedSchemeAndNetworkAreAnswersNotErrors() async {
        let f = facilitator()
        var unknown = fakeRequirements()
        unknown.scheme = "exact"
        #expect(await f.verify(fakePayload(unknown), requirements: unknown).invalidReason == .unsupportedScheme)
        let s = await f.settle(fakePayload(unknown), requirements: unknown)
        #expect(!s.success && s.errorReason == .unsupportedScheme && s.network == Fake.network && s.transaction == "")
        let elsewhere = fakeRequirements(network: "eip155:1")
        #expect(await f.verify(fakePayload(elsewhere), requirements: elsewhere).invalidReason == .unsupportedNetwork)
        #expect(await f.settle(fakePayload(elsewhere), requirements: elsewhere).errorReason == .unsupportedNetwork)
        var v1 = fakePayload()
        v1.x402Version = 1
        #expect(await f.verify(v1, requirements: fakeRequirements()).invalidReason == .invalidX402Version)
    }

    @Test func throwingSchemesBecomeUnexpectedErrors() async {
        let f = facilitator()
        var r = fakeRequirements(network: "solana:mainnet")
        r.scheme = "other"
        #expect(await f.verify(fakePayload(r), requirements: r).invalidReason == .unexpectedVerifyError)
        #expect(await f.settle(fakePayload(r), requirements: r).errorReason == .unexpectedSettleError)
    }

    @Test func laterRegistrationWins() async {
        struct Rejecting: SchemeNetworkFacilitator {
            let scheme = Fake.scheme
            let caipFamily = "eip155:*"
            func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> VerifyResponse { .invalid("replaced") }
            func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> SettleResponse {
                .failure("replaced", network: requirements.network)
            }
        }
        let f = facilitator().register(Rejecting(), networks: [Fake.network])
        #expect(await f.verify(fakePayload(), requirements: fakeRequirements()).invalidReason == "replaced")
        #expect(await f.verify(fakePayload(fakeRequirements(network: Fake.otherNetwork)), requirements: fakeRequirements(network: Fake.otherNetwork)).isValid)
    }
}
