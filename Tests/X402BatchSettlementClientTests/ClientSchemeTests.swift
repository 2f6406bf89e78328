import HTTPTypes
import Testing
import X402BatchSettlement
import X402BatchSettlementClient
import X402Core
import X402EVM

@Suite struct ClientPaymentTests {
    @Test func firstPaymentDepositsTheHintThenVouchers() async throws {
        let seller = try await Seller()
        let storage = InMemoryClientChannelStorage()
        let client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), storage: storage)

        let first = try await client.payRound(seller)
        guard case .deposit(let deposit) = try BatchSettlementPayload(first.payload) else { Issue.record("not a deposit"); return }
        #expect(deposit.deposit.amount.value == 10_000)
        #expect(deposit.voucher.maxClaimableAmount.value == 1000)
        #expect(deposit.channelConfig.payerAuthorizer == Keys.wallet.address)
        #expect(first.answer.status == 200 && first.answer.settle?.success == true)
        #expect(first.decision == .done)
        var record = try #require(try await client.channelRecord(for: first.payload.accepted))
        #expect(record.chargedCumulativeAmount == 1000 && record.balance == 10_000 && record.depositsAuthorized == 10_000)

        let second = try await client.payRound(seller)
        guard case .voucher(let voucher) = try BatchSettlementPayload(second.payload) else { Issue.record("not a voucher"); return }
        #expect(voucher.voucher.maxClaimableAmount.value == 2000)
        #expect(second.answer.settle?.success == true)

        // A 50% Settlement-Override: the seller charges 500, the next voucher is 2500 + 1000.
        var overrides = HTTPFields()
        overrides[HTTPField.Name(X402Header.settlementOverrides)!] = #"{"amount":"50%"}"#
        _ = try await client.payRound(seller, handlerHeaders: overrides)
        record = try #require(try await client.channelRecord(for: first.payload.accepted))
        #expect(record.chargedCumulativeAmount == 2500 && record.signedMaxClaimable == 3000)
        let fourth = try await client.payRound(seller)
        #expect(try BatchSettlementPayload(fourth.payload).voucher?.maxClaimableAmount.value == 3500)
        #expect(client.serializationKey(for: first.payload.accepted, requestURL: nil) == record.channelId.hex.lowercased())
    }

    @Test func worksThroughX402Client() async throws {
        let seller = try await Seller()
        let scheme = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet))
        let client = X402Client().register(scheme, for: "eip155:*")
        for expected in ["deposit", "voucher", "voucher"] {
            let required = try await seller.paymentRequired()
            let payload = try await client.createPaymentPayload(for: required, requestURL: Seller.url)
            #expect(payload.payload["type"] == .string(expected))
            let answer = await seller.send(payload)
            var fields = HTTPFields()
            for (name, value) in answer.headers { fields[HTTPField.Name(name)!] = value }
            let decision = try await client.handlePaymentResponse(for: payload, status: HTTPResponse.Status(code: answer.status),
                                                                  headerFields: fields, requestURL: Seller.url)
            #expect(decision == .done)
        }
        #expect(try await scheme.channelRecord(for: requirement())?.chargedCumulativeAmount == 3000)
        #expect(client.serializationKey(for: requirement(), requestURL: nil) == (try scheme.channelId(for: requirement()).hex.lowercased()))
    }

    @Test func depositMultiplierIsValidatedAndUsedWithoutAHint() async throws {
        for bad in [0, 1, 2, -5] {
            #expect(throws: BatchSettlementClientError.self) {
                _ = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), configuration: .init(depositPolicy: DepositPolicy(depositMultiplier: bad)))
            }
        }
        let five = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet))
        #expect(try await five.payload(for: requirement(minDeposit: nil)).depositAmount == 5000)
        // A hint below the price or not digits is ignored.
        #expect(try await five.payload(for: requirement(minDeposit: "999")).depositAmount == 5000)
        #expect(try await five.payload(for: requirement(minDeposit: "1e4")).depositAmount == 5000)
        let three = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), configuration: .init(depositPolicy: DepositPolicy(depositMultiplier: 3)))
        #expect(try await three.payload(for: requirement(minDeposit: nil)).depositAmount == 3000)
        #expect(try await three.payload(for: requirement()).depositAmount == 10_000)
    }

    @Test func depositStrategySkipsCapsAndRaises() async throws {
        func client(_ decision: DepositDecision) throws -> BatchSettlementClientScheme {
            try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), configuration: .init(depositStrategy: { context in
                #expect(context.requiredDeposit == 1000 && context.proposedDeposit == 10_000)
                return decision
            }))
        }
        #expect(try await client(.skip).payload(for: requirement()).kind == .voucher)
        #expect(try await client(.amount(1000)).payload(for: requirement()).depositAmount == 1000)
        #expect(try await client(.amount(50_000)).payload(for: requirement()).depositAmount == 50_000)
        #expect(try await client(.accept).payload(for: requirement()).depositAmount == 10_000)
        await #expect(throws: BatchSettlementClientError.depositBelowRequired(deposit: 999, required: 1000)) {
            _ = try await client(.amount(999)).payload(for: requirement())
        }
        // A raise is still capped by the per-channel limit.
        let capped = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), configuration: .init(
            depositStrategy: { _ in .amount(50_000) }, limits: SpendingLimits(maxDepositPerChannel: 20_000)))
        #expect(try await capped.payload(for: requirement()).depositAmount == 20_000)
    }

    @Test func erc3009AndPermit2DepositShapes() async throws {
        let clock = TestClock()
        let client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), voucherSigner: PrivateKeySigner(Keys.session),
                                                     configuration: .init(clock: clock.read))
        guard case .deposit(let e) = try await client.payload(for: requirement()),
              case .erc3009(let auth) = e.deposit.authorization else { Issue.record("no eip3009 deposit"); return }
        let id = try client.channelId(for: requirement())
        #expect(e.channelConfig.payer == Keys.wallet.address && e.channelConfig.payerAuthorizer == Keys.session.address)
        #expect(auth.validBefore == TokenAmount(UInt256(clock.read() + 300)))
        let rwa = ReceiveWithAuthorization.deposit(payer: Keys.wallet.address, amount: 10_000, validBefore: clock.read() + 300,
                                                   channelId: id, salt: auth.salt)
        let domain = ERC3009Domain(name: "USDC", version: "2", chainId: 84532, token: Seller.usdc)
        #expect(try rwa.recoverSigner(Signature(auth.signature.bytes), in: domain) == Keys.wallet.address)
        #expect(try Voucher(channelId: id, maxClaimableAmount: 1000)
            .recoverSigner(Signature(e.voucher.signature.bytes), in: BatchSettlementDomain(chainId: 84532)) == Keys.session.address)

        // Permit2: a fresh client (no channel yet), `assetTransferMethod: permit2`.
        let p2client = try BatchSettlementClientScheme(wallet: PrivateKeySigner(Keys.wallet), configuration: .init(clock: clock.read))
        guard case .deposit(let p) = try await p2client.payload(for: requirement(method: "permit2", name: nil)),
              case .permit2(let permit) = p.deposit.authorization else { Issue.record("no permit2 deposit"); return }
        let pid = try p2client.channelId(for: requirement(method: "permit2"))
        #expect(permit.from == Keys.wallet.address && permit.spender == BatchSettlement.permit2CollectorAddress)
        #expect(permit.permitted.token == Seller.usdc && permit.permitted.amount == TokenAmount(UInt256(UInt128(10_000))))
        #expect(permit.witness.channelId == pid && permit.deadline == TokenAmount(UInt256(clock.read() + 300)))
        let typed = PermitWitnessTransferFrom(token: Seller.usdc, amount: UInt256(UInt128(10_000)), nonce: permit.nonce.value,
                                              deadline: permit.deadline.value, channelId: pid)
        #expect(try typed.recoverSigner(Signature(permit.signature.bytes), chainId: 84532) == Keys.wallet.address)
        let json = BatchSettlementPayload.deposit(p).jsonObject()
        #expect(json["deposit"]?["authorization"]?["permit2Authorization"]?["nonce"] == .string(permit.nonce.description))
        // Two payloads never share a salt / nonce.
        guard case .deposit(let p2) = try await p2client.payload(for: requirement(method: "permit2")),
              case .permit2(let permit2) = p2.deposit.authorization else { Issue.record("no permit2 deposit"); return }
        #expect(permit2.nonce != permit.nonce)
    }
}

extension BatchSettlementPayload {
    var depositAmount: UInt128? { if case .deposit(let d) = self { d.deposit.amount.value } else { nil } }
}
