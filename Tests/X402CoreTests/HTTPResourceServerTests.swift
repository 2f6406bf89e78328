import HTTPTypes
import Testing
import X402Core

/// Every response shape of protocol.md A.2.
@Suite struct HTTPResourceServerTests {
    func decode402(_ decision: PaymentDecision) throws -> (X402HTTPResponse, PaymentRequired) {
        guard case .paymentRequired(let response) = decision else {
            Issue.record("expected a 402, got \(decision)")
            throw X402Error(.invalidPayment)
        }
        #expect(response.status.code == 402)
        #expect(response.headerFields[.contentType] == "application/json")
        #expect(response.headerFields[.cacheControl] == "no-store")
        #expect(response.body == Array("{}".utf8))
        let header = try #require(response.headerFields[.paymentRequired])
        return (response, try HeaderCodec.decodePaymentRequired(header))
    }

    func verified(_ decision: PaymentDecision) throws -> VerifiedPayment {
        guard case .proceed(let payment) = decision else {
            Issue.record("expected proceed, got \(decision)")
            throw X402Error(.invalidPayment)
        }
        return payment
    }

    @Test func unprotectedRoutesPassThrough() async throws {
        let http = try await FakeDeployment().httpServer()
        guard case .passThrough = await http.processRequest(request("/free")) else { Issue.record("expected pass-through"); return }
        guard case .passThrough = await http.processRequest(request("/paid", method: .post)) else { Issue.record("method must match"); return }
    }

    @Test func noPaymentHeader() async throws {
        let http = try await FakeDeployment().httpServer()
        let (_, required) = try decode402(await http.processRequest(request("/paid?q=1")))
        #expect(required.error == "Payment required")
        #expect(required.x402Version == 2)
        #expect(required.resource == ResourceInfo(url: "https://api.example.com/paid?q=1", description: "paid thing", mimeType: "application/json"))
        #expect(required.accepts == [fakeRequirements()])
    }

    @Test func undecodableOrOversizedHeaderIsAPlain402() async throws {
        let d = FakeDeployment()
        let http = try await d.httpServer()
        var garbage = HTTPFields()
        garbage[.paymentSignature] = "not base64 !!"
        #expect(try decode402(await http.processRequest(request("/paid", headers: garbage))).1.error == "Payment required")
        var huge = HTTPFields()
        huge[.paymentSignature] = String(repeating: "A", count: HeaderCodec.maxEncodedLength + 4)
        #expect(try decode402(await http.processRequest(request("/paid", headers: huge))).1.error == "Payment required")
        #expect(d.log.count("facilitator.verify") == 0)
    }

    @Test func noMatchingRequirement() async throws {
        let d = FakeDeployment()
        let http = try await d.httpServer()
        for tamper in [{ (r: inout PaymentRequirements) in r.amount = "1" }, { $0.payTo = "0xseller" }, { $0.extra["feePayer"] = "0xMe" },
                       { $0.extra = [:] }, { $0.maxTimeoutSeconds = 301 }] {
            var accepted = fakeRequirements()
            tamper(&accepted)
            let decision = await http.processRequest(request("/paid", headers: try paymentHeader(fakePayload(accepted))))
            #expect(try decode402(decision).1.error == "No matching payment requirements")
        }
        #expect(d.log.count("facilitator.verify") == 0)
        // Extra keys added by the client are tolerated.
        var extended = fakeRequirements()
        extended.extra["channelState"] = ["x": 1]
        _ = try verified(await http.processRequest(request("/paid", headers: try paymentHeader(fakePayload(extended)))))
    }

    @Test func invalidPaymentAnswersItsReasonWithACorrective402() async throws {
        let d = FakeDeployment { log in
            FakeServerScheme(log: log, enrichRequired: { c in
                guard c.error == Fake.invalidSignature.rawValue, let payload = c.paymentPayload else { return nil }
                return c.requirements.map { r in
                    var r = r
                    r.extra["clientSignature"] = payload.payload["signature"]
                    return r
                }
            })
        }
        let http = try await d.httpServer()
        let decision = await http.processRequest(request("/paid", headers: try paymentHeader(fakePayload(signature: "forged"))))
        let (_, required) = try decode402(decision)
        #expect(required.error == "invalid_fake_signature")
        #expect(required.accepts.first?.extra["clientSignature"] == "forged")
        #expect(required.accepts.first?.amount == "1000")
    }

    @Test func nonAdditiveCorrectiveEnrichmentIsIgnored() async throws {
        let d = FakeDeployment { log in
            FakeServerScheme(log: log, beforeVerify: { _ in .abort(reason: "invalid_fake_mismatch") }, enrichRequired: { c in
                c.requirements.map { r in
                    var r = r
                    r.amount = "1"
                    return r
                }
            })
        }
        let http = try await d.httpServer()
        let (_, required) = try decode402(await http.processRequest(request("/paid", headers: try paymentHeader(fakePayload()))))
        #expect(required.error == "invalid_fake_mismatch")
        #expect(required.accepts == [fakeRequirements()])
    }

