import Foundation
import Testing
import X402BatchSettlementFacilitator
import X402Core
import X402EVM
import X402EVMMechanisms
import X402EVMRPC
import X402EVMRelayer
import X402Exact
import X402ExactFacilitator
import X402JSON
import X402Testing

// The exact facilitator against the devnet's ERC-3009 test USDC: every verify rule and code, settle with the
// receipt and Transfer log checked, replays, expiry and the failure paths. Part of the serialized devnet suite.
extension DevnetIntegrationTests {
    /// A valid payment verifies, settles with one transferWithAuthorization (funds move payer → payTo), and a retried
    /// settle of the same payment is answered from the journal: same transaction, nothing sent again.
    @Test func exactVerifySettleAndRetryReturnsTheSameTransaction() async throws {
        let f = try await ExactFixture()
        let payTo = freshReceiver(301)
        let requirements = ExactFixture.requirements(payTo: payTo)
        let payment = f.payment(f.authorization(now: try await f.now(), to: payTo), accepted: requirements)

        let verified = await f.registry.verify(payment, requirements: requirements)
        #expect(verified.isValid, "\(verified)")
        #expect(verified.payer == f.payer.address.checksummed)

        let settled = await f.registry.settle(payment, requirements: requirements)
        #expect(settled.success, "\(settled)")
        #expect(settled.payer == f.payer.address.checksummed && settled.network == "eip155:84532" && settled.errorReason == nil)
        let receipt = try #require(try await f.rpc.getTransactionReceipt(try Bytes32(hex: settled.transaction)))
        #expect(receipt.succeeded && receipt.from == f.relayerKey.address && receipt.to == Devnet.testUSDC)
        #expect(try await f.tokenBalance(payTo) == 10000)
        #expect(try await f.tokenBalance(f.payer.address) == 1_000_000_000 - 10000)

        // Retried (the first answer was lost): the recorded answer, no second transaction.
        let relayerNonce = try await f.rpc.getTransactionCount(f.relayerKey.address)
        let again = await f.registry.settle(payment, requirements: requirements)
        #expect(again == settled)
        #expect(try await f.rpc.getTransactionCount(f.relayerKey.address) == relayerNonce)
        #expect(try await f.tokenBalance(payTo) == 10000)
        #expect(try await f.journal.entry(hash: try Bytes32(hex: settled.transaction))?.purpose == "exact-transfer")

        // Verified again after settlement, the authorization is spent.
        let replayed = await f.registry.verify(payment, requirements: requirements)
        #expect(replayed.invalidReason == "invalid_exact_evm_nonce_already_used", "\(replayed)")
    }

    /// Replays that must not pay twice: another authorization reusing a spent nonce, a second facilitator (its own
    /// journal) settling a spent payment, and another seller presenting the payment for its own payTo.
    @Test func exactReplayedAuthorizationsAreRefused() async throws {
        let f = try await ExactFixture()
        let payTo = freshReceiver(302)
        let requirements = ExactFixture.requirements(payTo: payTo)
        let auth = f.authorization(now: try await f.now(), to: payTo)
        let payment = f.payment(auth, accepted: requirements)
        #expect(await f.registry.settle(payment, requirements: requirements).success)

        // The same nonce in a different authorization (another amount): the token has it marked used.
        var reuse = auth
        reuse.value = 5000
        let reuseRequirements = ExactFixture.requirements(payTo: payTo, amount: "5000")
        let reused = await f.registry.settle(f.payment(reuse, accepted: reuseRequirements), requirements: reuseRequirements)
        #expect(!reused.success && reused.errorReason == "invalid_exact_evm_nonce_already_used", "\(reused)")
        #expect(reused.transaction.isEmpty)

        // A second facilitator instance that never saw it (no shared journal): refused before broadcast.
        let other = try await ExactFixture()
        let second = await other.registry.settle(payment, requirements: requirements)
        #expect(!second.success && second.errorReason == "invalid_exact_evm_nonce_already_used", "\(second)")
        #expect(try await other.rpc.getTransactionCount(other.relayerKey.address) == 0)

        // Another seller presents the payment for itself: recipient mismatch, never the recorded success.
        let thief = ExactFixture.requirements(payTo: freshReceiver(303))
        var stolen = payment
        stolen.accepted = thief
        let refused = await f.registry.settle(stolen, requirements: thief)
        #expect(!refused.success && refused.errorReason == "invalid_exact_evm_payload_recipient_mismatch", "\(refused)")
        #expect(try await f.tokenBalance(payTo) == 10000)
    }

