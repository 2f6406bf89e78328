import Testing
import X402BatchSettlement
import X402BatchSettlementFacilitator
import X402Core
import X402EVM
import X402EVMRPC
import X402EVMRelayer
import X402Testing

// The batch-settlement facilitator against the real contracts: every settle type end to end, with
// balances and events checked on chain. Part of the serialized devnet suite.
extension DevnetIntegrationTests {
    @Test func depositVerifySettleAndRetryReturnsTheRecordedOutcome() async throws {
        let f = try await FacilitatorFixture()
        let receiver = freshReceiver(1)
        let config = FacilitatorFixture.channel(receiver: receiver, salt: uniqueSalt(1))
        let requirements = FacilitatorFixture.requirements(receiver: receiver)
        let payload = FacilitatorFixture.payment(.deposit(FacilitatorFixture.depositPayload(config, amount: 10_000, max: 1000,
                                                                                                validBefore: try await f.validBefore())), requirements)
        let payerBefore = try await f.tokenBalance(config.payer)

        let verified = await f.registry.verify(payload, requirements: requirements)
        #expect(verified.isValid, "\(verified)")
        #expect(verified.payer == config.payer.checksummed)
        #expect(verified.extra?["balance"] == "0" && verified.extra?["totalClaimed"] == "0")  // pre-deposit snapshot
        #expect(verified.extra?["channelId"] == .string(config.channelId(chainId: 84532).hex))

        let settled = await f.registry.settle(payload, requirements: requirements)
        #expect(settled.success, "\(settled)")
        #expect(settled.amount == "10000" && settled.payer == config.payer.checksummed && settled.network == "eip155:84532")
        let state = try #require(settled.extra?["channelState"]?.objectValue)
        #expect(state["balance"] == "10000" && state["totalClaimed"] == "0" && state["refundNonce"] == "0")
        #expect(state["withdrawRequestedAt"] == 0)
        #expect(try await f.onchainChannel(config).balance == 10_000)
        #expect(try await f.tokenBalance(config.payer) == payerBefore - 10_000)
        let receipt = try #require(try await f.rpc.getTransactionReceipt(try Bytes32(hex: settled.transaction)))
        #expect(receipt.succeeded && receipt.from == FacilitatorFixture.relayerKey.address)

        // The answer was lost; the seller retries the same deposit: same transaction, nothing new sent.
        let relayerNonce = try await f.rpc.getTransactionCount(FacilitatorFixture.relayerKey.address)
        let retried = await f.registry.settle(payload, requirements: requirements)
        #expect(retried == settled)
        #expect(try await f.rpc.getTransactionCount(FacilitatorFixture.relayerKey.address) == relayerNonce)
        #expect(try await f.onchainChannel(config).balance == 10_000)

        // A fresh facilitator on the same journal (a restart) answers the same.
        let restarted = try await FacilitatorFixture(journal: f.journal)
        #expect(await restarted.registry.settle(payload, requirements: requirements) == settled)

        // Verify again now: the authorization is spent, the simulation says so.
        let again = await f.registry.verify(payload, requirements: requirements)
        #expect(!again.isValid && again.invalidReason?.rawValue == "invalid_batch_settlement_evm_deposit_simulation_failed")
    }

