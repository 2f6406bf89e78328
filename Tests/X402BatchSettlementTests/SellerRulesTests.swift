import Testing
import X402BatchSettlement
import X402Core
import X402EVM

/// The seller's I/O-free rules (protocol.md B.10–B.11): windows, the expected cumulative amount, the
/// withdrawal guard and local voucher verification.
@Suite struct SellerRulesTests {
    static let payerKey = try! PrivateKey(hex: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6")
    static let receiver = try! Address(hex: "0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70")
    static let authorizer = try! Address(hex: "0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c")
    static let token = try! Address(hex: "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
    static let domain = BatchSettlementDomain(chainId: 84532)
    static let config = ChannelConfig(payer: payerKey.address, payerAuthorizer: payerKey.address, receiver: receiver,
                                      receiverAuthorizer: authorizer, token: token, withdrawDelay: 900, salt: Bytes32(0, 0, 0, 3))
    static let fields = RequirementFields(PaymentRequirements(
        scheme: "batch-settlement", network: "eip155:84532", asset: token.checksummed, amount: "1000", payTo: receiver.checksummed,
        maxTimeoutSeconds: 300, extra: ["receiverAuthorizer": .string(authorizer.checksummed), "withdrawDelay": 900]))

    static func voucher(_ m: UInt128, key: PrivateKey = payerKey) -> SignedVoucher {
        let id = config.channelId(in: domain)
        let sig = key.sign(digest: Voucher(channelId: id, maxClaimableAmount: m).digest(in: domain))
        return SignedVoucher(channelId: id, maxClaimableAmount: TokenAmount128(m), signature: HexBytes(sig.bytes))
    }

    static func record(balance: UInt128 = 10_000, claimed: UInt128 = 0, syncedAt: UInt64? = 1_000_000) -> SellerChannel {
        SellerChannel(channelId: config.channelId(in: domain), config: config, chargedCumulativeAmount: 2000, balance: balance,
                      totalClaimed: claimed, onchainSyncedAt: syncedAt)
    }

    @Test func windows() {
        #expect(SellerRules.reservationTTL(maxTimeoutSeconds: 300) == 300_000)
        #expect(SellerRules.reservationTTL(maxTimeoutSeconds: 0) == 5_000)
        #expect(SellerRules.reservationTTL(maxTimeoutSeconds: -5) == 5_000)
        #expect(SellerRules.reservationTTL(maxTimeoutSeconds: .max) == 600_000)
        #expect(SellerRules.onchainStateTTL(withdrawDelay: 900) == 300_000)      // B.10: 300 000 ms for 900 s
        #expect(SellerRules.onchainStateTTL(withdrawDelay: 60) == 30_000)
        #expect(SellerRules.onchainStateTTL(withdrawDelay: .max) == 300_000)
    }

    @Test func expectedCumulativeAmount() {
        // With a record: charged + price (voucher, deposit), charged (refund).
        #expect(SellerRules.expectedMaxClaimable(kind: .voucher, charged: 2500, price: 1000, signed: 9999) == 3500)
        #expect(SellerRules.expectedMaxClaimable(kind: .deposit, charged: 0, price: 1000, signed: 1) == 1000)
        #expect(SellerRules.expectedMaxClaimable(kind: .refund, charged: 2500, price: 1000, signed: 9999) == 2500)
        // Without: the voucher's own base (M − price, floored at 0), or M for a refund.
        #expect(SellerRules.expectedMaxClaimable(kind: .voucher, charged: nil, price: 1000, signed: 4000) == 4000)
        #expect(SellerRules.expectedMaxClaimable(kind: .voucher, charged: nil, price: 1000, signed: 300) == 1000)
        #expect(SellerRules.expectedMaxClaimable(kind: .refund, charged: nil, price: 1000, signed: 700) == 700)
        // Overflow is no match, not a trap.
        #expect(SellerRules.expectedMaxClaimable(kind: .voucher, charged: .max, price: 1, signed: .max) == nil)
    }

    @Test func withdrawalGuard() {
        var channel = Self.record()
        #expect(!SellerRules.withdrawalBlocksVouchers(channel, now: 5_000_000_000, claimLeadTime: 60_000))
        channel.withdrawRequestedAt = 1_700_000_000                   // finalizable at 1_700_000_900 s
        let finalizableMs: UInt64 = 1_700_000_900_000
        #expect(!SellerRules.withdrawalBlocksVouchers(channel, now: finalizableMs - 60_001, claimLeadTime: 60_000))
        #expect(SellerRules.withdrawalBlocksVouchers(channel, now: finalizableMs - 60_000, claimLeadTime: 60_000))
        #expect(SellerRules.withdrawalBlocksVouchers(channel, now: finalizableMs + 1, claimLeadTime: 0))
        channel.withdrawRequestedAt = .max                            // nonsense mirror: never a trap
        #expect(!SellerRules.withdrawalBlocksVouchers(channel, now: 0, claimLeadTime: 0))
    }

    @Test func localVerificationByKnownKey() throws {
        let now: UInt64 = 1_000_000 + 10_000
        let stranger = try PrivateKey(hex: "0x" + String(repeating: "11", count: 32))
        func verify(_ v: SignedVoucher, key: PublicKey?, learned: inout [PublicKey]) -> LocalVerification {
            var found: [PublicKey] = []
            defer { learned += found }
            return SellerRules.verifyLocally(config: Self.config, voucher: v, record: Self.record(), fields: Self.fields,
                                             domain: Self.domain, now: now, signerKey: key, learnKey: { found.append($0) })
        }
        var learned: [PublicKey] = []
        // A first recovery learns the payer's key; only a signature that is the payer's teaches one.
        #expect(verify(Self.voucher(3000, key: stranger), key: nil, learned: &learned) == .invalid(.voucherSignature))
        #expect(learned.isEmpty)
        #expect(verify(Self.voucher(3000), key: nil, learned: &learned) == .verified)
        #expect(learned == [Self.payerKey.publicKey] && learned[0].address == Self.payerKey.address)
        // With the key known: compared by key, the same answers.
        #expect(verify(Self.voucher(4000), key: learned[0], learned: &learned) == .verified)
        #expect(verify(Self.voucher(4000, key: stranger), key: learned[0], learned: &learned) == .invalid(.voucherSignature))
        #expect(learned.count == 1)
        // The other recovery id recovers another key: refused by recovery; verification by key does not see `v`
        // (the claim fixes it: `claimSignature`).
        var flipped = Self.voucher(4000)
        flipped.signature.bytes[64] = flipped.signature.bytes[64] == 27 ? 28 : 27
        #expect(verify(flipped, key: nil, learned: &learned) == .invalid(.voucherSignature))
        #expect(verify(flipped, key: learned[0], learned: &learned) == .verified)
        #expect(learned.count == 1)
        let sig = try Signature(Self.voucher(4000).signature.bytes)
        let digest = Voucher(channelId: Self.config.channelId(in: Self.domain), maxClaimableAmount: 4000).digest(in: Self.domain)
        #expect(sig.recovers(digest: digest, key: learned[0]) && !sig.recovers(digest: digest, key: stranger.publicKey))
        #expect(!Signature(r: sig.r, s: sig.s, v: 29).recovers(digest: digest, key: learned[0]))
    }

    @Test func claimSignatureHasTheVThatRecoversThePayer() {
        func claimed(_ signature: [UInt8], config: ChannelConfig = Self.config) -> [UInt8] {
            var record = Self.record()
            record.config = config
            record.signedMaxClaimable = 4000
            record.signature = signature
            return SellerRules.claimSignature(of: record, domain: Self.domain)
        }
        let exact = Self.voucher(4000).signature.bytes
        var flipped = exact
        flipped[64] = exact[64] == 27 ? 28 : 27
        #expect(claimed(exact) == exact)
        #expect(claimed(flipped) == exact)
        // Left as stored (the facilitator judges them): a stranger's, another amount's, a non-ECDSA blob, v 29, and
        // any signature of an ERC-1271 payer (no payerAuthorizer).
        let strangers = Self.voucher(4000, key: try! PrivateKey(hex: "0x" + String(repeating: "11", count: 32))).signature.bytes
        #expect(claimed(strangers) == strangers)
        let otherAmount = Self.voucher(4001).signature.bytes
        #expect(claimed(otherAmount) == otherAmount)
        #expect(claimed(exact + [0]) == exact + [0])
        var v29 = exact
        v29[64] = 29
        #expect(claimed(v29) == v29)
        var contractPayer = Self.config
        contractPayer.payerAuthorizer = .zero
        #expect(claimed(flipped, config: contractPayer) == flipped)
    }

    @Test func localVerification() {
        let now: UInt64 = 1_000_000 + 10_000
        func verify(_ v: SignedVoucher, record: SellerChannel? = Self.record(), config: ChannelConfig = Self.config,
                    fields: RequirementFields = Self.fields, at time: UInt64 = now) -> LocalVerification {
            SellerRules.verifyLocally(config: config, voucher: v, record: record, fields: fields, domain: Self.domain, now: time)
        }
        #expect(verify(Self.voucher(3000)) == .verified)
        // Facilitator needed: no record, never synced, stale, no payerAuthorizer, balance or claimed not covered.
        #expect(verify(Self.voucher(3000), record: nil) == .needsFacilitator)
        #expect(verify(Self.voucher(3000), record: Self.record(syncedAt: nil)) == .needsFacilitator)
        #expect(verify(Self.voucher(3000), at: 1_000_000 + 300_001) == .needsFacilitator)
        #expect(verify(Self.voucher(3000), at: 999_999) == .needsFacilitator)      // synced in the future: not trusted
        var noAuthorizer = Self.config
        noAuthorizer.payerAuthorizer = .zero
        #expect(verify(Self.voucher(3000), config: noAuthorizer) == .needsFacilitator)
        #expect(verify(Self.voucher(10_001)) == .needsFacilitator)
        #expect(verify(Self.voucher(3000), record: Self.record(claimed: 3000)) == .needsFacilitator)
        // Invalid whatever the chain says.
        #expect(verify(Self.voucher(3000, key: try! PrivateKey(hex: "0x" + String(repeating: "11", count: 32)))) == .invalid(.voucherSignature))
        var wrongDelay = Self.fields
        wrongDelay.withdrawDelay = 901
        #expect(verify(Self.voucher(3000), fields: wrongDelay) == .invalid(.withdrawDelayMismatch))
        var otherChannel = Self.voucher(3000)
        otherChannel.channelId = Bytes32(0, 0, 0, 1)
        #expect(verify(otherChannel) == .invalid(.channelIdMismatch))
    }
}