    /// validBefore at the 6-second edge, past, and validAfter in the future: refused at verify and at settle.
    @Test func exactExpiredAndNotYetValidAuthorizations() async throws {
        let f = try await ExactFixture()
        let payTo = freshReceiver(304)
        let requirements = ExactFixture.requirements(payTo: payTo)
        let wall = WallClock.seconds()
        for (auth, code) in [
            (f.authorization(now: try await f.now(), to: payTo, validBefore: wall + 3), "invalid_exact_evm_payload_authorization_valid_before"),
            (f.authorization(now: try await f.now(), to: payTo, validBefore: wall - 60), "invalid_exact_evm_payload_authorization_valid_before"),
            (f.authorization(now: try await f.now(), to: payTo, validAfter: wall + 600), "invalid_exact_evm_payload_authorization_valid_after"),
        ] {
            let payment = f.payment(auth, accepted: requirements)
            #expect(await f.registry.verify(payment, requirements: requirements).invalidReason?.rawValue == code)
            let settled = await f.registry.settle(payment, requirements: requirements)
            #expect(!settled.success && settled.errorReason?.rawValue == code && settled.transaction.isEmpty)
        }
        #expect(try await f.tokenBalance(payTo) == 0)
    }

    /// Each offline rule, and each chain rule, answers its SDK code; nothing is sent.
    @Test func exactVerifyRulesAnswerTheSDKCodes() async throws {
        let f = try await ExactFixture()
        let payTo = freshReceiver(305)
        let requirements = ExactFixture.requirements(payTo: payTo)
        let auth = f.authorization(now: try await f.now(), to: payTo)
        func code(_ payment: PaymentPayload, _ r: PaymentRequirements = requirements) async -> String {
            let answer = await f.registry.verify(payment, requirements: r)
            return answer.invalidReason?.rawValue ?? (answer.isValid ? "valid" : "no reason")
        }
        #expect(await code(f.payment(auth, accepted: requirements)) == "valid")

        var otherScheme = requirements
        otherScheme.scheme = "batch-settlement"
        #expect(await code(f.payment(auth, accepted: requirements), otherScheme) == "unsupported_scheme")
        var otherNetwork = requirements
        otherNetwork.network = "eip155:8453"
        #expect(await code(f.payment(auth, accepted: requirements), otherNetwork) == "network_mismatch")
        let noDomain = ExactFixture.requirements(payTo: payTo, extra: [:])
        #expect(await code(f.payment(auth, accepted: noDomain), noDomain) == "missing_eip712_domain")
        let elsewhere = ExactFixture.requirements(payTo: freshReceiver(306))
        #expect(await code(f.payment(auth, accepted: elsewhere), elsewhere) == "invalid_exact_evm_payload_recipient_mismatch")
        let cheaper = ExactFixture.requirements(payTo: payTo, amount: "9999")
        #expect(await code(f.payment(auth, accepted: cheaper), cheaper) == "invalid_exact_evm_payload_authorization_value_mismatch")

        // Signatures: another key, none, a 64-byte blob from an account without code, an ERC-6492 wrapper.
        #expect(await code(f.payment(auth, signer: ExactFixture.randomKey(), accepted: requirements)) == "invalid_exact_evm_payload_signature")
        var unsigned = f.payment(auth, accepted: requirements)
        unsigned.payload["signature"] = nil
        #expect(await code(unsigned) == "invalid_exact_evm_payload_signature")
        var short = unsigned
        short.payload["signature"] = .string("0x" + String(repeating: "11", count: 64))
        #expect(await code(short) == "invalid_exact_evm_payload_undeployed_smart_wallet")
        var wrapped = unsigned
        wrapped.payload["signature"] = .string("0x" + String(repeating: "22", count: 96) + String(repeating: "6492", count: 16))
        #expect(await code(wrapped) == "eip6492_factory_not_allowed")
        // Signed on another domain name than the token's: the signature is the payer's for the stated domain, the token
        // rejects it (its revert names the signature).
        let renamed = ExactFixture.requirements(payTo: payTo, extra: ["name": "USD Coin", "version": "2"])
        #expect(await code(f.payment(auth, name: "USD Coin", accepted: renamed), renamed) == "invalid_exact_evm_payload_signature")

        // The chain: an asset without code, a payer without funds, a malformed payload.
        // (Signed for that address's domain: a signature for another domain is refused first, as in the SDK.)
        let noToken = ExactFixture.requirements(payTo: payTo, asset: scratchAddress(307))
        #expect(await code(f.payment(auth, accepted: noToken), noToken) == "invalid_exact_evm_payload_signature")
        #expect(await code(f.payment(auth, token: scratchAddress(307), accepted: noToken), noToken) == "asset_not_deployed_contract")
        // A contract that reverts everything with an unnamed error: the diagnosis finds no authorizationState.
        let notERC3009 = scratchAddress(UInt64(311 + WallClock.millis() % 100_000))
        try await f.rpc.devnetSetCode(notERC3009, revertingCode)
        let other = ExactFixture.requirements(payTo: payTo, asset: notERC3009)
        #expect(await code(f.payment(auth, token: notERC3009, accepted: other), other) == "invalid_exact_evm_eip3009_not_supported")
        let poor = try await ExactFixture(payerFunds: 0)
        let poorPayment = poor.payment(poor.authorization(now: try await poor.now(), to: payTo), accepted: requirements)
        #expect(await code(poorPayment) == "invalid_exact_evm_insufficient_balance")
        #expect(await poor.registry.settle(poorPayment, requirements: requirements).errorReason == "invalid_exact_evm_insufficient_balance")
        var malformed = unsigned
        malformed.payload["authorization"] = "0x"
        #expect(await code(malformed) == "invalid_payload")
        #expect(await f.registry.settle(malformed, requirements: requirements).errorReason == "invalid_payload")
        #expect(try await f.rpc.getTransactionCount(f.relayerKey.address) == 0)
    }

