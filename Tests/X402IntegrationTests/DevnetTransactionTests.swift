import Testing
import X402EVM
import X402EVMRPC
import X402Testing

// Part of the serialized devnet suite: these spend from dev accounts (nonces must not race) and
// must not interleave with its snapshot/revert test.
extension DevnetIntegrationTests {
    @Test func eip1559TransferAndReceipt() async throws {
        let rpc = try await TestDevnet.client()
        let key = DevAccounts.keys[1]
        #expect(key.address == DevAccounts.addresses[1])
        let recipient = scratchAddress(100)
        let value = UInt256(1_234_567_890_123)
        let before = try await rpc.getBalance(recipient)  // not zero on a devnet this test ran on before
        let nonce = try await rpc.getTransactionCount(key.address, block: .pending)
        let baseFee = try #require(try await rpc.getBlockByNumber(.latest)?.baseFeePerGas)
        let tip = try await rpc.maxPriorityFeePerGas()
        let gas = try await rpc.estimateGas(CallRequest(from: key.address, to: recipient, value: value))
        #expect(gas == 21_000)
        let tx = EIP1559Transaction(chainId: try await rpc.chainId(), nonce: nonce, maxPriorityFeePerGas: tip,
                                    maxFeePerGas: baseFee + baseFee + tip, gasLimit: gas, to: recipient, value: value)
        let signed = tx.signed(with: key)
        let hash = try await rpc.sendRawTransaction(signed.raw)
        #expect(hash == signed.hash)

        let receipt = try await rpc.waitForTransactionReceipt(hash)
        #expect(receipt.succeeded && receipt.gasUsed == 21_000 && receipt.type == 2)
        #expect(receipt.from == key.address && receipt.to == recipient && receipt.logs.isEmpty)
        let price = try #require(receipt.effectiveGasPrice)
        #expect(price <= baseFee + baseFee + tip)
        #expect(try await rpc.getBalance(recipient) == before + value)
        #expect(try await rpc.getTransactionCount(key.address) == nonce + 1)

        let info = try #require(try await rpc.getTransactionByHash(hash))
        #expect(info.from == key.address && info.nonce == nonce && info.value == value && info.type == 2)
        #expect(info.chainId == 84532 && info.maxFeePerGas == baseFee + baseFee + tip && info.blockNumber == receipt.blockNumber)
        let block = try #require(try await rpc.getBlockByNumber(.number(receipt.blockNumber)))
        #expect(block.hash == receipt.blockHash && block.transactionHashes.contains(hash))
    }

    @Test func revertingLegacyTransactionHasFailedReceipt() async throws {
        let rpc = try await TestDevnet.client()
        let key = DevAccounts.keys[2]
        let target = scratchAddress(101)
        try await rpc.devnetSetCode(target, revertingCode)
        // As the official Python facilitator does: legacy type 0, eth_gasPrice, fixed gas, no estimate.
        let nonce = try await rpc.getTransactionCount(key.address, block: .pending)
        let tx = LegacyTransaction(chainId: 84532, nonce: nonce, gasPrice: try await rpc.gasPrice(), gasLimit: 500_000,
                                   to: target, data: [0xde, 0xad])
        let hash = try await rpc.sendRawTransaction(tx.signed(with: key).raw)
        let receipt = try await rpc.waitForTransactionReceipt(hash)
        #expect(!receipt.succeeded)
        #expect(receipt.type == 0 && receipt.logs.isEmpty && receipt.gasUsed > 21_000 && receipt.gasUsed < 500_000)
        // The nonce is spent even though the call reverted.
        #expect(try await rpc.getTransactionCount(key.address) == nonce + 1)
    }

    @Test func rejectedTransactionIsServerError() async throws {
        let rpc = try await TestDevnet.client()
        let key = DevAccounts.keys[2]
        let nonce = try await rpc.getTransactionCount(key.address)
        // A nonce far in the past: the node refuses it with an error object; nothing is mined.
        let stale = LegacyTransaction(chainId: 84532, nonce: nonce + 1_000_000, gasPrice: try await rpc.gasPrice(), gasLimit: 21_000,
                                      to: scratchAddress(102), value: 1)
        let head = try await rpc.blockNumber()
        do {
            let hash = try await rpc.sendRawTransaction(stale.signed(with: key).raw)
            // Nodes with a mempool may queue a future nonce instead; then it must not be mined.
            #expect(try await rpc.getTransactionReceipt(hash) == nil)
        } catch {
            #expect(error.jsonRPCError != nil, "\(error)")
        }
        #expect(try await rpc.blockNumber() == head)
    }
}