    @Test func claimSettleAndRefundEndToEnd() async throws {
        let f = try await FacilitatorFixture()
        let receiver = freshReceiver(2)
        let config = try await f.open(receiver: receiver, salt: uniqueSalt(2))
        let job = FacilitatorFixture.jobRequirements(receiver: receiver)

        // Claim 3000 of a 3000 voucher, signed by the facilitator for the authenticated seller.
        let voucher = FacilitatorFixture.voucher(config, 3000)
        let row = ClaimRowPayload(channel: config, maxClaimableAmount: 3000, signature: voucher.signature, totalClaimed: 3000)
        let claim = FacilitatorFixture.payment(.claim(ClaimPayload(claims: [row])), job)
        let anonymous = await f.registry.settle(claim, requirements: job)
        #expect(!anonymous.success && anonymous.errorReason?.rawValue == "invalid_batch_settlement_evm_unauthorized_caller")
        let stranger = await FacilitatorFixture.asOwner(of: [freshReceiver(99)]) { await f.registry.settle(claim, requirements: job) }
        #expect(!stranger.success && stranger.errorReason?.rawValue == "invalid_batch_settlement_evm_unauthorized_caller")
        let claimed = await FacilitatorFixture.asOwner(of: [receiver]) { await f.registry.settle(claim, requirements: job) }
        #expect(claimed.success && claimed.payer == nil && claimed.amount == nil, "\(claimed)")
        #expect(try await f.onchainChannel(config).totalClaimed == 3000)
        // The same claim again: answered from the journal.
        #expect(await FacilitatorFixture.asOwner(of: [receiver]) { await f.registry.settle(claim, requirements: job) } == claimed)

        // Settle pays the receiver exactly the claimed amount (from the Settled event).
        let settlePayload = FacilitatorFixture.payment(.settle(SettlePayload(receiver: receiver, token: Devnet.testUSDC)), job)
        let settled = await f.registry.settle(settlePayload, requirements: job)
        #expect(settled.success && settled.amount == "3000", "\(settled)")
        #expect(try await f.tokenBalance(receiver) == 3000)
        #expect(try await f.receiverTotals(receiver) == ReceiverTotals(totalClaimed: 3000, totalSettled: 3000))
        // A retry of the same settle returns the recorded answer; nothing is paid twice.
        #expect(await f.registry.settle(settlePayload, requirements: job) == settled)
        #expect(try await f.tokenBalance(receiver) == 3000)
        // A receiver with nothing claimed: nothing to settle (the SDK's failure code).
        let empty = FacilitatorFixture.payment(.settle(SettlePayload(receiver: freshReceiver(98), token: Devnet.testUSDC)), job)
        #expect(await f.registry.settle(empty, requirements: job).errorReason?.rawValue == "invalid_batch_settlement_evm_nothing_to_settle")

        // Enriched refund of the rest (a 3500 voucher; 500 more claimed in the same multicall).
        let refundVoucher = FacilitatorFixture.voucher(config, 3500)
        let refund = EnrichedRefundPayload(
            channelConfig: config, voucher: refundVoucher, amount: 10_000, refundNonce: 0,
            claims: [ClaimRowPayload(channel: config, maxClaimableAmount: 3500, signature: refundVoucher.signature, totalClaimed: 3500)])
        let refundPayload = FacilitatorFixture.payment(.enrichedRefund(refund), job)
        let denied = await f.registry.settle(refundPayload, requirements: job)
        #expect(!denied.success && denied.errorReason?.rawValue == "invalid_batch_settlement_evm_unauthorized_caller")
        #expect(try await f.onchainChannel(config).balance == 10_000)  // the unauthenticated refund moved nothing
        let payerBefore = try await f.tokenBalance(config.payer)
        let refunded = await FacilitatorFixture.asOwner(of: [receiver]) { await f.registry.settle(refundPayload, requirements: job) }
        #expect(refunded.success && refunded.amount == "6500", "\(refunded)")
        let state = try #require(refunded.extra?["channelState"]?.objectValue)
        #expect(state["balance"] == "3500" && state["totalClaimed"] == "3500" && state["refundNonce"] == "1")
        #expect(try await f.tokenBalance(config.payer) == payerBefore + 6500)
        let onchain = try await f.onchainChannel(config)
        #expect(onchain.balance == 3500 && onchain.totalClaimed == 3500)
        // Nothing left to refund.
        let none = EnrichedRefundPayload(channelConfig: config, voucher: refundVoucher, amount: 1, refundNonce: 1, claims: [])
        let noBalance = await FacilitatorFixture.asOwner(of: [receiver]) {
            await f.registry.settle(FacilitatorFixture.payment(.enrichedRefund(none), job), requirements: job)
        }
        #expect(noBalance.errorReason?.rawValue == "invalid_batch_settlement_evm_refund_no_balance")
    }

    @Test func claimBatchIsolatesBadRows() async throws {
        let f = try await FacilitatorFixture()
        let receiver = freshReceiver(3)
        var configs: [ChannelConfig] = []
        for i in 0..<4 { configs.append(try await f.open(receiver: receiver, salt: uniqueSalt(10 + UInt64(i)), amount: 5000)) }
        var rows = configs.map { c -> ClaimRowPayload in
            let v = FacilitatorFixture.voucher(c, 2000)
            return ClaimRowPayload(channel: c, maxClaimableAmount: 2000, signature: v.signature, totalClaimed: 2000)
        }
        // Row 1 claims more than its balance; row 3 carries another key's signature.
        let greedy = FacilitatorFixture.voucher(configs[1], 9000)
        rows[1] = ClaimRowPayload(channel: configs[1], maxClaimableAmount: 9000, signature: greedy.signature, totalClaimed: 9000)
        let forged = FacilitatorFixture.voucher(configs[3], 2000, key: Devnet.accounts[7].privateKey)
        rows[3] = ClaimRowPayload(channel: configs[3], maxClaimableAmount: 2000, signature: forged.signature, totalClaimed: 2000)
        let job = FacilitatorFixture.jobRequirements(receiver: receiver)
        let response = await FacilitatorFixture.asOwner(of: [receiver]) {
            await f.registry.settle(FacilitatorFixture.payment(.claim(ClaimPayload(claims: rows)), job), requirements: job)
        }
        #expect(response.success, "\(response)")
        let failed = try #require(response.extra?["failedChannels"]?.arrayValue).compactMap(\.stringValue)
        #expect(Set(failed) == Set([configs[1], configs[3]].map { $0.channelId(chainId: 84532).hex }))
        #expect(try await f.onchainChannel(configs[0]).totalClaimed == 2000)
        #expect(try await f.onchainChannel(configs[1]).totalClaimed == 0)
        #expect(try await f.onchainChannel(configs[2]).totalClaimed == 2000)
        #expect(try await f.onchainChannel(configs[3]).totalClaimed == 0)
        #expect(try await f.receiverTotals(receiver).totalClaimed == 4000)
    }

