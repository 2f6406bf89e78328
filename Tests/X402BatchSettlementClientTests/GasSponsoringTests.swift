import Foundation
import Testing
import X402BatchSettlement
import X402BatchSettlementClient
import X402Core
import X402EVM

/// A chain reader with no channel on chain and scripted token reads (`nil`: the read fails).
struct TokenStateReader: ChannelChainReader {
    struct ReadFailed: Error {}
    var allowanceValue: UInt256?
    var nonceValue: UInt256?

    func channel(_ channelId: Bytes32, network: Network) async throws -> OnchainChannel { OnchainChannel(balance: 0, totalClaimed: 0) }

    func allowance(token: Address, owner: Address, spender: Address, network: Network) async throws -> UInt256 {
        guard spender == BatchSettlement.permit2Address, let allowanceValue else { throw ReadFailed() }
        return allowanceValue
    }

    func permitNonce(token: Address, owner: Address, network: Network) async throws -> UInt256 {
        guard let nonceValue else { throw ReadFailed() }
        return nonceValue
    }
}

/// EIP-2612 gas sponsoring of Permit2 deposits (protocol.md B.6): the `eip2612GasSponsoring` extension the client adds.
@Suite struct GasSponsoringTests {
    static let declared: JSONObject = ["eip2612GasSponsoring": ["info": ["description": "gasless", "version": "1"], "schema": ["type": "object"]]]

