import AsyncHTTPClient
import Synchronization
import Testing
import X402AsyncHTTPClient
import X402BatchSettlement
import X402BatchSettlementClient
import X402Core
import X402EVM
import X402Testing

/// The buyer's guards against real processes (`x402 facilitator` and `x402 serve` on the devnet): a session key
/// and its bounds, every spending limit, and a seller that lies in `PAYMENT-RESPONSE`. Each buyer reaches the seller
/// through a `PaymentProxy`, which shows whether a payment header left the buyer.
extension DevnetIntegrationTests {
    /// `chargedAmount` of a successful `PAYMENT-RESPONSE`.
    static func chargedAmount(_ settle: SettleResponse?) -> UInt128? {
        guard let settle, settle.success, case .string(let text)? = settle.extra?["chargedAmount"] else { return nil }
        return UInt128(text)
    }

    /// The route's requirement as a buyer sees it in the 402.
    static func requirement(_ url: String) async throws -> PaymentRequirements {
        try #require(try await TestBuyer.get(url).paymentRequired?.accepts.first)
    }

    /// Pays `url` once through `paying` and returns the seller's `chargedAmount`.
    @discardableResult
    static func payOnce(_ paying: X402PayingHTTPClient, _ url: String) async throws -> UInt128 {
        let response = try await paying.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
        #expect(response.status == .ok, "\(url): \(response.status)")
        return try #require(chargedAmount(response.settleResponse))
    }

    /// `x402 serve` behind a recording ``PaymentProxy``, and the 402 requirement of its `/weather`.
    static func proxiedSeller(receiverSeed: UInt64) async throws -> (SellerStack, PaymentProxy, PaymentRequirements) {
        let stack = try await SellerStack(receiverSeed: receiverSeed)
        do {
            let sellerURL = try stack.startSeller().url
            let proxy = try PaymentProxy(target: sellerURL)
            return (stack, proxy, try await Self.requirement(sellerURL + "/weather"))
        } catch {
            stack.cleanup()
            throw error
        }
    }