    /// A contract wallet payer: the token asks its ERC-1271 `isValidSignature`; the owner's signature pays, another
    /// key's does not.
    @Test func exactERC1271WalletPays() async throws {
        let f = try await ExactFixture()
        let owner = ExactFixture.randomKey()
        try await f.rpc.devnetSetBalance(owner.address, UInt256(UInt64(1_000_000_000_000_000_000)))
        let artifact = try JSONParser.parse(Array(try Data(contentsOf: Self.repositoryRoot.appendingPathComponent("Contracts/artifacts/ERC1271Wallet.json"))))
        let wallet = scratchAddress(UInt64(308 + WallClock.millis() % 100_000))
        try await f.rpc.devnetSetCode(wallet, try Hex.decode(try #require(artifact["deployedBytecode"]?.stringValue)))
        let data = Array(Keccak256.hash("setOwner(address)").bytes.prefix(4)) + owner.address.word.bytes
        let tx = LegacyTransaction(chainId: 84532, nonce: 0, gasPrice: try await f.rpc.gasPrice(), gasLimit: 200_000, to: wallet, data: data)
        #expect(try await f.rpc.waitForTransactionReceipt(try await f.rpc.sendRawTransaction(tx.signed(with: owner).raw)).succeeded)
        _ = try await f.rpc.request("devnet_mint", [.string(Devnet.testUSDC.lowercased), .string(wallet.lowercased), .string("0x186a0")])

        let payTo = freshReceiver(309)
        let requirements = ExactFixture.requirements(payTo: payTo)
        let stranger = f.payment(f.authorization(now: try await f.now(), to: payTo, from: wallet), signer: ExactFixture.randomKey(), accepted: requirements)
        #expect(await f.registry.verify(stranger, requirements: requirements).invalidReason == "invalid_exact_evm_payload_signature")
        let payment = f.payment(f.authorization(now: try await f.now(), to: payTo, from: wallet), signer: owner, accepted: requirements)
        #expect(await f.registry.verify(payment, requirements: requirements).isValid)
        let settled = await f.registry.settle(payment, requirements: requirements)
        #expect(settled.success && settled.payer == wallet.checksummed, "\(settled)")
        #expect(try await f.tokenBalance(payTo) == 10000)
    }

    /// The receipt does not come in time: `settlement_pending` with the hash; the retry, once receipts are visible,
    /// reconciles against the same transaction (sent once).
    @Test func exactUnconfirmedSettlementIsPendingThenReconciled() async throws {
        let proxy = try RPCProxy(upstream: try await Devnet.shared().url)
        let f = try await ExactFixture(rpcURL: proxy.url, receiptTimeout: .milliseconds(800))
        let payTo = freshReceiver(310)
        let requirements = ExactFixture.requirements(payTo: payTo)
        let payment = f.payment(f.authorization(now: try await f.now(), to: payTo), accepted: requirements)
        proxy.set(.hideReceipts)
        let pending = await f.registry.settle(payment, requirements: requirements)
        #expect(!pending.success && pending.errorReason == "settlement_pending" && !pending.transaction.isEmpty, "\(pending)")
        proxy.set(.forward)
        let settled = await f.registry.settle(payment, requirements: requirements)
        #expect(settled.success && settled.transaction == pending.transaction, "\(settled)")
        #expect(try await f.rpc.getTransactionCount(f.relayerKey.address) == 1)
        #expect(try await f.tokenBalance(payTo) == 10000)
    }

    /// One facilitator serves both schemes through one relayer: /supported lists a kind for each.
    @Test func facilitatorSupportsExactBesideBatchSettlement() async throws {
        let f = try await ExactFixture()
        let batch = BatchSettlementFacilitator(relayer: f.relayer,
                                               configuration: BatchSettlementFacilitatorConfiguration(chainId: 84532,
                                                                                                      authorizerKey: FacilitatorFixture.authorizerKey))
        let supported = X402Facilitator().register(batch, networks: [ExactFixture.network]).register(f.facilitator, networks: [ExactFixture.network])
            .supported()
        #expect(supported.kinds.map(\.scheme) == ["batch-settlement", "exact"])
        #expect(supported.kind(scheme: "exact", network: "eip155:84532")?.extra == nil)
        #expect(supported.signers["eip155:*"] == [f.relayerKey.address.checksummed])
    }
}
