import Testing
import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRPC
import X402EVMRelayer
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

    /// A payer with no Permit2 allowance deposits through Permit2 with an EIP-2612 permit in the
    /// `eip2612GasSponsoring` extension: the collector runs the permit first; the payer sends nothing.
    @Test func permit2DepositWithEIP2612Sponsorship() async throws {
        let f = try await FacilitatorFixture()
        let receiver = freshReceiver(45)
        var requirements = FacilitatorFixture.requirements(receiver: receiver)
        requirements.extra["assetTransferMethod"] = "permit2"
        let deadline = try await f.validBefore()
        let payer = try PrivateKey(hex: "0x" + String(repeating: "6e", count: 31) + String(format: "%02x", UInt8(WallClock.millis() % 250 + 1)))
        _ = try await f.rpc.request("devnet_mint", [.string(Devnet.testUSDC.lowercased), .string(payer.address.lowercased), "0xf4240"])
        var config = FacilitatorFixture.channel(receiver: receiver, salt: uniqueSalt(45))
        config.payer = payer.address
        config.payerAuthorizer = payer.address
        let id = config.channelId(chainId: 84532)
        let amount: UInt128 = 5000
        let permit = PermitWitnessTransferFrom(token: Devnet.testUSDC, amount: UInt256(amount), nonce: 7, deadline: UInt256(deadline), channelId: id)
        let auth = Permit2Authorization(from: payer.address, permitted: .init(token: Devnet.testUSDC, amount: TokenAmount(UInt256(amount))),
                                        spender: BatchSettlement.permit2CollectorAddress, nonce: 7, deadline: TokenAmount(UInt256(deadline)),
                                        witness: .init(channelId: id), signature: HexBytes(payer.sign(digest: permit.digest(chainId: 84532)).bytes))
        let voucherSig = payer.sign(digest: Voucher(channelId: id, maxClaimableAmount: 1000).digest(chainId: 84532))
        let deposit = DepositPayload(channelConfig: config,
                                     voucher: SignedVoucher(channelId: id, maxClaimableAmount: 1000, signature: HexBytes(voucherSig.bytes)),
                                     deposit: DepositFields(amount: TokenAmount128(amount), authorization: .permit2(auth)))
        // EIP-2612 Permit(owner, spender = Permit2, value, nonce 0, deadline) in the token's domain.
        let permitTypehash = Keccak256.hash("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")
        let structHash = Keccak256.hash(permitTypehash.bytes + payer.address.word.bytes + BatchSettlement.permit2Address.word.bytes
                                        + UInt256(amount).word.bytes + UInt256(0).word.bytes + UInt256(deadline).word.bytes)
        let tokenDomain = ERC3009Domain(name: "USDC", version: "2", chainId: 84532, token: Devnet.testUSDC)
        let digest = Keccak256.hash([0x19, 0x01] + tokenDomain.separator.bytes + structHash.bytes)
        func info(amount: UInt128 = amount, spender: Address = BatchSettlement.permit2Address) -> JSONObject {
            ["eip2612GasSponsoring": ["info": [
                "from": .string(payer.address.checksummed), "asset": .string(Devnet.testUSDC.checksummed),
                "spender": .string(spender.checksummed), "amount": .string(String(amount)), "nonce": "0",
                "deadline": .string(String(deadline)), "signature": .string(payer.sign(digest: digest).hex), "version": "1",
            ]]]
        }
        func verify(_ extensions: JSONObject?) async -> String {
            var payment = FacilitatorFixture.payment(.deposit(deposit), requirements)
            payment.extensions = extensions
            let r = await f.registry.verify(payment, requirements: requirements)
            return r.invalidReason?.rawValue ?? "valid"
        }
        #expect(await verify(nil) == "invalid_batch_settlement_evm_permit2_allowance_required")
        #expect(await verify(info(amount: 4000)) == "invalid_batch_settlement_evm_eip2612_amount_mismatch")
        #expect(await verify(info(spender: BatchSettlement.permit2CollectorAddress)) == "eip2612_spender_not_permit2")
        var malformed = info()
        malformed["eip2612GasSponsoring"] = ["info": ["from": "0x12", "asset": "x", "spender": "x", "amount": "1", "nonce": "0",
                                                      "deadline": "1", "signature": "0x00"]]
        #expect(await verify(malformed) == "invalid_eip2612_extension_format")
        #expect(await verify(info()) == "valid")

        var payment = FacilitatorFixture.payment(.deposit(deposit), requirements)
        payment.extensions = info()
        let settled = await f.registry.settle(payment, requirements: requirements)
        #expect(settled.success && settled.amount == "5000", "\(settled)")
        #expect(try await f.onchainChannel(config).balance == 5000)
        #expect(try await f.rpc.getTransactionCount(payer.address) == 0)  // the payer sent nothing
    }
}