    @Test func successfulSettlementAddsPaymentResponse() async throws {
        let d = FakeDeployment()
        let http = try await d.httpServer()
        let payment = try verified(await http.processRequest(request("/paid", headers: try paymentHeader(fakePayload()))))
        #expect(payment.verifyResponse.payer == Fake.payer)
        var handlerHeaders = HTTPFields()
        handlerHeaders[.cacheControl] = "max-age=60"
        guard case .settled(let settlement) = await http.settle(payment, responseStatus: .ok, responseHeaders: &handlerHeaders) else {
            Issue.record("expected settlement")
            return
        }
        let (result, fields) = (settlement.response, settlement.headerFields)
        #expect(result.success && result.transaction == "0xtx")
        #expect(try HeaderCodec.decodePaymentResponse(try #require(fields[.paymentResponse])) == result)
        #expect(fields[.cacheControl] == "max-age=60, private")
    }

    @Test func handlerFailureSettlesNothing() async throws {
        let d = FakeDeployment()
        let http = try await d.httpServer()
        let payment = try verified(await http.processRequest(request("/paid", headers: try paymentHeader(fakePayload()))))
        var headers = HTTPFields()
        headers[.settlementOverrides] = #"{"amount":"50%"}"#
        guard case .notSettled = await http.settle(payment, responseStatus: .internalServerError, responseHeaders: &headers) else {
            Issue.record("expected no settlement")
            return
        }
        #expect(headers[.settlementOverrides] == nil)
        #expect(d.log.count("facilitator.settle:1000") == 0)
        #expect(d.log.all.last == "scheme.canceled:handlerFailed(status: 500)")
        await http.handlerThrew(payment)
        #expect(d.log.all.last == "scheme.canceled:handlerThrew")
    }

