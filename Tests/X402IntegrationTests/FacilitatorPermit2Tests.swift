import Testing
import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRPC
import X402Testing

extension DevnetIntegrationTests {
    /// A Permit2 deposit (witness-bound to the channel) through the Permit2 collector.
    @Test func permit2DepositVerifySettle() async throws {
        let f = try await FacilitatorFixture()
        let receiver = freshReceiver(40)
        var requirements = FacilitatorFixture.requirements(receiver: receiver)
        requirements.extra["assetTransferMethod"] = "permit2"
        let deadline = try await f.validBefore()
        func permit2Deposit(payer: PrivateKey, salt: UInt64, amount: UInt128, nonce: UInt64) -> DepositPayload {
            var config = FacilitatorFixture.channel(receiver: receiver, salt: salt)
            config.payer = payer.address
            config.payerAuthorizer = payer.address
            let id = config.channelId(chainId: 84532)
            let permit = PermitWitnessTransferFrom(token: Devnet.testUSDC, amount: UInt256(amount), nonce: UInt256(nonce),
                                                   deadline: UInt256(deadline), channelId: id)
            let signature = payer.sign(digest: permit.digest(chainId: 84532))
            let auth = Permit2Authorization(from: payer.address,
                                            permitted: .init(token: Devnet.testUSDC, amount: TokenAmount(UInt256(amount))),
                                            spender: BatchSettlement.permit2CollectorAddress, nonce: TokenAmount(UInt256(nonce)),
                                            deadline: TokenAmount(UInt256(deadline)), witness: .init(channelId: id),
                                            signature: HexBytes(signature.bytes))
            let voucher = Voucher(channelId: id, maxClaimableAmount: 1000)
            let voucherSig = payer.sign(digest: voucher.digest(chainId: 84532))
            return DepositPayload(channelConfig: config,
                                  voucher: SignedVoucher(channelId: id, maxClaimableAmount: 1000, signature: HexBytes(voucherSig.bytes)),
                                  deposit: DepositFields(amount: TokenAmount128(amount), authorization: .permit2(auth)))
        }
        func code(_ d: DepositPayload) async -> String {
            let r = await f.registry.verify(FacilitatorFixture.payment(.deposit(d), requirements), requirements: requirements)
            return r.invalidReason?.rawValue.replacingOccurrences(of: "invalid_batch_settlement_evm_", with: "") ?? "valid"
        }

        // A payer that never approved Permit2.
        let stranger = try PrivateKey(hex: "0x" + String(repeating: "5d", count: 31) + "01")
        _ = try await f.rpc.request("devnet_mint", [.string(Devnet.testUSDC.lowercased), .string(stranger.address.lowercased), "0xf4240"])
        #expect(await code(permit2Deposit(payer: stranger, salt: uniqueSalt(41), amount: 5000, nonce: 1)) == "permit2_allowance_required")

        // The payer approves Permit2 once (a plain ERC-20 approve).
        let payer = FacilitatorFixture.payerKey
        let approve: [UInt8] = [0x09, 0x5e, 0xa7, 0xb3] + BatchSettlement.permit2Address.word.bytes + UInt256.max.word.bytes
        let tx = LegacyTransaction(chainId: 84532, nonce: try await f.rpc.getTransactionCount(payer.address, block: .pending),
                                   gasPrice: try await f.rpc.gasPrice(), gasLimit: 200_000, to: Devnet.testUSDC, data: approve)
        #expect(try await f.rpc.waitForTransactionReceipt(try await f.rpc.sendRawTransaction(tx.signed(with: payer).raw)).succeeded)

        let nonce = uniqueSalt(42)
        var wrongAmount = permit2Deposit(payer: payer, salt: uniqueSalt(43), amount: 5000, nonce: nonce)
        wrongAmount.deposit.amount = 4000
        #expect(await code(wrongAmount) == "permit2_amount_mismatch")
        var wrongSpender = permit2Deposit(payer: payer, salt: uniqueSalt(43), amount: 5000, nonce: nonce)
        if case .permit2(var auth) = wrongSpender.deposit.authorization {
            auth.spender = BatchSettlement.erc3009CollectorAddress
            wrongSpender.deposit.authorization = .permit2(auth)
        }
        #expect(await code(wrongSpender) == "permit2_invalid_spender")
        var forged = permit2Deposit(payer: payer, salt: uniqueSalt(43), amount: 5000, nonce: nonce)
        if case .permit2(var auth) = forged.deposit.authorization {
            auth.nonce = TokenAmount(UInt256(nonce + 1))
            forged.deposit.authorization = .permit2(auth)
        }
        #expect(await code(forged) == "permit2_invalid_signature")

        let deposit = permit2Deposit(payer: payer, salt: uniqueSalt(44), amount: 5000, nonce: nonce)
        #expect(await code(deposit) == "valid")
        let settled = await f.registry.settle(FacilitatorFixture.payment(.deposit(deposit), requirements), requirements: requirements)
        #expect(settled.success && settled.amount == "5000", "\(settled)")
        #expect(try await f.onchainChannel(deposit.channelConfig).balance == 5000)
        // The same Permit2 nonce again: the retry is answered from the journal, nothing is pulled twice.
        let retried = await f.registry.settle(FacilitatorFixture.payment(.deposit(deposit), requirements), requirements: requirements)
        #expect(retried == settled)
        #expect(try await f.onchainChannel(deposit.channelConfig).balance == 5000)
    }
}