    /// Vectors/eip2612-sponsoring.json: the official Python SDK's batch-settlement client (`x402[evm]==2.25.0`) with
    /// scripted chain reads and a fixed clock. Our `PaymentPayload.extensions` contribution must be the SDK's byte
    /// for byte (the ECDSA signatures are deterministic), or absent where the SDK adds none.
    @Test func extensionMatchesThePythonSDK() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("Vectors/eip2612-sponsoring.json"))
        let vectors = try #require(try JSONParser.parse(Array(data)).objectValue?["vectors"]?.arrayValue)
        #expect(vectors.count == 4)
        var signed = 0
        for case .object(let v) in vectors {
            let key = try PrivateKey(hex: try #require(v["privateKey"]?.stringValue))
            let requirements = try PaymentRequirements(jsonValue: try #require(v["requirements"]))
            let now = try #require(v["now"]?.numberValue?.uint64)
            let reader = TokenStateReader(allowanceValue: try UInt256(decimal: try #require(v["allowance"]?.stringValue)),
                                          nonceValue: try UInt256(decimal: try #require(v["nonce"]?.stringValue)))
            let scheme = try BatchSettlementClientScheme(wallet: PrivateKeySigner(key), chainReader: reader,
                                                         configuration: .init(clock: { now }))
            let declared = v["declaredExtensions"]?.objectValue
            let part = try await scheme.createPaymentPayload(for: requirements, context: PaymentPayloadContext(
                paymentRequired: PaymentRequired(accepts: [requirements], extensions: declared), extensions: declared))
            guard case .deposit(let deposit) = try BatchSettlementPayload(json: part.payload),
                  case .permit2(let auth) = deposit.deposit.authorization else {
                Issue.record("not a Permit2 deposit"); continue
            }
            #expect(deposit.deposit.amount.description == v["depositAmount"]?.stringValue)
            #expect(auth.deadline.description == v["permit2Deadline"]?.stringValue)
            let expected = v["schemeExtensions"]?.objectValue
            #expect(part.extensions == expected, "\(part.extensions.map { "\($0)" } ?? "nil") vs \(expected.map { "\($0)" } ?? "nil")")
            if expected != nil { signed += 1 }
        }
        #expect(signed == 2)
    }

    func permit2Requirement(price: String = "1000") -> PaymentRequirements { requirement(amount: price, method: "permit2") }

    func pay(_ scheme: BatchSettlementClientScheme, _ requirements: PaymentRequirements,
             declared: JSONObject? = Self.declared) async throws -> PaymentPayload {
        try await X402Client().register(scheme, for: "eip155:*")
            .createPaymentPayload(for: PaymentRequired(accepts: [requirements], extensions: declared))
    }

    /// The extension's `info` when the client signed a permit into it (the server's declaration alone has no signature).
    func sponsoringInfo(_ payload: PaymentPayload) -> JSONObject? {
        guard let info = payload.extensions?["eip2612GasSponsoring"]?.objectValue?["info"]?.objectValue, info["signature"] != nil else { return nil }
        return info
    }

    /// Through `X402Client`: the signed fields are merged over the server's declaration (its `schema` stays), the
    /// permit recovers to the wallet for Permit2, the deposit amount and the Permit2 deadline.
    @Test func signedPermitIsMergedOverTheDeclaration() async throws {
        let scheme = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), voucherSigner: PrivateKeySigner(Keys.session),
                                                     chainReader: TokenStateReader(allowanceValue: 0, nonceValue: 5),
                                                     configuration: .init(clock: { 1_800_000_000 }))
        let payload = try await pay(scheme, permit2Requirement())
        #expect(payload.extensions?["eip2612GasSponsoring"]?.objectValue?["schema"] == ["type": "object"])
        let info = try #require(sponsoringInfo(payload))
        #expect(info["description"] == "gasless")  // the server's field stays
        #expect(info["from"]?.stringValue == Keys.wallet.address.checksummed)  // the wallet, not the session key
        #expect(info["amount"] == "10000" && info["nonce"] == "5" && info["deadline"] == "1800000300")
        let signature = try Signature(hex: try #require(info["signature"]?.stringValue))
        let permit = EIP2612Permit(owner: Keys.wallet.address, value: 10000, nonce: 5, deadline: 1_800_000_300)
        let domain = ERC3009Domain(name: "USDC", version: "2", chainId: 84532, token: Seller.usdc)
        #expect(try permit.recoverSigner(signature, in: domain) == Keys.wallet.address)
    }

    /// When a permit is signed and when not.
    @Test func permitOnlyWhenItIsNeeded() async throws {
        func scheme(allowance: UInt256?, nonce: UInt256? = 0, reader: Bool = true) throws -> BatchSettlementClientScheme {
            try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet),
                                            chainReader: reader ? TokenStateReader(allowanceValue: allowance, nonceValue: nonce) : nil)
        }
        // An allowance that covers the price but not the deposit (10 000) still needs the permit (the SDK compares
        // with the price and would send a deposit the facilitator refuses with …_permit2_allowance_required).
        #expect(sponsoringInfo(try await pay(try scheme(allowance: 5000), permit2Requirement()))?["amount"] == "10000")
        #expect(sponsoringInfo(try await pay(try scheme(allowance: 10000), permit2Requirement())) == nil)
        // An unreadable allowance counts as missing.
        #expect(sponsoringInfo(try await pay(try scheme(allowance: nil), permit2Requirement())) != nil)
        // No chain reader, an eip3009 asset, or no declaration: nothing added.
        #expect(sponsoringInfo(try await pay(try scheme(allowance: 0, reader: false), permit2Requirement())) == nil)
        #expect(sponsoringInfo(try await pay(try scheme(allowance: 0), requirement())) == nil)
        #expect(try await pay(try scheme(allowance: 0), permit2Requirement(), declared: nil).extensions == nil)
        // No token domain in extra: nothing added (the SDK skips too).
        var nameless = permit2Requirement()
        nameless.extra["name"] = nil
        #expect(sponsoringInfo(try await pay(try scheme(allowance: 0), nameless)) == nil)
    }

    /// An unreadable nonce fails the payment with a typed error before anything is stored; a voucher on a funded
    /// channel never carries the extension.
    @Test func unreadableNonceFailsAndVouchersCarryNoPermit() async throws {
        let storage = InMemoryClientChannelStorage()
        let broken = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), storage: storage,
                                                     chainReader: TokenStateReader(allowanceValue: 0, nonceValue: nil))
        do {
            _ = try await broken.createPaymentPayload(for: permit2Requirement(), context: PaymentPayloadContext(
                paymentRequired: PaymentRequired(accepts: [permit2Requirement()]), extensions: Self.declared))
            Issue.record("paid without a readable nonce")
        } catch BatchSettlementClientError.gasSponsoringUnavailable(let detail) {
            #expect(detail.contains("nonces(\(Keys.wallet.address.checksummed))"))
        }
        #expect(try await broken.channelRecord(for: permit2Requirement()) == nil)

        let funded = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), storage: storage,
                                                     chainReader: TokenStateReader(allowanceValue: 0, nonceValue: 0))
        try await storage.save(ClientChannelRecord(channelId: try funded.channelId(for: permit2Requirement()), chargedCumulativeAmount: 0,
                                                   balance: 10_000))
        let voucher = try await pay(funded, permit2Requirement())
        #expect(try BatchSettlementPayload(voucher).kind == .voucher)
        #expect(sponsoringInfo(voucher) == nil)
    }
}
