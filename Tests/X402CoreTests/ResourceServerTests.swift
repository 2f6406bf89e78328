import Synchronization
import Testing
import X402Core

@Suite struct ResourceServerTests {
    @Test func networkPatternsMatchByNamespace() {
        let family: NetworkPattern = .family("eip155")
        #expect(family.isWildcard && !NetworkPattern("eip155:8453").isWildcard && !NetworkPattern(rawValue: "*").isWildcard)
        #expect(family.matches("eip155:8453") && family.matches("eip155:1"))
        // Another namespace sharing the prefix, the bare namespace, and an exact pattern's neighbours do not match.
        #expect(!family.matches("eip1555:1") && !family.matches("eip155:") && !family.matches("solana:mainnet"))
        #expect(NetworkPattern("eip155:8453").matches("eip155:8453") && !NetworkPattern("eip155:8453").matches("eip155:84532"))
    }

    @Test func requirementsComeFromTheSchemeAndSupported() async throws {
        let d = FakeDeployment()
        try await d.server.initialize()
        let r = try await d.server.buildPaymentRequirements(
            PaymentOption(scheme: Fake.scheme, price: "$0.0025", network: Fake.network, payTo: Fake.payTo, extra: ["name": "Override", "route": 1]))
        #expect(r.amount == "2500")
        #expect(r.asset == Fake.asset)
        #expect(r.maxTimeoutSeconds == 300)
        // Asset extra, then route extra over it, then the scheme's enhancement from /supported.
        #expect(r.extra == ["name": "Override", "route": 1, "feePayer": "0xFeePayer"])
        let explicit = try await d.server.buildPaymentRequirements(
            PaymentOption(scheme: Fake.scheme, price: .assetAmount(AssetAmount(amount: "7", asset: "0xOther")), network: Fake.network,
                          payTo: Fake.payTo, maxTimeoutSeconds: 60))
        #expect(explicit.amount == "7" && explicit.asset == "0xOther" && explicit.maxTimeoutSeconds == 60)
        #expect(try await d.server.buildPaymentRequirements(FakeDeployment.option(0.5)).amount == "500000")
    }

