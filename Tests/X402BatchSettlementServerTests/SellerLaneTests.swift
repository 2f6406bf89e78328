import HTTPTypes
import Testing
import X402BatchSettlement
@testable import X402BatchSettlementServer
@testable import X402Core
import X402EVM
import X402JSON

/// The seller's lane (a voucher read straight from the header, beside the hook pipeline) answers every request exactly
/// as the pipeline does: the same 402s, `PAYMENT-RESPONSE` bytes, records, events and metrics. A seller with a
/// server-level hook takes every payment through the pipeline, so it is the reference.
@Suite struct SellerLaneTests {
    /// What one request came to, comparable between two sellers.
    struct Observed: Equatable, CustomStringConvertible {
        var status: Int
        /// `PAYMENT-REQUIRED` decoded, or `PAYMENT-RESPONSE` as sent.
        var required: PaymentRequired?
        var paymentResponse: String?
        /// The settlement result (built when read, on the lane).
        var settled: SettleResponse?
        /// The verification result the handler saw (built when read, on the lane).
        var verified: VerifyResponse?
        /// Who verified the payment (nil when none was verified).
        var lane: Bool?

        static func == (a: Self, b: Self) -> Bool {
            a.status == b.status && a.required == b.required && a.paymentResponse == b.paymentResponse && a.settled == b.settled
                && a.verified == b.verified
        }

        var description: String {
            "\(status) lane=\(lane.map(String.init) ?? "-") \(required?.error ?? "") \(paymentResponse ?? "")"
        }
    }

    static func pipelineSeller() async throws -> SellerHarness {
        let seller = try await SellerHarness()
        seller.http.server.onPaymentCanceled { _, _ in }
        return seller
    }

    /// Decides the request carrying `header`; a verified payment runs a handler answering `status` (with a
    /// `Settlement-Overrides` when given) and is settled.
    static func run(_ seller: SellerHarness, _ header: String?, status: HTTPResponse.Status = .ok,
                    override: String? = nil) async -> Observed {
        var request = HTTPRequest(method: .get, scheme: "http", authority: "seller.test", path: "/paid")
        if let header { request.headerFields[.paymentSignature] = header }
        switch await seller.http.processRequest(request) {
        case .passThrough: return Observed(status: 0)
        case .paymentRequired(let r):
            return Observed(status: 402, required: try? HeaderCodec.decodePaymentRequired(r.headerFields[.paymentRequired] ?? ""))
        case .respond(let r): return Observed(status: Int(r.status.code), paymentResponse: r.headerFields[.paymentResponse])
        case .proceed(let payment):
            let lane = if case .lane = payment.source { true } else { false }
            let verified = payment.verifyResponse
            var fields = HTTPFields()
            if let override { fields[.settlementOverrides] = override }
            switch await seller.http.settle(payment, responseStatus: status, responseHeaders: &fields) {
            case .settled(let settlement):
                let header = settlement.headerFields[.paymentResponse]
                // The header is the encoded result, however it was written.
                #expect(header == (try? HeaderCodec.encodePaymentResponse(settlement.response)))
                return Observed(status: 200, paymentResponse: header, settled: settlement.response, verified: verified, lane: lane)
            case .failed(_, let r):
                return Observed(status: 402, paymentResponse: r.headerFields[.paymentResponse], verified: verified, lane: lane)
            case .notSettled: return Observed(status: Int(status.code), verified: verified, lane: lane)
            }
        }
    }

    /// The JSON of a client's `PAYMENT-SIGNATURE` for `payload`.
    static func json(_ seller: SellerHarness, _ payload: BatchSettlementPayload) async throws -> [UInt8] {
        try X402JSON.encode(PaymentPayload(payload: payload.jsonObject(), accepted: try await seller.requirement()))
    }

    static func header(_ seller: SellerHarness, _ payload: BatchSettlementPayload) async throws -> String {
        Base64.encode(try await json(seller, payload))
    }

