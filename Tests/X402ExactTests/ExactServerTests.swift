import Testing
import X402Core
import X402EVM
import X402EVMMechanisms
import X402Exact

@Suite struct ExactServerTests {
    static let kind = SupportedKind(scheme: "exact", network: "eip155:84532")

    /// The 402 offer carries payTo and asset in EIP-55 form (the SDK facilitator settles to no other form) and the
    /// token's domain from the default-asset table.
    @Test func offersChecksummedAddressesAndTheTokenDomain() async throws {
        let scheme = ExactServerScheme()
        let price = try scheme.parsePrice("$0.01", network: "eip155:84532")
        #expect(price.amount == "10000")
        let lower = PaymentRequirements(scheme: "exact", network: "eip155:84532", asset: price.asset.lowercased(), amount: price.amount,
                                        payTo: "0x00000000000000000000000000000000000fee01".uppercased().replacingOccurrences(of: "0X", with: "0x"))
        let offer = try await scheme.enhanceRequirements(lower, supportedKind: Self.kind, facilitatorExtensions: [])
        #expect(offer.asset == "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
        #expect(offer.payTo == (try Address(hex: lower.payTo)).checksummed)
        #expect(offer.payTo != lower.payTo)
        #expect(offer.extra["name"] == "USDC" && offer.extra["version"] == "2")
        #expect(scheme.assetDecimals(asset: offer.asset, network: "eip155:84532") == 6)
        // A route's own domain is kept.
        var custom = lower
        custom.extra = ["name": "Custom", "version": "9"]
        #expect(try await scheme.enhanceRequirements(custom, supportedKind: Self.kind, facilitatorExtensions: []).extra["name"] == "Custom")
    }

    @Test func refusesOffersThatCannotBePaid() async throws {
        let scheme = ExactServerScheme()
        let bad = PaymentRequirements(scheme: "exact", network: "eip155:84532", asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
                                      amount: "1", payTo: "not an address")
        await #expect(throws: X402Error.self) { _ = try await scheme.enhanceRequirements(bad, supportedKind: Self.kind, facilitatorExtensions: []) }
        let unknownToken = PaymentRequirements(scheme: "exact", network: "eip155:84532", asset: "0x00000000000000000000000000000000000000aa",
                                               amount: "1", payTo: "0x00000000000000000000000000000000000fee01")
        await #expect(throws: X402Error.self) {
            _ = try await scheme.enhanceRequirements(unknownToken, supportedKind: Self.kind, facilitatorExtensions: [])
        }
        // Paid through Permit2, the same token needs no EIP-712 domain of its own (the permit is on Permit2's).
        var permit2 = unknownToken
        permit2.extra["assetTransferMethod"] = "permit2"
        let offer = try await scheme.enhanceRequirements(permit2, supportedKind: Self.kind, facilitatorExtensions: [])
        #expect(offer.asset == (try Address(hex: unknownToken.asset)).checksummed && offer.extra == ["assetTransferMethod": "permit2"])
    }
}
