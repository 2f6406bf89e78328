import HTTPTypes
import Testing
import X402BatchSettlement
import X402BatchSettlementServer
import X402Core
import X402EVM
import X402JSON

/// The seller's batch-settlement scheme (protocol.md B.9–B.14) on the core resource server, with a scripted
/// facilitator and in-memory storage: 402 terms, deposit, the local fast path, charges, overrides, corrective 402,
/// the reservation, withdrawals and refunds.
@Suite struct ServerSchemeTests {
    @Test func paymentRequiredCarriesTheChannelTerms() async throws {
        let seller = try await SellerHarness()
        let r = try await seller.requirement()
        #expect(r.scheme == "batch-settlement" && r.amount == "1000" && r.asset == SellerHarness.usdc.checksummed)
        #expect(r.extra["receiverAuthorizer"] == .string(SellerHarness.authorizerKey.address.checksummed))
        #expect(r.extra["withdrawDelay"] == 900)
        #expect(r.extra["name"] == "USDC" && r.extra["version"] == "2")
        #expect(r.extra["minDeposit"] == "10000")                       // 10 × price (SDK default)

        // Delegated: the facilitator's advertised authorizer.
        let delegated = try await SellerHarness(ownKey: false)
        #expect(try await delegated.requirement().extra["receiverAuthorizer"] == .string(SellerHarness.authorizerKey.address.checksummed))
    }

    @Test func noAuthorizerAnywhereFailsInitialization() async throws {
        let scheme = BatchSettlementServerScheme(storage: InMemoryChannelStorage())
        let server = X402ResourceServer(facilitator: ScriptedFacilitator())
        server.register(scheme, for: "eip155:84532")
        await #expect(throws: X402Error.self) { try await server.initialize() }
    }

