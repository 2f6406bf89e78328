import Foundation
import Testing
import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRPC
import X402EVMRelayer
import X402Testing

extension DevnetIntegrationTests {
    /// Without a payerAuthorizer the voucher is checked against the payer with SignatureChecker semantics:
    /// ecrecover for an account without code, ERC-1271 `isValidSignature` for a contract wallet.
    /// (A channel that was never funded answers `channel_not_found` only after the signature passed.)
    @Test func voucherSignatureAgainstEOAAndERC1271Payers() async throws {
        let f = try await FacilitatorFixture()
        let receiver = freshReceiver(110)
        let requirements = FacilitatorFixture.requirements(receiver: receiver)
        let owner = FacilitatorFixture.payerKey
        func code(_ config: ChannelConfig, signer: PrivateKey) async -> String {
            let id = config.channelId(chainId: 84532)
            let sig = signer.sign(digest: Voucher(channelId: id, maxClaimableAmount: 2000).digest(chainId: 84532))
            let voucher = SignedVoucher(channelId: id, maxClaimableAmount: 2000, signature: HexBytes(sig.bytes))
            let payload = FacilitatorFixture.payment(.voucher(VoucherPayload(channelConfig: config, voucher: voucher)), requirements)
            let r = await f.registry.verify(payload, requirements: requirements)
            return r.invalidReason?.rawValue.replacingOccurrences(of: "invalid_batch_settlement_evm_", with: "") ?? "valid"
        }

        // An EOA payer, no payerAuthorizer: ecrecover against the payer.
        var eoa = FacilitatorFixture.channel(receiver: receiver, salt: uniqueSalt(110), payerAuthorizer: .zero)
        eoa.payerAuthorizer = .zero
        #expect(await code(eoa, signer: owner) == "channel_not_found")
        #expect(await code(eoa, signer: Devnet.accounts[7].privateKey) == "voucher_signature")

        // A contract wallet owned by the payer's key.
        let artifact = try JSONParser.parse(Array(try Data(contentsOf: Self.repositoryRoot.appendingPathComponent("Contracts/artifacts/ERC1271Wallet.json"))))
        let runtime = try Hex.decode(try #require(artifact["deployedBytecode"]?.stringValue))
        let wallet = scratchAddress(UInt64(110 + WallClock.millis() % 100_000))
        try await f.rpc.devnetSetCode(wallet, runtime)
        func walletCall(_ signature: String, _ argument: Address?, mode: UInt64? = nil) async throws {
            var data = Array(Keccak256.hash(signature).bytes.prefix(4))
            if let argument { data += argument.word.bytes }
            if let mode { data += UInt256(mode).word.bytes }
            let tx = LegacyTransaction(chainId: 84532, nonce: try await f.rpc.getTransactionCount(owner.address, block: .pending),
                                       gasPrice: try await f.rpc.gasPrice(), gasLimit: 200_000, to: wallet, data: data)
            #expect(try await f.rpc.waitForTransactionReceipt(try await f.rpc.sendRawTransaction(tx.signed(with: owner).raw)).succeeded)
        }
        try await walletCall("setOwner(address)", owner.address)
        var contract = eoa
        contract.payer = wallet
        #expect(await code(contract, signer: owner) == "channel_not_found")        // isValidSignature said yes
        #expect(await code(contract, signer: Devnet.accounts[7].privateKey) == "voucher_signature")
        try await walletCall("setMode(uint256)", nil, mode: 1)                      // the wallet now refuses everything
        #expect(await code(contract, signer: owner) == "voucher_signature")
        try await walletCall("setMode(uint256)", nil, mode: 2)                      // ... or reverts
        #expect(await code(contract, signer: owner) == "voucher_signature")
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}