    @Test func concurrentDepositsClaimsAndSettlesNeverCollide() async throws {
        // Two relayer keys, round-robin; eight tasks at once.
        let f = try await FacilitatorFixture(relayerKeys: [FacilitatorFixture.relayerKey, Devnet.accounts[8].privateKey])
        let receiver = freshReceiver(4)
        let base = uniqueSalt(40)
        let configs = try await withThrowingTaskGroup(of: ChannelConfig.self) { group in
            for i in 0..<8 { group.addTask { try await f.open(receiver: receiver, salt: base &+ UInt64(i) << 9, amount: 4000) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(configs.count == 8)
        let job = FacilitatorFixture.jobRequirements(receiver: receiver)
        // Claims (one per channel) and settles race each other.
        let results = await FacilitatorFixture.asOwner(of: [receiver]) {
            await withTaskGroup(of: SettleResponse.self) { group in
                for c in configs {
                    group.addTask {
                        let v = FacilitatorFixture.voucher(c, 1000)
                        let row = ClaimRowPayload(channel: c, maxClaimableAmount: 1000, signature: v.signature, totalClaimed: 1000)
                        return await f.registry.settle(FacilitatorFixture.payment(.claim(ClaimPayload(claims: [row])), job), requirements: job)
                    }
                }
                return await group.reduce(into: [SettleResponse]()) { $0.append($1) }
            }
        }
        #expect(results.allSatisfy { $0.success }, "\(results.filter { !$0.success })")
        #expect(Set(results.map(\.transaction)).count == 8)
        #expect(try await f.receiverTotals(receiver).totalClaimed == 8000)
        let settled = await f.registry.settle(FacilitatorFixture.payment(.settle(SettlePayload(receiver: receiver, token: Devnet.testUSDC)), job),
                                              requirements: job)
        #expect(settled.success && settled.amount == "8000", "\(settled)")
        // Both keys were used, and every journaled nonce is distinct per key.
        let senders = try await withThrowingTaskGroup(of: Address.self) { group in
            for r in results { group.addTask { try #require(try await f.rpc.getTransactionReceipt(try Bytes32(hex: r.transaction))).from } }
            return try await group.reduce(into: Set<Address>()) { $0.insert($1) }
        }
        #expect(senders == Set([FacilitatorFixture.relayerKey.address, Devnet.accounts[8].privateKey.address]))
        // Both are listed as signers in /supported, with the authorizer in the kind's extra.
        let supported = f.registry.supported()
        #expect(supported.signers["eip155:*"] == [FacilitatorFixture.relayerKey.address.checksummed, Devnet.accounts[8].address.checksummed])
        #expect(supported.kinds.first?.extra?["receiverAuthorizer"] == .string(FacilitatorFixture.authorizerKey.address.checksummed))
    }

    @Test func claimBatchesAreSizedByEstimatedGas() async throws {
        // The relayer may use 1% of the 30 M block gas limit (300 k): ten rows (about 260 k, plus the margin) need two.
        let f = try await FacilitatorFixture(maxBlockGasPercent: 1)
        let receiver = freshReceiver(5)
        let base = uniqueSalt(50)
        var rows: [ClaimRowPayload] = []
        var configs: [ChannelConfig] = []
        for i in 0..<10 {
            let c = try await f.open(receiver: receiver, salt: base &+ UInt64(i) << 9, amount: 3000)
            let v = FacilitatorFixture.voucher(c, 1500)
            configs.append(c)
            rows.append(ClaimRowPayload(channel: c, maxClaimableAmount: 1500, signature: v.signature, totalClaimed: 1500))
        }
        let job = FacilitatorFixture.jobRequirements(receiver: receiver)
        let response = await FacilitatorFixture.asOwner(of: [receiver]) {
            await f.registry.settle(FacilitatorFixture.payment(.claim(ClaimPayload(claims: rows)), job), requirements: job)
        }
        #expect(response.success, "\(response)")
        let transactions = try #require(response.extra?["transactions"]?.arrayValue).compactMap(\.stringValue)
        #expect(transactions.count > 1 && transactions.last == response.transaction)
        for hash in transactions {
            let receipt = try #require(try await f.rpc.getTransactionReceipt(try Bytes32(hex: hash)))
            #expect(receipt.succeeded && receipt.gasUsed <= 300_000)
        }
        #expect(try await f.receiverTotals(receiver).totalClaimed == 15_000)
        for c in configs { #expect(try await f.onchainChannel(c).totalClaimed == 1500) }
    }
}
