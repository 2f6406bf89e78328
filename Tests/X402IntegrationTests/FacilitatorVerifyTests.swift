import Testing
import X402BatchSettlement
import X402BatchSettlementFacilitator
import X402Core
import X402EVM
import X402EVMRPC
import X402EVMRelayer
import X402Testing

// Every /verify rule of protocol.md B.17 against the devnet, one broken field at a time, in order.
extension DevnetIntegrationTests {
    @Test func voucherVerifyRulesAndErrorCodes() async throws {
        let f = try await FacilitatorFixture()
        let receiver = freshReceiver(20)
        let config = try await f.open(receiver: receiver, salt: uniqueSalt(20), amount: 10_000, first: 1000)
        let requirements = FacilitatorFixture.requirements(receiver: receiver, amount: 1000)
        func verify(_ v: SignedVoucher, config c: ChannelConfig = config, requirements r: PaymentRequirements? = nil,
                    refund: Bool = false) async -> VerifyResponse {
            let req = r ?? requirements
            let payload: BatchSettlementPayload = refund ? .refund(RefundPayload(channelConfig: c, voucher: v))
                                                        : .voucher(VoucherPayload(channelConfig: c, voucher: v))
            return await f.registry.verify(FacilitatorFixture.payment(payload, req), requirements: req)
        }
        func code(_ r: VerifyResponse) -> String { r.invalidReason?.rawValue.replacingOccurrences(of: "invalid_batch_settlement_evm_", with: "") ?? "valid" }

        let good = await verify(FacilitatorFixture.voucher(config, 2000))
        #expect(good.isValid && good.extra?["balance"] == "10000" && good.extra?["refundNonce"] == "0", "\(good)")

        // Config checks, in order.
        var other = config
        other.salt = Bytes32(0, 0, 0, 12345)
        #expect(code(await verify(FacilitatorFixture.voucher(config, 2000), config: other)) == "channel_id_mismatch")
        let wrongPayTo = FacilitatorFixture.requirements(receiver: freshReceiver(21))
        #expect(code(await verify(FacilitatorFixture.voucher(config, 2000), requirements: wrongPayTo)) == "receiver_mismatch")
        var noAuthorizer = requirements
        noAuthorizer.extra["receiverAuthorizer"] = .string(Address.zero.checksummed)
        #expect(code(await verify(FacilitatorFixture.voucher(config, 2000), requirements: noAuthorizer)) == "receiver_authorizer_mismatch")
        var wrongToken = requirements
        wrongToken.asset = Devnet.multicall3.checksummed
        #expect(code(await verify(FacilitatorFixture.voucher(config, 2000), requirements: wrongToken)) == "token_mismatch")
        var wrongDelay = requirements
        wrongDelay.extra["withdrawDelay"] = 1000
        #expect(code(await verify(FacilitatorFixture.voucher(config, 2000), requirements: wrongDelay)) == "withdraw_delay_mismatch")
        let tooShort = FacilitatorFixture.channel(receiver: receiver, salt: 7, withdrawDelay: 60)
        var shortDelay = requirements
        shortDelay.extra["withdrawDelay"] = nil
        #expect(code(await verify(FacilitatorFixture.voucher(tooShort, 2000), config: tooShort, requirements: shortDelay)) == "withdraw_delay_out_of_range")

        // Signature: another key, a truncated signature.
        #expect(code(await verify(FacilitatorFixture.voucher(config, 2000, key: Devnet.accounts[7].privateKey))) == "voucher_signature")
        var truncated = FacilitatorFixture.voucher(config, 2000)
        truncated.signature = HexBytes(Array(truncated.signature.bytes.prefix(64)))
        #expect(code(await verify(truncated)) == "voucher_signature")

        // Chain state.
        let unopened = FacilitatorFixture.channel(receiver: receiver, salt: uniqueSalt(22))
        #expect(code(await verify(FacilitatorFixture.voucher(unopened, 2000), config: unopened)) == "channel_not_found")
        #expect(code(await verify(FacilitatorFixture.voucher(config, 10_001))) == "cumulative_exceeds_balance")
        // Claim 3000, then a voucher at or below it is stale; a refund voucher may equal it.
        let v3000 = FacilitatorFixture.voucher(config, 3000)
        let job = FacilitatorFixture.jobRequirements(receiver: receiver)
        let claim = FacilitatorFixture.payment(.claim(ClaimPayload(claims: [
            ClaimRowPayload(channel: config, maxClaimableAmount: 3000, signature: v3000.signature, totalClaimed: 3000),
        ])), job)
        #expect(await FacilitatorFixture.asOwner(of: [receiver]) { await f.registry.settle(claim, requirements: job) }.success)
        #expect(code(await verify(v3000)) == "cumulative_below_claimed")
        #expect(code(await verify(FacilitatorFixture.voucher(config, 2999), refund: true)) == "cumulative_below_claimed")
        #expect(await verify(v3000, refund: true).isValid)
        // The newer spec's floor: above totalClaimed but not by the request amount.
        #expect(code(await verify(FacilitatorFixture.voucher(config, 3500))) == "cumulative_below_claimed")
        #expect(await verify(FacilitatorFixture.voucher(config, 4000)).isValid)

        // Scheme, network and payload type.
        var wrongScheme = FacilitatorFixture.payment(.voucher(VoucherPayload(channelConfig: config, voucher: v3000)), requirements)
        wrongScheme.accepted.network = "eip155:1"
        #expect(try await f.facilitator.verify(wrongScheme, requirements: requirements).invalidReason?.rawValue
                == "invalid_batch_settlement_evm_network_mismatch")
        var exact = requirements
        exact.scheme = "exact"
        #expect(try await f.facilitator.verify(wrongScheme, requirements: exact).invalidReason?.rawValue == "invalid_batch_settlement_evm_scheme")
        var bogus = FacilitatorFixture.payment(.voucher(VoucherPayload(channelConfig: config, voucher: v3000)), requirements)
        bogus.payload["type"] = "teleport"
        #expect(await f.registry.verify(bogus, requirements: requirements).invalidReason?.rawValue == "invalid_batch_settlement_evm_payload_type")
        let settleOnly = FacilitatorFixture.payment(.voucher(VoucherPayload(channelConfig: config, voucher: v3000)), requirements)
        #expect(await f.registry.settle(settleOnly, requirements: requirements).errorReason?.rawValue
                == "invalid_batch_settlement_evm_payload_type")
    }

    @Test func depositVerifyRulesAndErrorCodes() async throws {
        let wallNow = WallClock.seconds()
        let f = try await FacilitatorFixture()
        let receiver = freshReceiver(30)
        let requirements = FacilitatorFixture.requirements(receiver: receiver)
        let before = try await f.validBefore()
        func verify(_ d: DepositPayload, requirements r: PaymentRequirements? = nil) async -> String {
            let req = r ?? requirements
            let response = await f.registry.verify(FacilitatorFixture.payment(.deposit(d), req), requirements: req)
            return response.invalidReason?.rawValue.replacingOccurrences(of: "invalid_batch_settlement_evm_", with: "") ?? "valid"
        }
        let config = FacilitatorFixture.channel(receiver: receiver, salt: uniqueSalt(30))
        #expect(await verify(FacilitatorFixture.depositPayload(config, amount: 5000, max: 1000, validBefore: before)) == "valid")

        // ERC-3009 window: expired (inside the 6 s buffer) and not yet valid.
        #expect(await verify(FacilitatorFixture.depositPayload(config, amount: 5000, max: 1000, validBefore: wallNow + 3))
                == "payload_authorization_valid_before")
        var early = FacilitatorFixture.depositPayload(config, amount: 5000, max: 1000, validBefore: before)
        if case .erc3009(var auth) = early.deposit.authorization {
            auth.validAfter = TokenAmount(UInt256(wallNow + 600))
            early.deposit.authorization = .erc3009(auth)
        }
        #expect(await verify(early) == "payload_authorization_valid_after")
        // The token's EIP-712 domain is required; a signature over other fields fails.
        var noDomain = requirements
        noDomain.extra["name"] = nil
        #expect(await verify(FacilitatorFixture.depositPayload(config, amount: 5000, max: 1000, validBefore: before),
                             requirements: noDomain) == "missing_eip712_domain")
        var tampered = FacilitatorFixture.depositPayload(config, amount: 5000, max: 1000, validBefore: before)
        tampered.deposit.amount = 6000
        #expect(await verify(tampered) == "receive_authorization_signature")
        // Permit2 chosen by the requirement but an ERC-3009 authorization sent.
        var permit2Only = requirements
        permit2Only.extra["assetTransferMethod"] = "permit2"
        #expect(await verify(FacilitatorFixture.depositPayload(config, amount: 5000, max: 1000, validBefore: before),
                             requirements: permit2Only) == "payload_type")

        // Shared checks: voucher signature, balances, the ceiling.
        var badVoucher = FacilitatorFixture.depositPayload(config, amount: 5000, max: 1000, validBefore: before)
        badVoucher.voucher = FacilitatorFixture.voucher(config, 1000, key: Devnet.accounts[7].privateKey)
        #expect(await verify(badVoucher) == "voucher_signature")
        #expect(await verify(FacilitatorFixture.depositPayload(config, amount: 5000, max: 5001, validBefore: before))
                == "cumulative_exceeds_balance")
        let huge = UInt128(1) << 100
        #expect(await verify(FacilitatorFixture.depositPayload(config, amount: huge, max: 1000, validBefore: before)) == "insufficient_balance")
        // Below the request amount (newer spec): 500 < 0 + 1000.
        #expect(await verify(FacilitatorFixture.depositPayload(config, amount: 5000, max: 500, validBefore: before))
                == "cumulative_below_claimed")
    }
}
