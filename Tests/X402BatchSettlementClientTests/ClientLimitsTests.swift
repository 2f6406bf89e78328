import Foundation
import Testing
import X402BatchSettlement
import X402BatchSettlementClient
import X402Core
import X402EVM
import X402Testing

@Suite struct ClientLimitsTests {
    /// Runs `body`, expecting `error`, and checks that nothing was signed or stored.
    func expectRefusal(_ error: BatchSettlementClientError, limits: SpendingLimits = SpendingLimits(), session: SessionPolicy? = nil,
                       clock: TestClock = TestClock(), url: String? = Seller.url, requirements: PaymentRequirements = requirement(),
                       sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let signer = CountingSigner(Keys.wallet)
        let storage = InMemoryClientChannelStorage()
        let client = try BatchSettlementClientScheme(wallet: signer, storage: storage,
                                                     configuration: .init(limits: limits, session: session, clock: clock.read))
        await #expect(throws: error, sourceLocation: sourceLocation) { _ = try await client.payload(for: requirements, url: url) }
        #expect(signer.signatures == 0, sourceLocation: sourceLocation)
        #expect(storage.all.isEmpty, sourceLocation: sourceLocation)
    }

    @Test func spendingLimitsRefuseBeforeSigning() async throws {
        try await expectRefusal(.limitExceeded(.maxPerPayment, requested: 1000, limit: 999), limits: SpendingLimits(maxPerPayment: 999))
        try await expectRefusal(.limitExceeded(.maxDepositPerChannel, requested: 1000, limit: 500), limits: SpendingLimits(maxDepositPerChannel: 500))
        try await expectRefusal(.limitExceeded(.budgetPerOrigin, requested: 1000, limit: 999),
                                limits: SpendingLimits(budget: Budget(perOrigin: 999, window: .seconds(60))))
        try await expectRefusal(.originUnknown, limits: SpendingLimits(budget: Budget(perOrigin: 10_000, window: .seconds(60))), url: nil)
    }

    @Test func aTopUpAboveTheSpendCapCeilingIsRefused() async throws {
        // charged 20000 on a 10000 balance (e.g. adopted from a verified corrective 402): the top-up needs 11000,
        // above maxPerPayment 1000 × multiplier 5.
        let storage = InMemoryClientChannelStorage()
        let signer = CountingSigner(Keys.wallet)
        let client = try BatchSettlementClientScheme(wallet: signer, storage: storage, configuration: .init(limits: SpendingLimits(maxPerPayment: 1000)))
        let id = try client.channelId(for: requirement())
        try await storage.save(ClientChannelRecord(channelId: id, chargedCumulativeAmount: 20_000, balance: 10_000))
        await #expect(throws: BatchSettlementClientError.limitExceeded(.depositSpendCap, requested: 11_000, limit: 5000)) {
            _ = try await client.payload(for: requirement())
        }
        #expect(signer.signatures == 0)
        #expect(try await storage.channel(ClientChannelRecord.key(id)) == ClientChannelRecord(channelId: id, chargedCumulativeAmount: 20_000, balance: 10_000))
    }

    @Test func depositLimitsCapTheDeposit() async throws {
        // maxPerPayment 1000 × multiplier 5 caps the 10000 hint at 5000; the per-channel limit caps further.
        let capped = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), configuration: .init(limits: SpendingLimits(maxPerPayment: 1000)))
        #expect(try await capped.payload(for: requirement()).depositAmount == 5000)
        let perChannel = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet),
                                                         configuration: .init(limits: SpendingLimits(maxDepositPerChannel: 4000)))
        #expect(try await perChannel.payload(for: requirement()).depositAmount == 4000)
        // Deposits are counted per channel: the next deposit may use only what is left.
        #expect(try await perChannel.channelRecord(for: requirement())?.depositsAuthorized == 4000)
        await #expect(throws: BatchSettlementClientError.limitExceeded(.maxDepositPerChannel, requested: 5000, limit: 4000)) {
            _ = try await perChannel.payload(for: requirement())
        }
        // The X402Client spend cap (context.maxAmountPerPayment) works the same way.
        let client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet))
        let part = try await client.createPaymentPayload(for: requirement(), context: PaymentPayloadContext(
            paymentRequired: PaymentRequired(accepts: [requirement()]), maxAmountPerPayment: "1200", requestURL: Seller.url))
        #expect(try BatchSettlementPayload(json: part.payload).depositAmount == 6000)
    }

    /// The deposit never exceeds what the wallet holds, and a wallet that cannot fund even the required part is refused
    /// before anything is signed (instead of a deposit the facilitator would refuse).
    @Test func walletBalanceCapsOrRefusesTheDeposit() async throws {
        func deposit(held: UInt256?) async throws -> UInt128? {
            let client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), chainReader: FakeChainReader(walletBalance: held))
            return try await client.payload(for: requirement()).depositAmount
        }
        #expect(try await deposit(held: 20_000) == 10_000)  // the minDeposit hint, funded
        #expect(try await deposit(held: 3000) == 3000)  // capped at the balance, still above the 1000 needed
        #expect(try await deposit(held: nil) == 10_000)  // a reader that cannot tell: unchecked
        #expect(try await deposit(held: .max) == 10_000)  // a failed read: unchecked (the facilitator checks anyway)

        let signer = CountingSigner(Keys.wallet)
        let storage = InMemoryClientChannelStorage()
        let poor = try BatchSettlementClientScheme(wallet: signer, storage: storage, chainReader: FakeChainReader(walletBalance: 999))
        await #expect(throws: BatchSettlementClientError.insufficientFunds(required: 1000, available: 999)) {
            _ = try await poor.payload(for: requirement())
        }
        #expect(signer.signatures == 0 && storage.all.isEmpty)
    }

    @Test func budgetPerOriginAndWindow() async throws {
        let clock = TestClock()
        let client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), configuration: .init(
            limits: SpendingLimits(budget: Budget(perOrigin: 2500, window: .seconds(60))), clock: clock.read))
        _ = try await client.payload(for: requirement(), url: "http://seller.test/paid")
        _ = try await client.payload(for: requirement(), url: "HTTP://Seller.test:80/other?x=1")
        #expect(client.budgetSpent(origin: "http://seller.test") == 2000)
        await #expect(throws: BatchSettlementClientError.limitExceeded(.budgetPerOrigin, requested: 3000, limit: 2500)) {
            _ = try await client.payload(for: requirement(), url: Seller.url)
        }
        _ = try await client.payload(for: requirement(), url: "https://seller.test/paid")  // another origin
        clock.advance(61)
        _ = try await client.payload(for: requirement(), url: Seller.url)
        #expect(client.budgetSpent(origin: Seller.url) == 1000)
    }

    @Test func sessionKeyBounds() async throws {
        let clock = TestClock()
        let now = clock.read()
        try await expectRefusal(.sessionExpired(expiresAt: now), session: SessionPolicy(expiresAt: now), clock: clock)
        try await expectRefusal(.originNotAllowed("http://evil.test"), session: SessionPolicy(allowedOrigins: ["http://seller.test"]),
                                url: "http://evil.test/paid")
        try await expectRefusal(.originNotAllowed("http://seller.test:8080"), session: SessionPolicy(allowedOrigins: ["http://seller.test"]),
                                url: "http://seller.test:8080/paid")
        try await expectRefusal(.originUnknown, session: SessionPolicy(allowedOrigins: ["http://seller.test"]), url: nil)

        // Inside the bounds the session key signs the voucher and the wallet the deposit.
        let wallet = CountingSigner(Keys.wallet), session = CountingSigner(Keys.session)
        let client = try BatchSettlementClientScheme(wallet: wallet, voucherSigner: session, configuration: .init(
            session: SessionPolicy(expiresAt: now + 3600, allowedOrigins: ["http://seller.test/"]), clock: clock.read))
        #expect(client.payerAuthorizer == Keys.session.address)
        let payload = try await client.payload(for: requirement(), url: "http://seller.test/paid")
        #expect(payload.channelConfig?.payerAuthorizer == Keys.session.address)
        #expect(wallet.signatures == 1 && session.signatures == 1)
        clock.advance(3600)
        await #expect(throws: BatchSettlementClientError.sessionExpired(expiresAt: now + 3600)) {
            _ = try await client.payload(for: requirement(), url: "http://seller.test/paid")
        }
    }
}

