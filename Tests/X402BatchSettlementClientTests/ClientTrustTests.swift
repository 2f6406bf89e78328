import HTTPTypes
import Synchronization
import Testing
import X402BatchSettlement
import X402BatchSettlementClient
import X402Core
import X402EVM
import X402Testing

@Suite struct ClientTrustTests {
    /// A second client with stale state (recovered from the chain: charged 0) hits the seller's corrective 402,
    /// verifies the seller's voucher signature, adopts charged 2000 and the chain balance, and the retry succeeds.
    @Test func correctiveRecoveryWithAValidSignatureRetriesOnce() async throws {
        let seller = try await Seller()
        let first = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet))
        _ = try await first.payRound(seller)
        _ = try await first.payRound(seller)  // seller charged 2000, holds the voucher for 2000

        let chain = FakeChainReader(balance: 10_000, totalClaimed: 0)
        let second = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), chainReader: chain)
        let stale = try await second.payRound(seller)
        #expect(try BatchSettlementPayload(stale.payload).kind == .voucher)  // recovered balance 10000, charged 0 → M 1000
        #expect(stale.answer.status == 402)
        #expect(stale.answer.required?.error == BatchSettlementErrorCode.cumulativeAmountMismatch.rawValue)
        #expect(stale.decision == .retryWithFreshPayload)
        let record = try #require(try await second.channelRecord(for: stale.payload.accepted))
        #expect(record.chargedCumulativeAmount == 2000 && record.balance == 10_000 && record.signedMaxClaimable == 2000)

        let retry = try await second.payRound(seller)
        #expect(try BatchSettlementPayload(retry.payload).voucher?.maxClaimableAmount.value == 3000)
        #expect(retry.answer.status == 200 && retry.decision == .done)
        #expect(try await second.channelRecord(for: retry.payload.accepted)?.chargedCumulativeAmount == 3000)
    }

    /// A corrective 402 built around the real seller's requirement with a given voucher state.
    func corrective(charged: UInt128, signed: UInt128, signer: PrivateKey, channelId: Bytes32? = nil,
                    client: BatchSettlementClientScheme) throws -> PaymentRequired {
        var accept = requirement()
        let id = try client.channelId(for: accept)
        let sig = signer.sign(digest: Voucher(channelId: id, maxClaimableAmount: signed).digest(in: BatchSettlementDomain(chainId: 84532)))
        accept.extra["channelState"] = .object([
            "channelId": .string((channelId ?? id).hex), "balance": "10000", "totalClaimed": "0", "withdrawRequestedAt": .number(JSONNumber(0)),
            "refundNonce": "0", "chargedCumulativeAmount": .string(String(charged))])
        accept.extra["voucherState"] = .object(["signedMaxClaimable": .string(String(signed)), "signature": .string(Hex.encode(sig.bytes))])
        return PaymentRequired(error: BatchSettlementErrorCode.cumulativeAmountMismatch.rawValue, accepts: [accept])
    }

    func respond(_ client: BatchSettlementClientScheme, required: PaymentRequired? = nil, settle: SettleResponse? = nil,
                 payload: BatchSettlementPayload) async throws -> PaymentResponseDecision {
        let p = PaymentPayload(payload: payload.jsonObject(), accepted: requirement())
        return try await client.onPaymentResponse(PaymentResponseContext(paymentPayload: p, requirements: requirement(),
                                                                        settleResponse: settle, paymentRequired: required))
    }

    @Test func forgedOrInconsistentCorrectiveIsRefusedAndStateUnchanged() async throws {
        let storage = InMemoryClientChannelStorage()
        let client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), storage: storage)
        let sent = try await client.payload(for: requirement())
        let id = try client.channelId(for: requirement())
        try await storage.save(ClientChannelRecord(channelId: id, chargedCumulativeAmount: 1000, balance: 10_000))
        let before = try await storage.channel(ClientChannelRecord.key(id))

        await #expect(throws: BatchSettlementClientError.correctiveRejected(.signatureMismatch(recovered: Keys.other.address.checksummed))) {
            _ = try await respond(client, required: try corrective(charged: 5000, signed: 5000, signer: Keys.other, client: client), payload: sent)
        }
        await #expect(throws: BatchSettlementClientError.correctiveRejected(.chargedAboveSigned(charged: 6000, signed: 5000))) {
            _ = try await respond(client, required: try corrective(charged: 6000, signed: 5000, signer: Keys.wallet, client: client), payload: sent)
        }
        await #expect(throws: BatchSettlementClientError.self) {
            _ = try await respond(client, required: try corrective(charged: 5000, signed: 5000, signer: Keys.wallet, channelId: Bytes32(0, 0, 0, 1),
                                                                   client: client), payload: sent)
        }
        #expect(try await storage.channel(ClientChannelRecord.key(id)) == before)

        // Valid signature, no chain reader: adopts charged, keeps the local balance, retries.
        #expect(try await respond(client, required: try corrective(charged: 5000, signed: 5000, signer: Keys.wallet, client: client), payload: sent)
            == .retryWithFreshPayload)
        let after = try #require(try await storage.channel(ClientChannelRecord.key(id)))
        #expect(after.chargedCumulativeAmount == 5000 && after.balance == 10_000)

        // A chain reader that saw more claimed than the seller's charged total: refused.
        let chained = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), chainReader: FakeChainReader(balance: 10_000, totalClaimed: 6000))
        await #expect(throws: BatchSettlementClientError.correctiveRejected(.chargedBelowOnchainClaimed(charged: 5000, totalClaimed: 6000))) {
            _ = try await respond(chained, required: try corrective(charged: 5000, signed: 5000, signer: Keys.wallet, client: chained), payload: sent)
        }
        // Without voucher state and without chain access: not recoverable.
        let bare = PaymentRequired(error: BatchSettlementErrorCode.cumulativeBelowClaimed.rawValue, accepts: [requirement()])
        await #expect(throws: BatchSettlementClientError.correctiveRejected(.notRecoverable)) {
            _ = try await respond(client, required: bare, payload: sent)
        }
        // With chain access only: adopts the chain's totalClaimed and balance.
        #expect(try await respond(chained, required: bare, payload: sent) == .retryWithFreshPayload)
        let fromChain = try #require(try await chained.channelRecord(for: requirement()))
        #expect(fromChain.chargedCumulativeAmount == 6000 && fromChain.balance == 10_000)
        // Any other 402 is left alone.
        #expect(try await respond(client, required: PaymentRequired(error: "Payment required", accepts: [requirement()]), payload: sent) == .done)
    }

    func success(chargedAmount: JSONValue?, cumulative: UInt128?, channelId: Bytes32, balance: UInt128 = 10_000) -> SettleResponse {
        var state: JSONObject = ["channelId": .string(channelId.hex), "balance": .string(String(balance)), "totalClaimed": "0"]
        if let cumulative { state["chargedCumulativeAmount"] = .string(String(cumulative)) }
        var extra: JSONObject = ["channelState": .object(state)]
        if let chargedAmount { extra["chargedAmount"] = chargedAmount }
        return SettleResponse(success: true, network: Seller.network, extra: extra)
    }

    @Test func overChargingSellerDistrustsTheChannel() async throws {
        let storage = InMemoryClientChannelStorage()
        let signer = CountingSigner(Keys.wallet)
        let reported = Mutex<[(String, ChannelDistrust)]>([])
        let client = try BatchSettlementClientScheme(wallet: signer, storage: storage, configuration: .init(
            onChannelDistrusted: { id, why in reported.withLock { $0.append((id, why)) } }))
        let id = try client.channelId(for: requirement())
        try await storage.save(ClientChannelRecord(channelId: id, chargedCumulativeAmount: 1000, balance: 10_000))
        let sent = try await client.payload(for: requirement())
        #expect(sent.kind == .voucher)

        // The served answer is not an error; the channel is distrusted and reported.
        #expect(try await respond(client, settle: success(chargedAmount: "2000", cumulative: 3000, channelId: id), payload: sent) == .done)
        let report = try #require(reported.withLock { $0.first })
        #expect(report.0 == ClientChannelRecord.key(id) && report.1.kind == .overCharge)
        let record = try #require(try await storage.channel(ClientChannelRecord.key(id)))
        #expect(record.chargedCumulativeAmount == 1000 && record.distrust?.kind == .overCharge)  // the seller's numbers are not adopted

        let signaturesBefore = signer.signatures
        do {
            _ = try await client.payload(for: requirement())
            Issue.record("paid a distrusted channel")
        } catch let BatchSettlementClientError.channelDistrusted(_, why) {
            #expect(why.kind == .overCharge)
        }
        #expect(signer.signatures == signaturesBefore)
    }

    @Test func inconsistentSteadyStateDistrusts() async throws {
        let cases: [(JSONValue?, UInt128?, Bytes32?, ChannelDistrust.Kind)] = [
            (.number(JSONNumber(1000)), 2000, nil, .malformedResponse),   // chargedAmount not a string
            ("10x", 2000, nil, .malformedResponse),
            ("1000", 2500, nil, .cumulativeMismatch),
            ("1000", 2000, Bytes32(0, 0, 0, 9), .channelIdMismatch),
        ]
        for (charged, cumulative, otherId, kind) in cases {
            let storage = InMemoryClientChannelStorage()
            let client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), storage: storage)
            let id = try client.channelId(for: requirement())
            try await storage.save(ClientChannelRecord(channelId: id, chargedCumulativeAmount: 1000, balance: 10_000))
            let sent = try await client.payload(for: requirement())
            #expect(try await respond(client, settle: success(chargedAmount: charged, cumulative: cumulative, channelId: otherId ?? id), payload: sent)
                == .done)
            #expect(try await storage.channel(ClientChannelRecord.key(id))?.distrust?.kind == kind)
        }
        // A deposit whose reported balance is below local + deposit.
        let storage = InMemoryClientChannelStorage()
        let client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), storage: storage)
        let id = try client.channelId(for: requirement())
        let sent = try await client.payload(for: requirement())
        #expect(sent.depositAmount == 10_000)
        _ = try await respond(client, settle: success(chargedAmount: "1000", cumulative: 1000, channelId: id, balance: 9000), payload: sent)
        #expect(try await storage.channel(ClientChannelRecord.key(id))?.distrust?.kind == .balanceMismatch)
        // The consistent answer is accepted.
        let fine = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet))
        let fineSent = try await fine.payload(for: requirement())
        #expect(try await respond(fine, settle: success(chargedAmount: "1000", cumulative: 1000, channelId: id), payload: fineSent) == .done)
        #expect(try await fine.channelRecord(for: requirement())?.chargedCumulativeAmount == 1000)
    }
}