    @Test func configurationErrorsAreTyped() async throws {
        let d = FakeDeployment()
        let early = await #expect(throws: X402Error.self) { try await d.server.buildPaymentRequirements(FakeDeployment.option()) }
        #expect(early?.reason == .notInitialized)
        try await d.server.initialize()
        var unknownScheme = FakeDeployment.option()
        unknownScheme.scheme = "exact"
        #expect(await #expect(throws: X402Error.self) { try await d.server.buildPaymentRequirements(unknownScheme) }?.reason == .missingScheme)
        // Registered scheme, but the facilitator does not serve that network.
        d.server.register(FakeServerScheme(), for: NetworkPattern(Fake.otherNetwork))
        let noFacilitator = await #expect(throws: X402Error.self) {
            try await d.server.buildPaymentRequirements(FakeDeployment.option(network: Fake.otherNetwork))
        }
        #expect(noFacilitator?.reason == .missingFacilitator)
        let badPrice = await #expect(throws: X402Error.self) { try await d.server.buildPaymentRequirements(FakeDeployment.option("ten dollars")) }
        #expect(badPrice?.reason == .invalidPrice)
    }

    @Test func firstFacilitatorWinsPerKind() async throws {
        let log = EventLog()
        let first = X402Facilitator().register(FakeFacilitatorScheme(log: log), networks: [Fake.network])
        let secondScheme = FakeFacilitatorScheme(log: log)
        let second = X402Facilitator().register(secondScheme, networks: [Fake.network, Fake.otherNetwork])
        let server = X402ResourceServer(facilitators: [LocalFacilitatorClient(first), LocalFacilitatorClient(second)])
            .register(FakeServerScheme(), for: .family("eip155"))
        try await server.initialize()
        #expect(server.supportedKind(scheme: Fake.scheme, network: Fake.otherNetwork) != nil)
        #expect(server.supportedKind(scheme: Fake.scheme, network: "eip155:1") == nil)
        _ = try await server.settlePayment(PaymentContext(paymentPayload: fakePayload(), requirements: fakeRequirements(), attempt: PaymentAttempt()))
        #expect(secondScheme.settledPayloads.withLock { $0.count } == 0)
        let other = fakeRequirements(network: Fake.otherNetwork)
        _ = try await server.settlePayment(PaymentContext(paymentPayload: fakePayload(other), requirements: other, attempt: PaymentAttempt()))
        #expect(secondScheme.settledPayloads.withLock { $0.count } == 1)
    }

    @Test func initializeFailsWithoutKindsOrOnCapabilityProblems() async throws {
        let empty = X402ResourceServer(facilitator: LocalFacilitatorClient(X402Facilitator()))
        #expect(await #expect(throws: X402Error.self) { try await empty.initialize() }?.reason == .missingFacilitator)
        struct Picky: SchemeNetworkServer {
            let scheme = Fake.scheme
            func parsePrice(_ price: Price, network: Network) throws -> AssetAmount { AssetAmount(amount: "1", asset: "a") }
            func validateFacilitatorSupport(network: Network, supportedKind: SupportedKind, facilitatorExtensions: [String]) -> String? {
                supportedKind.extra?["receiverAuthorizer"] == nil ? "no receiverAuthorizer" : nil
            }
        }
        let d = FakeDeployment { _ in FakeServerScheme() }
        d.server.register(Picky(), for: NetworkPattern(Fake.network))
        let error = await #expect(throws: X402Error.self) { try await d.server.initialize() }
        #expect(error?.message.contains("no receiverAuthorizer") == true)
    }

    @Test func hooksRunServerFirstThenSchemeInLifecycleOrder() async throws {
        let d = FakeDeployment()
        d.server
            .onBeforeVerify { _ in d.log.add("server.beforeVerify"); return .proceed }
            .onAfterVerify { _, _ in d.log.add("server.afterVerify"); return .proceed }
            .onBeforeSettle { _ in d.log.add("server.beforeSettle"); return .proceed }
            .onAfterSettle { _, _ in d.log.add("server.afterSettle") }
        try await d.server.initialize()
        let context = PaymentContext(paymentPayload: fakePayload(), requirements: fakeRequirements(), attempt: PaymentAttempt())
        #expect(try await d.server.verifyPayment(context).isValid)
        #expect(try await d.server.settlePayment(context).success)
        #expect(d.log.all == [
            "server.beforeVerify", "scheme.beforeVerify", "facilitator.verify", "server.afterVerify", "scheme.afterVerify",
            "server.beforeSettle", "scheme.beforeSettle:1000", "scheme.enrichPayload", "facilitator.settle:1000",
            "server.afterSettle", "scheme.afterSettle", "scheme.enrichResponse",
        ])
    }

    @Test func beforeVerifyCanAbortOrSkipTheFacilitator() async throws {
        let d = FakeDeployment { log in
            FakeServerScheme(log: log, beforeVerify: { c in
                c.paymentPayload.payload["local"] == true
                    ? .skipVerification(VerifyResponse(isValid: true, payer: "local"))
                    : .abort(reason: "invalid_fake_cumulative", message: "stale")
            })
        }
        try await d.server.initialize()
        var local = fakePayload()
        local.payload["local"] = true
        let skipped = try await d.server.verifyPayment(PaymentContext(paymentPayload: local, requirements: fakeRequirements(), attempt: PaymentAttempt()))
        #expect(skipped.response.payer == "local")
        #expect(d.log.count("facilitator.verify") == 0)
        #expect(d.log.count("scheme.afterVerify") == 1)
        let error = await #expect(throws: X402Error.self) {
            try await d.server.verifyPayment(PaymentContext(paymentPayload: fakePayload(), requirements: fakeRequirements(), attempt: PaymentAttempt()))
        }
        #expect(error?.reason == "invalid_fake_cumulative" && error?.message == "stale")
        #expect(d.log.count("facilitator.verify") == 0)
    }

    @Test func invalidVerificationRunsFailureHooksAndCanRecover() async throws {
        let d = FakeDeployment()
        try await d.server.initialize()
        let forged = PaymentContext(paymentPayload: fakePayload(signature: "forged"), requirements: fakeRequirements(), attempt: PaymentAttempt())
        let result = try await d.server.verifyPayment(forged)
        #expect(!result.isValid && result.response.invalidReason == Fake.invalidSignature)
        #expect(d.log.all.suffix(2) == ["facilitator.verify", "scheme.verifyFailure:invalid_fake_signature"])
        #expect(d.log.count("scheme.afterVerify") == 0)
        d.server.onVerifyFailure { _, _ in VerifyResponse(isValid: true, payer: "recovered") }
        let recovered = try await d.server.verifyPayment(forged)
        #expect(recovered.isValid && recovered.response.payer == "recovered")
        #expect(d.log.count("scheme.afterVerify") == 1)
    }

    @Test func afterVerifyAbortCancelsThePayment() async throws {
        let d = FakeDeployment { log in FakeServerScheme(log: log, afterVerify: { _, _ in .abort(reason: "invalid_fake_channel_busy") }) }
        try await d.server.initialize()
        let result = try await d.server.verifyPayment(PaymentContext(paymentPayload: fakePayload(), requirements: fakeRequirements(), attempt: PaymentAttempt()))
        #expect(!result.isValid && result.response.invalidReason == "invalid_fake_channel_busy")
        #expect(d.log.all.last == "scheme.canceled:afterVerifyAborted")
    }

    @Test func settlementPendingIsRetriedExactlyOnce() async throws {
        let d = FakeDeployment()
        try await d.server.initialize()
        let context = PaymentContext(paymentPayload: fakePayload(), requirements: fakeRequirements(), attempt: PaymentAttempt())
        d.facilitatorScheme.queueSettleResult(.failure(.settlementPending, network: Fake.network, transaction: "0xpending"))
        #expect(try await d.server.settlePayment(context).success)
        #expect(d.log.count("facilitator.settle:1000") == 2)
        // Twice pending: no third call; without a transaction hash: no retry at all.
        d.facilitatorScheme.queueSettleResult(.failure(.settlementPending, network: Fake.network, transaction: "0xpending"))
        d.facilitatorScheme.queueSettleResult(.failure(.settlementPending, network: Fake.network, transaction: "0xpending"))
        #expect(try await d.server.settlePayment(context).errorReason == .settlementPending)
        #expect(d.log.count("facilitator.settle:1000") == 4)
        d.facilitatorScheme.queueSettleResult(.failure(.settlementPending, network: Fake.network))
        #expect(try await d.server.settlePayment(context).errorReason == .settlementPending)
        #expect(d.log.count("facilitator.settle:1000") == 5)
    }

    @Test func settlementEnrichmentIsAdditiveOnly() async throws {
        let d = FakeDeployment { log in
            FakeServerScheme(log: log,
                             enrichPayload: { _ in ["claims": ["row"]] },
                             enrichResponse: { _, _ in ["channelState": ["chargedCumulativeAmount": "2000"], "chargedAmount": "1000"] })
        }
        d.facilitatorScheme.queueSettleResult(SettleResponse(success: true, transaction: "0xtx", network: Fake.network,
                                                             extra: ["channelState": ["balance": "10000"]]))
        try await d.server.initialize()
        let context = PaymentContext(paymentPayload: fakePayload(), requirements: fakeRequirements(), attempt: PaymentAttempt())
        let result = try await d.server.settlePayment(context)
        #expect(result.extra == ["channelState": ["balance": "10000", "chargedCumulativeAmount": "2000"], "chargedAmount": "1000"])
        let sent = d.facilitatorScheme.settledPayloads.withLock { $0.last!.0 }
        #expect(sent.payload["claims"] == ["row"] && sent.payload["signature"] == "sig-1000")

        // Replacing a client key, or an existing response value, is refused.
        let bad = FakeDeployment { log in FakeServerScheme(log: log, enrichPayload: { _ in ["signature": "evil"] }) }
        try await bad.server.initialize()
        #expect(await #expect(throws: X402Error.self) { try await bad.server.settlePayment(context) }?.reason == .unexpectedSettleError)
        #expect(bad.log.count("facilitator.settle:1000") == 0)
        let clobber = FakeDeployment { log in FakeServerScheme(log: log, enrichResponse: { _, _ in ["channelState": ["balance": "0"]] }) }
        clobber.facilitatorScheme.queueSettleResult(SettleResponse(success: true, network: Fake.network, extra: ["channelState": ["balance": "1"]]))
        try await clobber.server.initialize()
        #expect(await #expect(throws: X402Error.self) { try await clobber.server.settlePayment(context) } != nil)
    }

    @Test func beforeSettleCanAnswerWithoutTheFacilitator() async throws {
        let d = FakeDeployment { log in
            FakeServerScheme(log: log, beforeSettle: { c in
                .skipSettlement(SettleResponse(success: true, transaction: "", network: c.requirements.network, amount: ""))
            })
        }
        try await d.server.initialize()
        let result = try await d.server.settlePayment(PaymentContext(paymentPayload: fakePayload(), requirements: fakeRequirements(), attempt: PaymentAttempt()))
        #expect(result.success && result.transaction == "")
        #expect(d.log.count("facilitator.settle:1000") == 0)
        #expect(d.log.all.suffix(2) == ["scheme.afterSettle", "scheme.enrichResponse"])
    }

    @Test func attemptCarriesStateBetweenHooks() async throws {
        let seen = Mutex<UInt64?>(nil)
        let d = FakeDeployment { log in
            FakeServerScheme(log: log,
                             beforeVerify: { c in c.attempt["pendingId"] = "p-\(c.attempt.id)"; return .proceed },
                             beforeSettle: { c in
                                 seen.withLock { $0 = c.attempt.value("pendingId", as: String.self) == "p-\(c.attempt.id)" ? c.attempt.id : nil }
                                 return .proceed
                             })
        }
        try await d.server.initialize()
        let context = PaymentContext(paymentPayload: fakePayload(), requirements: fakeRequirements(), attempt: PaymentAttempt())
        _ = try await d.server.verifyPayment(context)
        _ = try await d.server.settlePayment(context)
        #expect(seen.withLock { $0 } == context.attempt.id)
        #expect(PaymentAttempt().id != context.attempt.id)
    }
}
