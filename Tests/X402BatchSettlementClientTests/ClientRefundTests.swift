import Testing
import X402BatchSettlement
import X402BatchSettlementClient
import X402Core
import X402EVM

@Suite struct ClientRefundTests {
    @Test func partialThenFullRefundAgainstTheSeller() async throws {
        let seller = try await Seller()
        let client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet))
        _ = try await client.payRound(seller)  // deposit 10000, charged 1000
        let required = try await seller.paymentRequired()
        let accept = required.accepts[0]

        let partial = try await client.refundPayload(for: accept, amount: 3000, requestURL: Seller.url)
        #expect(partial.voucher.maxClaimableAmount.value == 1000 && partial.amount == "3000")
        let json = BatchSettlementPayload.refund(partial).jsonObject()
        #expect(json["type"] == "refund" && json["amount"] == "3000")
        let answer = await seller.send(PaymentPayload(payload: json, accepted: accept, resource: required.resource))
        let settle = try #require(answer.settle)
        #expect(answer.status == 200 && settle.success && settle.amount == "3000")
        try await client.applyRefund(settle, for: accept, amount: 3000)
        let record = try #require(try await client.channelRecord(for: accept))
        #expect(record.balance == 7000 && record.chargedCumulativeAmount == 1000)

        // Too much, or zero, is refused locally.
        await #expect(throws: BatchSettlementClientError.nothingToRefund(balance: 7000, charged: 1000)) {
            _ = try await client.refundPayload(for: accept, amount: 6001)
        }
        await #expect(throws: BatchSettlementClientError.self) { _ = try await client.refundPayload(for: accept, amount: 0) }

        // The whole round trip: probe, refund the rest, delete the record.
        let full = try await client.refund(url: Seller.url, transport: seller.transport)
        #expect(full.success && full.amount == "6000")
        #expect(try await client.channelRecord(for: accept) == nil)
        await #expect(throws: BatchSettlementClientError.noChannel(channelId: try client.channelId(for: accept).hex.lowercased())) {
            _ = try await client.refundPayload(for: accept)
        }
    }

    @Test func partialRefundViaTransportAndDrainingDeletes() async throws {
        let seller = try await Seller()
        let client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet))
        _ = try await client.payRound(seller)
        _ = try await client.payRound(seller)  // charged 2000, balance 10000
        let response = try await client.refund(url: Seller.url, amount: 5000, transport: seller.transport)
        #expect(response.amount == "5000")
        let accept = try await seller.paymentRequired().accepts[0]
        #expect(try await client.channelRecord(for: accept)?.balance == 5000)
        // Paying continues on the smaller balance.
        let next = try await client.payRound(seller)
        #expect(next.answer.status == 200 && next.payload.payload["type"] == "voucher")
        // A refund of exactly the free remainder drains the channel: the record is deleted.
        _ = try await client.refund(url: Seller.url, amount: 2000, transport: seller.transport)
        #expect(try await client.channelRecord(for: accept) == nil)
    }

    @Test func refundSignsOnADistrustedChannelButNotOutsideTheSession() async throws {
        let storage = InMemoryClientChannelStorage()
        let clock = TestClock()
        let client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), storage: storage, configuration: .init(
            session: SessionPolicy(allowedOrigins: ["http://seller.test"]), clock: clock.read))
        let id = try client.channelId(for: requirement())
        try await storage.save(ClientChannelRecord(channelId: id, chargedCumulativeAmount: 1000, balance: 10_000,
                                                   distrust: ChannelDistrust(kind: .overCharge, detail: "test")))
        let refund = try await client.refundPayload(for: requirement(), requestURL: Seller.url)
        #expect(refund.amount == nil && refund.voucher.maxClaimableAmount.value == 1000)
        await #expect(throws: BatchSettlementClientError.originNotAllowed("http://evil.test")) {
            _ = try await client.refundPayload(for: requirement(), requestURL: "http://evil.test/paid")
        }
        // A full refund deletes the record.
        try await client.applyRefund(SettleResponse(success: true, network: Seller.network, amount: "9000"), for: requirement(), amount: nil)
        #expect(storage.all.isEmpty)
    }
}
