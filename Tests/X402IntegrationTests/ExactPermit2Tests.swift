import Foundation
import Testing
import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMMechanisms
import X402EVMRPC
import X402EVMRelayer
import X402Exact
import X402ExactFacilitator
import X402Testing

// `exact` paid through Permit2 against the devnet's Permit2 and x402ExactPermit2Proxy twins: the chain rules, settle
// through the proxy with the receipt and Transfer log checked, a retried settle, a replay by another facilitator.
extension DevnetIntegrationTests {
    @Test func exactPermit2VerifySettleRetryAndReplay() async throws {
        let f = try await ExactFixture()
        let payTo = freshReceiver(320)
        let requirements = ExactFixture.requirements(payTo: payTo, extra: ["assetTransferMethod": "permit2"])
        let now = try await f.now()
        func permit(_ nonce: UInt256, amount: UInt256 = 10000, token: Address = Devnet.testUSDC) -> ExactPermit2Authorization {
            ExactPermit2Authorization(from: f.payer.address, token: token, amount: amount, nonce: nonce, deadline: UInt256(now + 3600),
                                      to: payTo)
        }
        func payment(_ permit: ExactPermit2Authorization, signer: PrivateKey? = nil,
                     accepted: PaymentRequirements = requirements) -> PaymentPayload {
            let signature = (signer ?? f.payer).sign(digest: permit.digest(chainId: ExactFixture.chainId))
            return PaymentPayload(payload: ExactPermit2Payload(authorization: permit, signature: signature.bytes).jsonObject, accepted: accepted)
        }
        func code(_ p: PaymentPayload, _ r: PaymentRequirements = requirements) async -> String {
            let answer = await f.registry.verify(p, requirements: r)
            return answer.isValid ? "valid" : answer.invalidReason?.rawValue ?? "?"
        }
        let nonce = UInt256(UInt64.random(in: 1...UInt64.max))

        // No Permit2 allowance yet: refused, nothing sent.
        #expect(await code(payment(permit(nonce))) == "permit2_allowance_required")
        // The payer approves Permit2 once (a plain ERC-20 approve, its own gas).
        try await f.rpc.devnetSetBalance(f.payer.address, UInt256(UInt64(1_000_000_000_000_000_000)))
        let approve: [UInt8] = [0x09, 0x5e, 0xa7, 0xb3] + Exact.permit2Address.word.bytes + UInt256.max.word.bytes
        let tx = LegacyTransaction(chainId: 84532, nonce: try await f.rpc.getTransactionCount(f.payer.address, block: .pending),
                                   gasPrice: try await f.rpc.gasPrice(), gasLimit: 200_000, to: Devnet.testUSDC, data: approve)
        #expect(try await f.rpc.waitForTransactionReceipt(try await f.rpc.sendRawTransaction(tx.signed(with: f.payer).raw)).succeeded)

        // The chain rules: another signer, more than the balance, an asset without code.
        #expect(await code(payment(permit(nonce), signer: ExactFixture.randomKey())) == "invalid_permit2_signature")
        let rich = ExactFixture.requirements(payTo: payTo, amount: "2000000000", extra: ["assetTransferMethod": "permit2"])
        #expect(await code(payment(permit(nonce, amount: 2_000_000_000), accepted: rich), rich) == "invalid_exact_evm_insufficient_balance")
        let noCode = ExactFixture.requirements(payTo: payTo, asset: scratchAddress(321), extra: ["assetTransferMethod": "permit2"])
        #expect(await code(payment(permit(nonce, token: scratchAddress(321)), accepted: noCode), noCode) == "asset_not_deployed_contract")

        // Valid: settled through the proxy, funds payer → payTo.
        let paid = payment(permit(nonce))
        #expect(await code(paid) == "valid")
        let settled = await f.registry.settle(paid, requirements: requirements)
        #expect(settled.success && settled.payer == f.payer.address.checksummed, "\(settled)")
        let receipt = try #require(try await f.rpc.getTransactionReceipt(try Bytes32(hex: settled.transaction)))
        #expect(receipt.succeeded && receipt.from == f.relayerKey.address && receipt.to == Exact.permit2ProxyAddress)
        #expect(try await f.tokenBalance(payTo) == 10000)
        #expect(try await f.tokenBalance(f.payer.address) == 1_000_000_000 - 10000)
        #expect(try await f.journal.entry(hash: try Bytes32(hex: settled.transaction))?.purpose == "exact-permit2-settle")

        // Retried: the recorded answer, no second transaction.
        let relayerNonce = try await f.rpc.getTransactionCount(f.relayerKey.address)
        #expect(await f.registry.settle(paid, requirements: requirements) == settled)
        #expect(try await f.rpc.getTransactionCount(f.relayerKey.address) == relayerNonce)

        // Another facilitator (its own journal) settling the spent permit: Permit2 refuses the nonce; nothing moves.
        let other = try await ExactFixture()
        let replay = await other.registry.settle(paid, requirements: requirements)
        #expect(!replay.success && replay.errorReason == "permit2_invalid_nonce", "\(replay)")
        #expect(try await f.tokenBalance(payTo) == 10000)
    }
}