    /// Asserts that paying `url` is refused with `expected` and left no trace: no signature by any of `signers`, no
    /// payment header through `proxy` (only the unpaid probe), and the payer's tokens and channel unchanged on chain.
    static func expectRefusal(_ expected: BatchSettlementClientError, paying: X402PayingHTTPClient, url: String, proxy: PaymentProxy,
                              signers: [CountingSigner], stack: SellerStack, payer: Address, config: ChannelConfig,
                              sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let chainBefore = try await stack.payerState(payer, config)
        let signaturesBefore = signers.map(\.signatures), requestsBefore = proxy.requests.count, paidBefore = proxy.paidRequests
        await #expect(throws: expected, sourceLocation: sourceLocation) {
            _ = try await paying.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
        }
        #expect(signers.map(\.signatures) == signaturesBefore, "something was signed", sourceLocation: sourceLocation)
        #expect(proxy.requests.count == requestsBefore + 1 && proxy.paidRequests == paidBefore, sourceLocation: sourceLocation)
        try await stack.rpc.devnetMine()  // anything sent would be in a block by now
        #expect(try await stack.payerState(payer, config) == chainBefore, sourceLocation: sourceLocation)
    }

    /// A session key (voucher signer ≠ wallet) on the devnet: the wallet deposits, the session key is the channel's
    /// `payerAuthorizer` and signs every voucher; the seller accepts them and the on-chain claim (which checks each
    /// voucher against `payerAuthorizer`) equals the charges. The session's bounds refuse before anything is signed:
    /// an origin not allowed, then an expired session.
    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func sessionKeyPaysAndItsBoundsRefuseBeforeSigning() async throws {
        let stack = try await SellerStack(receiverSeed: 113)
        defer { stack.cleanup() }
        let sellerURL = try stack.startSeller().url
        let allowed = try PaymentProxy(target: sellerURL), elsewhere = try PaymentProxy(target: sellerURL)
        defer { allowed.stop(); elsewhere.stop() }
        let key = try await Self.fundedPayer(stack.rpc).key
        let wallet = CountingSigner(key), session = CountingSigner(try PrivateKey(hex: Self.freshKeyHex()))
        let storage = InMemoryClientChannelStorage()
        let (scheme, paying) = try await Self.buyer(key, rpc: stack.rpc, storage: storage, wallet: wallet, voucherSigner: session) {
            $0.session = SessionPolicy(expiresAt: $0.clock() + 3600, allowedOrigins: [allowed.url])
        }

        var charged: UInt128 = 0
        for path in ["/weather", "/weather", "/dynamic"] { charged += try await Self.payOnce(paying, allowed.url + path) }
        #expect(charged == 2500)
        let config = try scheme.channelConfig(for: try await Self.requirement(sellerURL + "/weather"))
        #expect(config.payer == key.address && config.payerAuthorizer == session.address)
        #expect(wallet.signatures == 1 && session.signatures == 3)  // the ERC-3009 deposit; one voucher per request
        #expect(try await stack.onchainChannel(config).balance == 10_000)
        #expect(try await storage.channel(ClientChannelRecord.key(config.channelId(chainId: 84532)))?.chargedCumulativeAmount == 2500)

        // The same seller under an origin the session may not pay.
        try await Self.expectRefusal(.originNotAllowed(elsewhere.url), paying: paying, url: elsewhere.url + "/weather", proxy: elsewhere,
                                     signers: [wallet, session], stack: stack, payer: key.address, config: config)
        // The session expired (same keys, same channel state).
        var expiry: UInt64 = 0
        let (_, expired) = try await Self.buyer(key, rpc: stack.rpc, storage: storage, wallet: wallet, voucherSigner: session) {
            expiry = $0.clock() - 1
            $0.session = SessionPolicy(expiresAt: expiry, allowedOrigins: [allowed.url])
        }
        try await Self.expectRefusal(.sessionExpired(expiresAt: expiry), paying: expired, url: allowed.url + "/weather", proxy: allowed,
                                     signers: [wallet, session], stack: stack, payer: key.address, config: config)

        stack.seller?.kill9()
        #expect(try stack.channels(["claim"]).status == 0)
        #expect(try await stack.receiverTotals().totalClaimed == charged)
        #expect(try await stack.onchainChannel(config).totalClaimed == charged)
    }

    /// `x402 pay` with the session key from `EVM_VOUCHER_SIGNER_PRIVATE_KEY`: the deposit lands in the channel whose
    /// `payerAuthorizer` is the session key, the claim of its vouchers succeeds, and no key is printed.
    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func x402PayWithASessionKeyFromTheEnvironment() async throws {
        let stack = try await SellerStack(receiverSeed: 116)
        defer { stack.cleanup() }
        let url = try stack.startSeller().url
        let (wallet, walletHex) = try await Self.fundedPayer(stack.rpc)
        let sessionHex = Self.freshKeyHex()
        let session = try PrivateKey(hex: sessionHex)
        let environment = ["EVM_PRIVATE_KEY": walletHex, "EVM_VOUCHER_SIGNER_PRIVATE_KEY": sessionHex, "X402_LOG_LEVEL": "debug"]
        for _ in 0..<2 {
            let run = try stack.buyerCommand(["pay", url + "/weather"], environment: environment)
            #expect(run.status == 0 && run.out.contains("sunny"), "\(run.err)")
            for secret in [walletHex, sessionHex] { #expect(!(run.out + run.err).lowercased().contains(secret.dropFirst(2).lowercased())) }
        }
        let requirement = try await Self.requirement(url + "/weather")
        let extra = try BatchSettlementRequirementsExtra(extra: requirement.extra)
        let config = ChannelConfig(payer: wallet.address, payerAuthorizer: session.address, receiver: stack.payTo,
                                   receiverAuthorizer: extra.receiverAuthorizer, token: Devnet.testUSDC,
                                   withdrawDelay: extra.withdrawDelay, salt: .zero)
        #expect(try await stack.onchainChannel(config).balance == 10_000)
        var walletAuthorized = config
        walletAuthorized.payerAuthorizer = wallet.address
        #expect(try await stack.onchainChannel(walletAuthorized).balance == 0)

        stack.seller?.kill9()
        #expect(try stack.channels(["claim"]).status == 0)
        #expect(try await stack.onchainChannel(config).totalClaimed == 2000)
    }

    /// Every spending limit refuses on the devnet with the typed error naming it, signs nothing, sends no payment
    /// header and changes nothing on chain: the price above `maxPerPayment`; a top-up past `maxDepositPerChannel`
    /// after the capped first deposit is spent; the third payment past the origin's budget.
    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func everySpendingLimitRefusesOnDevnet() async throws {
        let (stack, proxy, requirement) = try await Self.proxiedSeller(receiverSeed: 114)
        defer { stack.cleanup(); proxy.stop() }
        let url = proxy.url + "/weather"

        // maxPerPayment below the price (1000): refused before any deposit.
        let first = try await Self.fundedPayer(stack.rpc).key
        let firstSigner = CountingSigner(first)
        let (perPayment, strict) = try await Self.buyer(first, rpc: stack.rpc, wallet: firstSigner) { $0.limits.maxPerPayment = 999 }
        try await Self.expectRefusal(.limitExceeded(.maxPerPayment, requested: 1000, limit: 999), paying: strict, url: url, proxy: proxy,
                                     signers: [firstSigner], stack: stack, payer: first.address,
                                     config: try perPayment.channelConfig(for: requirement))
        #expect(try await stack.tokenBalance(first.address) == UInt256(UInt64(1_000_000)))

        // maxDepositPerChannel 5000: the first deposit is capped at 5000 (not the seller's minDeposit 10 000); five
        // payments spend it; the sixth needs a top-up the limit does not allow.
        let second = try await Self.fundedPayer(stack.rpc).key
        let secondSigner = CountingSigner(second)
        let (perChannel, capped) = try await Self.buyer(second, rpc: stack.rpc, wallet: secondSigner) { $0.limits.maxDepositPerChannel = 5000 }
        for _ in 0..<5 { try await Self.payOnce(capped, url) }
        let cappedConfig = try perChannel.channelConfig(for: requirement)
        #expect(try await stack.onchainChannel(cappedConfig).balance == 5000)
        try await Self.expectRefusal(.limitExceeded(.maxDepositPerChannel, requested: 6000, limit: 5000), paying: capped, url: url,
                                     proxy: proxy, signers: [secondSigner], stack: stack, payer: second.address, config: cappedConfig)
        #expect(try await stack.tokenBalance(second.address) == UInt256(UInt64(995_000)))

        // A budget of 2500 per origin and hour: two payments of 1000, the third would authorize 3000.
        let third = try await Self.fundedPayer(stack.rpc).key
        let thirdSigner = CountingSigner(third)
        let (budgeted, metered) = try await Self.buyer(third, rpc: stack.rpc, wallet: thirdSigner) {
            $0.limits.budget = Budget(perOrigin: 2500, window: .seconds(3600))
        }
        for _ in 0..<2 { try await Self.payOnce(metered, url) }
        try await Self.expectRefusal(.limitExceeded(.budgetPerOrigin, requested: 3000, limit: 2500), paying: metered, url: url,
                                     proxy: proxy, signers: [thirdSigner], stack: stack, payer: third.address,
                                     config: try budgeted.channelConfig(for: requirement))
        #expect(budgeted.budgetSpent(origin: url) == 2000)
        // The seller saw exactly the payments that were allowed: 5 + 2.
        #expect(proxy.paidRequests == 7)
    }

    /// A seller whose `PAYMENT-RESPONSE` lies (a proxy rewrites what `x402 serve` said): an over-charge, and on another
    /// channel a `chargedCumulativeAmount` that does not add up. The buyer still gets the paid answer, reports the
    /// typed distrust, keeps its own numbers, and refuses to sign anything more for that channel. What the seller can
    /// claim on chain stays what the buyer's vouchers allowed.
    /// A wallet holding less than the seller's deposit hint deposits what it holds (read with `balanceOf` through the
    /// chain reader); once that is spent, a top-up it cannot fund is refused before signing, with nothing sent.
    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func depositsStayWithinTheWallet() async throws {
        let (stack, proxy, requirement) = try await Self.proxiedSeller(receiverSeed: 119)
        defer { stack.cleanup(); proxy.stop() }
        let url = proxy.url + "/weather"

        let key = try PrivateKey(hex: "0x" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 1...255)) }.joined())
        _ = try await stack.rpc.request("devnet_mint", [.string(Devnet.testUSDC.lowercased), .string(key.address.lowercased), .string("0xbb8")])
        let signer = CountingSigner(key)
        let (scheme, paying) = try await Self.buyer(key, rpc: stack.rpc, wallet: signer)
        let config = try scheme.channelConfig(for: requirement)
        for _ in 0..<3 { #expect(try await Self.payOnce(paying, url) == 1000) }
        #expect(try await stack.onchainChannel(config).balance == 3000)  // not the seller's 10 000 hint
        #expect(try await stack.tokenBalance(key.address) == .zero)
        try await Self.expectRefusal(.insufficientFunds(required: 1000, available: .zero), paying: paying, url: url, proxy: proxy,
                                     signers: [signer], stack: stack, payer: key.address, config: config)
    }

    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func lyingSellerIsDistrustedOnDevnet() async throws {
        let stack = try await SellerStack(receiverSeed: 115)
        defer { stack.cleanup() }
        let sellerURL = try stack.startSeller().url
        let requirement = try await Self.requirement(sellerURL + "/weather")
        let cases: [(ChannelDistrust.Kind, PaymentProxy.Rewrite)] = [
            (.overCharge, { $0.extra?["chargedAmount"] = "5000" }),
            (.cumulativeMismatch, { settle in
                guard case .object(var state)? = settle.extra?["channelState"] else { return }
                state["chargedCumulativeAmount"] = "2001"
                settle.extra?["channelState"] = .object(state)
            }),
        ]
        for (kind, lie) in cases {
            let proxy = try PaymentProxy(target: sellerURL)
            defer { proxy.stop() }
            let key = try await Self.fundedPayer(stack.rpc).key
            let signer = CountingSigner(key)
            let reports = Mutex<[(String, ChannelDistrust)]>([])
            let storage = InMemoryClientChannelStorage()
            let (scheme, paying) = try await Self.buyer(key, rpc: stack.rpc, storage: storage, wallet: signer) {
                $0.onChannelDistrusted = { id, why in reports.withLock { $0.append((id, why)) } }
            }
            let channel = ClientChannelRecord.key(try scheme.channelId(for: requirement))
            #expect(try await Self.payOnce(paying, proxy.url + "/weather") == 1000)  // honest: the deposit and its voucher

            proxy.rewritePaymentResponse(lie)
            let lied = try await paying.execute(HTTPClientRequest(url: proxy.url + "/weather"), timeout: .seconds(60))
            #expect(lied.status == .ok)  // the paid answer is still handed over
            let report = try #require(reports.withLock { $0.first }, "\(kind): no distrust reported")
            #expect(report.0 == channel && report.1.kind == kind)
            let record = try #require(try await storage.channel(channel))
            #expect(record.chargedCumulativeAmount == 1000 && record.distrust?.kind == kind)  // the seller's numbers not adopted

            proxy.rewritePaymentResponse(nil)
            let signatures = signer.signatures, paid = proxy.paidRequests
            do {
                _ = try await paying.execute(HTTPClientRequest(url: proxy.url + "/weather"), timeout: .seconds(60))
                Issue.record("\(kind): paid a distrusted channel")
            } catch let BatchSettlementClientError.channelDistrusted(id, why) {
                #expect(id == channel && why.kind == kind)
            }
            #expect(signer.signatures == signatures && proxy.paidRequests == paid)
        }
        // The seller really charged 1000 per request: two per channel are claimable, whatever its headers said.
        stack.seller?.kill9()
        #expect(try stack.channels(["claim"]).status == 0)
        #expect(try await stack.receiverTotals().totalClaimed == 4000)
    }
}