    @Test func depositThenVouchersOnTheLocalFastPath() async throws {
        let seller = try await SellerHarness()
        // First request: a deposit of 10 000 carrying the voucher for 1000.
        let first = try #require(try await seller.pay(seller.deposit(10_000, voucher: 1000)).settled)
        #expect(first.amount == "10000" && !first.transaction.isEmpty)
        let extra = try #require(first.extra)
        #expect(extra["chargedAmount"] == "1000")
        #expect(extra["channelState"]?.objectValue?["chargedCumulativeAmount"] == "1000")
        #expect(extra["channelState"]?.objectValue?["balance"] == "10000")
        var record = try #require(try await seller.record())
        #expect(record.chargedCumulativeAmount == 1000 && record.balance == 10_000 && record.onchainSyncedAt != nil)

        // Vouchers: verified locally, no facilitator call, charged 1000 each.
        let verifiesBefore = seller.facilitator.verifies.withLock { $0.count }
        for n in 2...4 {
            let response = try #require(try await seller.pay(seller.voucherPayload(UInt128(n) * 1000)).settled)
            #expect(response.transaction == "" && response.amount == "")
            #expect(response.payer == SellerHarness.payerKey.address.lowercased)
            #expect(response.extra?["chargedAmount"] == "1000")
            #expect(response.extra?["channelState"]?.objectValue?["chargedCumulativeAmount"] == .string(String(n * 1000)))
        }
        #expect(seller.facilitator.verifies.withLock { $0.count } == verifiesBefore)
        record = try #require(try await seller.record())
        #expect(record.chargedCumulativeAmount == 4000 && record.signedMaxClaimable == 4000)
        #expect(record.signature == seller.voucher(4000).signature.bytes)
        #expect(seller.events.withLock { $0 }.contains(.charged(record)))
        #expect(try seller.metrics.expectCounter("x402_seller_payments_total", [("kind", "voucher"), ("verification", "local")]).totalValue == 3)
        #expect(try seller.metrics.expectCounter("x402_seller_payments_total", [("kind", "deposit"), ("verification", "facilitator")]).totalValue == 1)
        #expect(try await seller.pay(seller.voucherPayload(9000)).required != nil)
        #expect(try seller.metrics.expectCounter("x402_seller_refusals_total",
                                                 [("reason", "invalid_batch_settlement_evm_cumulative_amount_mismatch")]).totalValue == 1)
    }

    @Test func staleMirrorAsksTheFacilitator() async throws {
        let seller = try await SellerHarness()
        _ = try #require(try await seller.pay(seller.deposit(10_000, voucher: 1000)).settled)
        seller.clock.advance(300_001)                                   // past the 300 s TTL for withdrawDelay 900
        let before = seller.facilitator.verifies.withLock { $0.count }
        _ = try #require(try await seller.pay(seller.voucherPayload(2000)).settled)
        #expect(seller.facilitator.verifies.withLock { $0.count } == before + 1)
        // Freshly synced again: the next one is local.
        _ = try #require(try await seller.pay(seller.voucherPayload(3000)).settled)
        #expect(seller.facilitator.verifies.withLock { $0.count } == before + 1)
    }

    @Test func settlementOverrideChargesLessAndMovesTheBase() async throws {
        let seller = try await SellerHarness()
        _ = try #require(try await seller.pay(seller.deposit(10_000, voucher: 1000)).settled)
        var half = HTTPFields()
        half[.settlementOverrides] = #"{"amount":"50%"}"#
        let r = try #require(try await seller.pay(seller.voucherPayload(2000), headers: half).settled)
        #expect(r.extra?["chargedAmount"] == "500")
        #expect(try await seller.record()?.chargedCumulativeAmount == 1500)
        // The next voucher builds on 1500.
        #expect(try await seller.pay(seller.voucherPayload(3000)).required?.error == "invalid_batch_settlement_evm_cumulative_amount_mismatch")
        _ = try #require(try await seller.pay(seller.voucherPayload(2500)).settled)
        // An override above the price is refused and charges nothing.
        var over = HTTPFields()
        over[.settlementOverrides] = #"{"amount":"5000"}"#
        guard case .settleFailed(let failed) = try await seller.pay(seller.voucherPayload(3500), headers: over) else {
            Issue.record("an override above the signed amount settled"); return
        }
        #expect(failed.errorReason?.rawValue == "invalid_batch_settlement_evm_charge_exceeds_signed_cumulative")
        #expect(try await seller.record()?.chargedCumulativeAmount == 2500)
        _ = try #require(try await seller.pay(seller.voucherPayload(3500)).settled)   // the reservation was released
    }

    @Test func correctiveRequiredShowsTheSellersState() async throws {
        let seller = try await SellerHarness()
        _ = try #require(try await seller.pay(seller.deposit(10_000, voucher: 1000)).settled)
        let required = try #require(try await seller.pay(seller.voucherPayload(7000)).required)
        #expect(required.error == "invalid_batch_settlement_evm_cumulative_amount_mismatch")
        let extra = required.accepts[0].extra
        let state = try #require(extra["channelState"]?.objectValue)
        #expect(state["chargedCumulativeAmount"] == "1000" && state["balance"] == "10000" && state["refundNonce"] == "0")
        #expect(state["withdrawRequestedAt"] == 0)
        let voucherState = try #require(extra["voucherState"]?.objectValue)
        #expect(voucherState["signedMaxClaimable"] == "1000")
        #expect(voucherState["signature"] == .string(Hex.encode(seller.voucher(1000).signature.bytes)))
        #expect(try await seller.record()?.chargedCumulativeAmount == 1000)
    }

    @Test func reservationMakesAConcurrentRequestBusy() async throws {
        let seller = try await SellerHarness()
        _ = try #require(try await seller.pay(seller.deposit(10_000, voucher: 1000)).settled)
        let accepted = try await seller.requirement()
        guard case .proceed(let first) = await seller.http.processRequest(seller.request(seller.voucherPayload(2000), accepted: accepted)) else {
            Issue.record("first request not verified"); return
        }
        // The handler of the first is still running: the second on the same channel is busy.
        let second = await seller.http.processRequest(seller.request(seller.voucherPayload(2000), accepted: accepted))
        guard case .paymentRequired(let busy) = second else { Issue.record("second request was not refused"); return }
        #expect(try HeaderCodec.decodePaymentRequired(busy.headerFields[.paymentRequired]!).error == "invalid_batch_settlement_evm_channel_busy")
        var fields = HTTPFields()
        guard case .settled = await seller.http.settle(first, responseStatus: .ok, responseHeaders: &fields) else {
            Issue.record("first request not settled"); return
        }
        #expect(try await seller.record()?.chargedCumulativeAmount == 2000)
        // A lapsed reservation frees the channel, and its late commit charges nothing.
        guard case .proceed(let slow) = await seller.http.processRequest(seller.request(seller.voucherPayload(3000), accepted: accepted)) else {
            Issue.record("slow request not verified"); return
        }
        seller.clock.advance(300_001)
        var slowFields = HTTPFields()
        guard case .failed(let lapsed, _) = await seller.http.settle(slow, responseStatus: .ok, responseHeaders: &slowFields) else {
            Issue.record("a lapsed reservation committed"); return
        }
        #expect(lapsed.errorReason?.rawValue == "invalid_batch_settlement_evm_channel_busy")
        #expect(try await seller.record()?.chargedCumulativeAmount == 2000)
    }

    @Test func failedHandlerChargesNothingAndFreesTheChannel() async throws {
        let seller = try await SellerHarness()
        _ = try #require(try await seller.pay(seller.deposit(10_000, voucher: 1000)).settled)
        guard case .notSettled = try await seller.pay(seller.voucherPayload(2000), status: .internalServerError) else {
            Issue.record("a failed handler was settled"); return
        }
        #expect(try await seller.record()?.chargedCumulativeAmount == 1000)
        _ = try #require(try await seller.pay(seller.voucherPayload(2000)).settled)
    }

    @Test func badVouchersAreRefusedWithTheirCodes() async throws {
        let seller = try await SellerHarness()
        _ = try #require(try await seller.pay(seller.deposit(10_000, voucher: 1000)).settled)
        let stranger = try PrivateKey(hex: "0x" + String(repeating: "42", count: 32))
        #expect(try await seller.pay(seller.voucherPayload(2000, key: stranger)).required?.error == "invalid_batch_settlement_evm_voucher_signature")
        // A voucher whose channel id is not its config's.
        var wrong = VoucherPayload(channelConfig: seller.config, voucher: seller.voucher(2000))
        wrong.voucher.channelId = Bytes32(1, 2, 3, 4)
        #expect(try await seller.pay(.voucher(wrong)).required?.error == "invalid_batch_settlement_evm_channel_id_mismatch")
        // A server-only payload from a client.
        let claim = BatchSettlementPayload.claim(ClaimPayload(claims: []))
        #expect(try await seller.pay(claim).required?.error == "invalid_batch_settlement_evm_payload_type")
        #expect(try await seller.record()?.chargedCumulativeAmount == 1000)
    }

    @Test func pendingWithdrawalStopsVouchersNearItsDeadline() async throws {
        let seller = try await SellerHarness()
        _ = try #require(try await seller.pay(seller.deposit(10_000, voucher: 1000)).settled)
        let nowSeconds = seller.clock.now.load(ordering: .relaxed) / 1000
        // Finalizable in 15 minutes: far enough, vouchers go on, but the manager is told.
        try await seller.storage.update(seller.channelId) { $0?.withdrawRequestedAt = nowSeconds }
        _ = try #require(try await seller.pay(seller.voucherPayload(2000)).settled)
        // Within the claim lead time (120 s) of finalization: refused with the typed code, claim requested.
        seller.clock.advance(900_000 - 120_000)
        let refused = try #require(try await seller.pay(seller.voucherPayload(3000)).required)
        #expect(refused.error == BatchSettlementServerErrorCode.withdrawalPending.rawValue)
        #expect(seller.events.withLock { $0 }.contains(.withdrawalObserved(channelId: seller.channelId)))
        #expect(try await seller.record()?.chargedCumulativeAmount == 2000)
    }

    @Test func cooperativeRefundIsEnrichedSignedAndDrains() async throws {
        let seller = try await SellerHarness()
        _ = try #require(try await seller.pay(seller.deposit(10_000, voucher: 1000)).settled)
        _ = try #require(try await seller.pay(seller.voucherPayload(2000)).settled)
        // Partial refund of 3000.
        let partial = BatchSettlementPayload.refund(RefundPayload(channelConfig: seller.config, voucher: seller.voucher(2000), amount: "3000"))
        guard case .responded(let answer) = try await seller.pay(partial) else { Issue.record("no direct refund answer"); return }
        #expect(answer.status == .ok)
        #expect(try JSONParser.parse(answer.body).objectValue?["message"] == "Refund acknowledged")
        let response = try HeaderCodec.decodePaymentResponse(try #require(answer.headerFields[.paymentResponse]))
        #expect(response.success && response.amount == "3000")
        #expect(response.extra?["chargedAmount"] == nil)
        #expect(response.extra?["channelState"]?.objectValue?["chargedCumulativeAmount"] == "2000")
        let sent = try BatchSettlementPayload(try #require(seller.facilitator.settles.withLock { $0.last }))
        guard case .enrichedRefund(let enriched) = sent else { Issue.record("not an enriched refund"); return }
        #expect(enriched.amount.value == 3000 && enriched.refundNonce.value == .zero)
        #expect(enriched.claims.count == 1 && enriched.claims[0].totalClaimed.value == 2000)
        let refundDigest = Refund(channelId: seller.channelId, nonce: .zero, amount: 3000).digest(in: SellerHarness.domain)
        let refundSig = try Signature(try #require(enriched.refundAuthorizerSignature).bytes)
        #expect(try refundSig.recoverAddress(digest: refundDigest) == SellerHarness.authorizerKey.address)
        var record = try #require(try await seller.record())
        #expect(record.balance == 7000 && record.refundNonce == UInt256(1))

        // A refund voucher that does not equal the charged total is corrected.
        let stale = BatchSettlementPayload.refund(RefundPayload(channelConfig: seller.config, voucher: seller.voucher(1000)))
        #expect(try await seller.pay(stale).required?.error == "invalid_batch_settlement_evm_cumulative_amount_mismatch")

        // Full refund: the remainder, and the drained channel is forgotten.
        let full = BatchSettlementPayload.refund(RefundPayload(channelConfig: seller.config, voucher: seller.voucher(2000)))
        guard case .responded(let fullAnswer) = try await seller.pay(full) else { Issue.record("no direct refund answer"); return }
        #expect(try HeaderCodec.decodePaymentResponse(try #require(fullAnswer.headerFields[.paymentResponse])).amount == "5000")
        record = SellerChannel(channelId: seller.channelId, config: seller.config)
        #expect(try await seller.record() == nil)
        _ = record
    }

    @Test func failedDepositSettlementReleasesTheChannel() async throws {
        let seller = try await SellerHarness()
        seller.facilitator.failSettle.withLock { $0 = true }
        guard case .settleFailed(let failed) = try await seller.pay(seller.deposit(10_000, voucher: 1000)) else {
            Issue.record("a failed deposit settled"); return
        }
        #expect(failed.errorReason?.rawValue == "invalid_batch_settlement_evm_deposit_transaction_failed")
        #expect(try await seller.storage.reservation(seller.channelId, now: seller.clock.now.load(ordering: .relaxed)) == nil)
        #expect(try await seller.record()?.chargedCumulativeAmount == 0)
        seller.facilitator.failSettle.withLock { $0 = false }
        _ = try #require(try await seller.pay(seller.deposit(10_000, voucher: 1000)).settled)
    }
}