extension DevnetIntegrationTests {
    /// A payer that never approved Permit2 pays with an EIP-2612 permit of Permit2 in the `eip2612GasSponsoring`
    /// extension: the facilitator checks it as the SDK does and settles through `settleWithPermit`; the payer sends
    /// no transaction of its own.
    @Test func exactPermit2WithEIP2612Sponsorship() async throws {
        let f = try await ExactFixture()
        let payTo = freshReceiver(322)
        let requirements = ExactFixture.requirements(payTo: payTo, extra: ["assetTransferMethod": "permit2"])
        let now = try await f.now()
        let deadline = now + 3600
        let permit = ExactPermit2Authorization(from: f.payer.address, token: Devnet.testUSDC, amount: 10000,
                                               nonce: UInt256(UInt64.random(in: 1...UInt64.max)), deadline: UInt256(deadline), to: payTo)
        // EIP-2612 Permit(owner, spender = Permit2, value, nonce 0, deadline) in the token's domain.
        func eip2612(value: UInt256) -> String {
            let permit = EIP2612Permit(owner: f.payer.address, spender: Exact.permit2Address, value: value, nonce: 0,
                                       deadline: UInt256(deadline))
            let domain = ERC3009Domain(name: "USDC", version: "2", chainId: 84532, token: Devnet.testUSDC)
            return f.payer.sign(digest: permit.digest(in: domain)).hex
        }
        func payment(value: UInt256 = 10000, spender: Address = Exact.permit2Address, from: Address? = nil,
                     deadline sponsorDeadline: UInt64 = deadline) -> PaymentPayload {
            let signature = f.payer.sign(digest: permit.digest(chainId: ExactFixture.chainId))
            var p = PaymentPayload(payload: ExactPermit2Payload(authorization: permit, signature: signature.bytes).jsonObject,
                                   accepted: requirements)
            p.extensions = [EIP2612Sponsorship.key: ["info": [
                "from": .string((from ?? f.payer.address).checksummed), "asset": .string(Devnet.testUSDC.checksummed),
                "spender": .string(spender.checksummed), "amount": .string(value.description), "nonce": "0",
                "deadline": .string(String(sponsorDeadline)), "signature": .string(eip2612(value: value)), "version": "1",
            ]]]
            return p
        }
        func code(_ p: PaymentPayload) async -> String {
            let answer = await f.registry.verify(p, requirements: requirements)
            return answer.isValid ? "valid" : answer.invalidReason?.rawValue ?? "?"
        }
        #expect(await code(payment(spender: Exact.permit2ProxyAddress)) == "eip2612_spender_not_permit2")
        #expect(await code(payment(from: payTo)) == "eip2612_from_mismatch")
        #expect(await code(payment(deadline: 1_000)) == "eip2612_deadline_expired")
        var malformed = payment()
        malformed.extensions = [EIP2612Sponsorship.key: ["info": ["from": "0x12", "asset": "x", "spender": "x", "amount": "1",
                                                                  "nonce": "0", "deadline": "1", "signature": "0x00"]]]
        #expect(await code(malformed) == "invalid_eip2612_extension_format")

        // A permit of another value passes verify (as in the SDK); the proxy refuses it before any transfer.
        let mismatched = await f.registry.settle(payment(value: 9999), requirements: requirements)
        #expect(!mismatched.success && mismatched.errorReason == "permit2_2612_amount_mismatch", "\(mismatched)")

        let paid = payment()
        #expect(await code(paid) == "valid")
        let settled = await f.registry.settle(paid, requirements: requirements)
        #expect(settled.success, "\(settled)")
        let receipt = try #require(try await f.rpc.getTransactionReceipt(try Bytes32(hex: settled.transaction)))
        #expect(receipt.succeeded && receipt.to == Exact.permit2ProxyAddress)
        #expect(try await f.tokenBalance(payTo) == 10000)
        #expect(try await f.rpc.getTransactionCount(f.payer.address) == 0)   // the payer sent nothing
    }
}