@Suite struct ClientStorageTests {
    @Test func fileStorageSurvivesANewInstance() async throws {
        let directory = "/tmp/x402-client-tests-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let id = Bytes32(1, 2, 3, 4)
        do {
            let storage = try FileClientChannelStorage(directory: directory)
            let client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), storage: storage)
            _ = try await client.payload(for: requirement())
            try await storage.save(ClientChannelRecord(channelId: id, chargedCumulativeAmount: 7, balance: 9, totalClaimed: 1,
                                                       signedMaxClaimable: 8, signature: "0xab", depositsAuthorized: 9,
                                                       distrust: ChannelDistrust(kind: .overCharge, detail: "x")))
            try await storage.save(ClientChannelRecord(channelId: Bytes32(5, 5, 5, 5)))
            try await storage.delete(ClientChannelRecord.key(Bytes32(5, 5, 5, 5)))
            // A second storage on the same directory is locked out while the first is open.
            #expect(throws: BatchSettlementClientError.self) { _ = try FileClientChannelStorage(directory: directory) }
            await storage.close()
        }
        let reopened = try FileClientChannelStorage(directory: directory, compactionThreshold: 1)
        let record = try #require(try await reopened.channel(ClientChannelRecord.key(id).uppercased().replacingFirst()))
        #expect(record == ClientChannelRecord(channelId: id, chargedCumulativeAmount: 7, balance: 9, totalClaimed: 1, signedMaxClaimable: 8,
                                              signature: "0xab", depositsAuthorized: 9, distrust: ChannelDistrust(kind: .overCharge, detail: "x")))
        #expect(try await reopened.channel(ClientChannelRecord.key(Bytes32(5, 5, 5, 5))) == nil)
        let client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), storage: reopened)
        #expect(try await client.channelRecord(for: requirement())?.depositsAuthorized == 10_000)
        await reopened.close()
        // After compaction the state is still there.
        let third = try FileClientChannelStorage(directory: directory)
        #expect(await third.all.count == 2)
        await third.close()
    }

    @Test func recoveryFromTheChainWhenLocalStateIsMissing() async throws {
        let chain = FakeChainReader(balance: 10_000, totalClaimed: 3000)
        let client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), chainReader: chain)
        let payload = try await client.payload(for: requirement())
        #expect(payload.kind == .voucher && payload.voucher?.maxClaimableAmount.value == 4000)
        // An empty on-chain channel is a new one: deposit.
        let empty = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), chainReader: FakeChainReader())
        #expect(try await empty.payload(for: requirement()).depositAmount == 10_000)
        // A nearly drained recovered channel tops up by at least what the voucher needs.
        let drained = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), chainReader: FakeChainReader(balance: 3500, totalClaimed: 3000))
        #expect(try await drained.payload(for: requirement()).depositAmount == 10_000)
    }
}

extension String {
    /// `0X…` → `0x…` (keys are matched case-insensitively).
    func replacingFirst() -> String { "0x" + dropFirst(2) }
}