    @Test func settlementFailureIsA402WithPaymentResponse() async throws {
        let d = FakeDeployment()
        let http = try await d.httpServer()
        d.facilitatorScheme.queueSettleResult(.failure(.insufficientFunds, message: "empty wallet", network: Fake.network))
        let payment = try verified(await http.processRequest(request("/paid", headers: try paymentHeader(fakePayload()))))
        var headers = HTTPFields()
        guard case .failed(let result, let response) = await http.settle(payment, responseStatus: .ok, responseHeaders: &headers) else {
            Issue.record("expected failure")
            return
        }
        #expect(response.status.code == 402)
        #expect(response.headerFields[.cacheControl] == "no-store")
        #expect(response.headerFields[.contentType] == "application/json")
        #expect(response.body == Array("{}".utf8))
        let sent = try HeaderCodec.decodePaymentResponse(try #require(response.headerFields[.paymentResponse]))
        #expect(sent == result)
        #expect(!sent.success && sent.errorReason == .insufficientFunds && sent.errorMessage == "empty wallet" && sent.transaction == "")
        #expect(d.log.all.last == "scheme.settleFailure:insufficient_funds")

        // A before-settle abort is a settlement failure too.
        let aborting = FakeDeployment { log in FakeServerScheme(log: log, beforeSettle: { _ in .abort(reason: "invalid_fake_charge_exceeds") }) }
        let http2 = try await aborting.httpServer()
        let p2 = try verified(await http2.processRequest(request("/paid", headers: try paymentHeader(fakePayload()))))
        guard case .failed(let r2, _) = await http2.settle(p2, responseStatus: .ok, responseHeaders: &headers) else {
            Issue.record("expected failure")
            return
        }
        #expect(r2.errorReason == "invalid_fake_charge_exceeds" && r2.network == Fake.network)
    }

    @Test func settlementOverridesAreStrippedAndApplied() async throws {
        let d = FakeDeployment()
        let http = try await d.httpServer()
        for (override, charged) in [(#"{"amount":"50%"}"#, "500"), (#"{"amount":"$0.0002"}"#, "200"), (#"{"amount":"300"}"#, "300"),
                                    ("garbage", "1000")] {
            let payment = try verified(await http.processRequest(request("/paid", headers: try paymentHeader(fakePayload()))))
            var headers = HTTPFields()
            headers[.settlementOverrides] = override
            headers[.contentType] = "text/plain"
            guard case .settled(let settlement) = await http.settle(payment, responseStatus: .ok, responseHeaders: &headers) else {
                Issue.record("expected settlement for \(override)")
                continue
            }
            let result = settlement.response
            #expect(headers[.settlementOverrides] == nil)
            #expect(headers[.contentType] == "text/plain")
            #expect(result.amount == charged, "\(override)")
            #expect(d.log.all.contains("facilitator.settle:\(charged)"))
        }
        // An override that cannot be resolved fails the settlement.
        let payment = try verified(await http.processRequest(request("/paid", headers: try paymentHeader(fakePayload()))))
        var headers = HTTPFields()
        headers[.settlementOverrides] = #"{"amount":"1.5"}"#
        guard case .failed(let result, _) = await http.settle(payment, responseStatus: .ok, responseHeaders: &headers) else {
            Issue.record("expected failure")
            return
        }
        #expect(result.errorReason == .invalidPaymentRequirements)
        #expect(d.log.all.last == "scheme.canceled:settlementNotStarted")
    }

    @Test func refundStyleShortCircuitSkipsTheHandler() async throws {
        let d = FakeDeployment { log in
            FakeServerScheme(log: log, afterVerify: { c, _ in
                c.paymentPayload.payload["type"] == "refund"
                    ? .skipHandler(DirectResponse(json: ["message": "Refund acknowledged", "channelId": "0xabc"]))
                    : .proceed
            })
        }
        let http = try await d.httpServer()
        var refund = fakePayload()
        refund.payload["type"] = "refund"
        guard case .respond(let response) = await http.processRequest(request("/paid", headers: try paymentHeader(refund))) else {
            Issue.record("expected a direct response")
            return
        }
        #expect(response.status == .ok)
        #expect(response.headerFields[.cacheControl] == "private")
        #expect(response.headerFields[.contentType] == "application/json")
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"message":"Refund acknowledged","channelId":"0xabc"}"#)
        #expect(try HeaderCodec.decodePaymentResponse(try #require(response.headerFields[.paymentResponse])).success)
        #expect(d.log.count("facilitator.settle:1000") == 1)

        // A failed refund settlement answers the 402 failure shape.
        d.facilitatorScheme.queueSettleResult(.failure("invalid_fake_refund_no_balance", network: Fake.network))
        guard case .respond(let failed) = await http.processRequest(request("/paid", headers: try paymentHeader(refund))) else {
            Issue.record("expected a direct response")
            return
        }
        #expect(failed.status.code == 402)
        #expect(try HeaderCodec.decodePaymentResponse(try #require(failed.headerFields[.paymentResponse])).errorReason == "invalid_fake_refund_no_balance")
    }

    @Test func unpriceableRouteIs500() async throws {
        let d = FakeDeployment()
        try await d.server.initialize()
        let http = X402HTTPResourceServer(server: d.server, routes: try RouteTable(["/paid": RouteConfig(accepts: [FakeDeployment.option("free")])]))
        guard case .respond(let response) = await http.processRequest(request("/paid")) else { Issue.record("expected 500"); return }
        #expect(response.status == .internalServerError)
    }

    @Test func initializeRejectsRoutesWithoutSchemeOrFacilitator() async throws {
        let d = FakeDeployment()
        var other = FakeDeployment.option()
        other.scheme = "exact"
        let http = X402HTTPResourceServer(server: d.server, routes: try RouteTable(["/x": RouteConfig(accepts: [other])]))
        #expect(await #expect(throws: X402Error.self) { try await http.initialize() }?.reason == .missingScheme)
    }
}

/// The three roles end to end, in process: client → HTTP resource server → LocalFacilitatorClient → facilitator.
@Suite struct EndToEndTests {
    @Test func clientPaysThroughServerAndFacilitator() async throws {
        let d = FakeDeployment()
        let http = try await d.httpServer(option: FakeDeployment.option("$0.002"))
        let client = X402Client(policy: PaymentSelectionPolicy(maxAmountPerPayment: "1000000"))
            .register(FakeClientScheme(log: d.log), for: .family("eip155"))

        // 1. Unpaid request → 402.
        guard case .paymentRequired(let challenge) = await http.processRequest(request("/paid")) else {
            Issue.record("expected 402")
            return
        }
        let required = try X402Client.paymentRequired(from: challenge.headerFields)
        // 2. Client pays.
        let (payload, header) = try await client.createPaymentHeader(for: required)
        #expect(payload.accepted == required.accepts[0] && payload.accepted.amount == "2000")
        var fields = HTTPFields()
        fields[.paymentSignature] = header
        guard case .proceed(let payment) = await http.processRequest(request("/paid", headers: fields)) else {
            Issue.record("expected the handler to run")
            return
        }
        // 3. Handler answers, server settles.
        var handlerHeaders = HTTPFields()
        guard case .settled(let settlement) = await http.settle(payment, responseStatus: .ok, responseHeaders: &handlerHeaders) else {
            Issue.record("expected settlement")
            return
        }
        let added = settlement.headerFields
        // 4. Client reads PAYMENT-RESPONSE.
        #expect(try await client.handlePaymentResponse(for: payload, status: .ok, headerFields: added) == .done)
        #expect(d.log.all == [
            "client.create:\(Fake.network)", "scheme.beforeVerify", "facilitator.verify", "scheme.afterVerify",
            "scheme.beforeSettle:2000", "scheme.enrichPayload", "facilitator.settle:2000", "scheme.afterSettle",
            "scheme.enrichResponse", "client.response:true:nil",
        ])
    }
}