    @Test func laneAnswersAsThePipelineDoes() async throws {
        let lane = try await SellerHarness(), pipeline = try await Self.pipelineSeller()
        let stranger = try PrivateKey(hex: "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba")
        // (voucher, key, handler status, override, expected status, verified by the lane)
        let steps: [(UInt128, PrivateKey, HTTPResponse.Status, String?, Int, Bool?)] = [
            (2000, SellerHarness.payerKey, .ok, nil, 200, true),
            (3000, SellerHarness.payerKey, .ok, #"{"amount":"50%"}"#, 200, true),           // charged 500: the next base is 2500
            (3500, stranger, .ok, nil, 402, nil),                            // not the payer's signature
            (9000, SellerHarness.payerKey, .ok, nil, 402, nil),              // corrective 402
            (3500, SellerHarness.payerKey, .internalServerError, nil, 500, true),  // nothing charged
            (3500, SellerHarness.payerKey, .ok, nil, 200, true),
        ]
        for seller in [lane, pipeline] {
            _ = try #require(try await seller.pay(seller.deposit(10_000, voucher: 1000)).settled)
        }
        for (m, key, status, override, expected, viaLane) in steps {
            let header = try await Self.header(lane, lane.voucherPayload(m, key: key))
            let a = await Self.run(lane, header, status: status, override: override)
            let b = await Self.run(pipeline, header, status: status, override: override)
            #expect(a == b, "voucher \(m): lane \(a), pipeline \(b)")
            #expect(a.status == expected && a.lane == viaLane && b.lane == (viaLane == nil ? nil : false), "voucher \(m): \(a) / \(b)")
        }
        let stale = try await Self.header(lane, lane.voucherPayload(9000))
        let corrective = await Self.run(lane, stale)
        #expect(corrective == (await Self.run(pipeline, stale)))
        #expect(corrective.required?.accepts.first?.extra["channelState"] != nil)
        #expect(try await lane.record() == pipeline.record())
        #expect(try await lane.record()?.chargedCumulativeAmount == 3500)
        #expect(lane.events.withLock { $0 } == pipeline.events.withLock { $0 })
        for labels in [[("kind", "voucher"), ("verification", "local")], [("kind", "deposit"), ("verification", "facilitator")]] {
            #expect(try lane.metrics.expectCounter("x402_seller_payments_total", labels).totalValue
                    == pipeline.metrics.expectCounter("x402_seller_payments_total", labels).totalValue)
        }
        for reason in ["invalid_batch_settlement_evm_cumulative_amount_mismatch", "invalid_batch_settlement_evm_voucher_signature"] {
            #expect(try lane.metrics.expectCounter("x402_seller_refusals_total", [("reason", reason)]).totalValue
                    == pipeline.metrics.expectCounter("x402_seller_refusals_total", [("reason", reason)]).totalValue)
        }
    }

    @Test func concurrentVouchersOnTheLaneLeaveOneWinner() async throws {
        let seller = try await SellerHarness()
        _ = try #require(try await seller.pay(seller.deposit(10_000, voucher: 1000)).settled)
        let header = try await Self.header(seller, seller.voucherPayload(2000))
        var request = HTTPRequest(method: .get, scheme: "http", authority: "seller.test", path: "/paid")
        request.headerFields[.paymentSignature] = header
        let first = await seller.http.processRequest(request)
        guard case .proceed(let held) = first, case .lane = held.source else { Issue.record("not verified by the lane"); return }
        // While the first holds the channel, the same voucher is busy; after its commit, stale.
        let busy = await Self.run(seller, header)
        #expect(busy.required?.error == "invalid_batch_settlement_evm_channel_busy")
        var fields = HTTPFields()
        guard case .settled = await seller.http.settle(held, responseStatus: .ok, responseHeaders: &fields) else {
            Issue.record("not settled"); return
        }
        #expect(await Self.run(seller, header).required?.error == "invalid_batch_settlement_evm_cumulative_amount_mismatch")
        #expect(try await seller.record()?.chargedCumulativeAmount == 2000)
    }

    @Test func laneTakesSpacedJSONAndLeavesOtherShapesToThePipeline() async throws {
        let seller = try await SellerHarness()
        _ = try #require(try await seller.pay(seller.deposit(100_000, voucher: 1000)).settled)
        var m: UInt128 = 1000
        func next() async throws -> String {
            m += 1000
            return String(decoding: try await Self.json(seller, seller.voucherPayload(m)), as: UTF8.self)
        }
        // Python's json.dumps: a space after every separator outside strings.
        let spaced = Self.spaced(try await next())
        #expect(spaced.contains(#""scheme": "batch-settlement""#))
        let a = await Self.run(seller, Base64.encode(Array(spaced.utf8)))
        #expect(a.status == 200 && a.lane == true)

        // Shapes the lane does not read: the pipeline verifies them, with the same outcome.
        let reshaped: [(String) -> String] = [
            { $0.replacingOccurrences(of: #""scheme":"batch-settlement","network":"eip155:84532","#,
                                      with: #""network":"eip155:84532","scheme":"batch-settlement","#) },  // accepted reordered
            { $0.replacingOccurrences(of: #""x402Version":2,"#, with: #""x402Version":2,"extensions":{},"#) },
            { $0.replacingOccurrences(of: #""name":"USDC""#, with: #""name":"US\u0044C""#) },             // an escape
            { $0.replacingOccurrences(of: #""x402Version":2,"#, with: #""x402Version":2,"resource":{"url":"http:\/\/seller.test\/paid"},"#) },
        ]
        for edit in reshaped {
            let text = edit(try await next())
            let b = await Self.run(seller, Base64.encode(Array(text.utf8)))
            #expect(b.status == 200 && b.lane == false, "\(text): \(b)")
        }
        let resourced = try await next().replacingOccurrences(of: #""x402Version":2,"#,
                                                              with: #""x402Version":2,"resource":{"url":"http://seller.test/paid","mimeType":"text/plain"},"#)
        #expect(await Self.run(seller, Base64.encode(Array(resourced.utf8))).lane == true)
        #expect(try await seller.record()?.chargedCumulativeAmount == m)
    }

    @Test func reservationIdsAreShortAndDistinct() {
        let ids = (0..<5000).map { _ in BatchSettlementServerScheme.newPendingId() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.utf8.count == 15 && $0.utf8.allSatisfy { $0 < 0x80 } })
        #expect(Set(ids.map { $0.prefix(8) }).count == 1)   // one process, one prefix
    }

    @Test func serverHooksTurnTheLaneOff() async throws {
        let seller = try await SellerHarness()
        _ = try #require(try await seller.pay(seller.deposit(10_000, voucher: 1000)).settled)
        #expect(await Self.run(seller, try await Self.header(seller, seller.voucherPayload(2000))).lane == true)
        seller.http.server.onAfterSettle { _, _ in }
        #expect(await Self.run(seller, try await Self.header(seller, seller.voucherPayload(3000))).lane == false)
    }

    /// One-byte edits at every position of a valid header's JSON (a byte dropped, doubled or replaced by one that
    /// matters to JSON, a space inserted) get the same answer from both sellers: whatever the lane accepts, the pipeline accepts alike, and no
    /// edit changes a record.
    @Test func editedHeadersGetThePipelinesAnswer() async throws {
        let lane = try await SellerHarness(), pipeline = try await Self.pipelineSeller()
        for seller in [lane, pipeline] {
            _ = try #require(try await seller.pay(seller.deposit(10_000, voucher: 1000)).settled)
        }
        let valid = try await Self.json(lane, lane.voucherPayload(2000))
        let replacements = Array(#"{}",:\ 0x2"#.utf8) + [0x09, 0x7F, 0xC3]
        var lanes = 0, edits = 0
        for at in valid.indices {
            var variants: [[UInt8]] = [valid, valid, valid]
            variants[0].remove(at: at)
            variants[1].insert(valid[at], at: at)
            variants[2].insert(0x20, at: at)
            // Three of the replacements at each position, in turn: each meets every kind of byte.
            for k in 0..<3 {
                var edited = valid
                edited[at] = replacements[(at + 4 * k) % replacements.count]
                if edited != valid { variants.append(edited) }
            }
            for bytes in variants {
                let header = Base64.encode(bytes)
                // A handler failure: a verified payment is released, so both sellers keep their state.
                let a = await Self.run(lane, header, status: .internalServerError)
                let b = await Self.run(pipeline, header, status: .internalServerError)
                #expect(a == b, "\(String(decoding: bytes, as: UTF8.self)): lane \(a), pipeline \(b)")
                if a.lane == true { lanes += 1 }
                edits += 1
            }
        }
        // Spaces next to structure and harmless hex case changes stay on the lane.
        #expect(lanes > 0 && edits > 5 * valid.count)
        #expect(try await lane.record() == pipeline.record())
        #expect(await Self.run(lane, Base64.encode(valid)).lane == true)
    }

    /// `text` with a space after each `,` and `:` outside strings.
    static func spaced(_ text: String) -> String {
        var out = "", inString = false
        for c in text {
            out.append(c)
            if c == "\"" { inString.toggle() }
            if !inString, c == "," || c == ":" { out.append(" ") }
        }
        return out
    }
}
