import Testing
import X402EVM
import X402EVMRPC
import X402Testing

let multicall3 = Devnet.multicall3
let testUSDC = Devnet.testUSDC
let transferTopic = try! Bytes32(hex: "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")

/// Runtime code that always reverts with the 4-byte custom error `InvalidSignature()` (0x8baa579f):
/// PUSH4 8baa579f PUSH1 e0 SHL PUSH1 0 MSTORE PUSH1 4 PUSH1 0 REVERT.
let revertingCode: [UInt8] = [0x63, 0x8b, 0xaa, 0x57, 0x9f, 0x60, 0xe0, 0x1b, 0x60, 0x00, 0x52, 0x60, 0x04, 0x60, 0x00, 0xfd]

/// A fresh address per use, so tests never see each other's state edits.
func scratchAddress(_ n: UInt64) -> Address { Address(word: Bytes32(0, 0, 0x5C2A_7C4, n)) }

// Serialized, and the only suite using the devnet: tests edit shared chain state (balances, time,
// snapshots) and spend from dev accounts.
@Suite(.serialized, .enabled(if: TestDevnet.isAvailable, "no X402_RPC_URL and no Devnet/devnet"))
struct DevnetIntegrationTests {
    @Test func chainIdBlockNumberAndRawMethods() async throws {
        let rpc = try await TestDevnet.client()
        #expect(try await rpc.chainId() == 84532)
        let head = try await rpc.blockNumber()
        let block = try #require(try await rpc.getBlockByNumber(.latest))
        #expect(block.number >= head)
        #expect(block.timestamp > 1_600_000_000)
        #expect(block.baseFeePerGas != nil)
        #expect(try await rpc.getBlockByNumber(.number(head + 1_000_000)) == nil)
        #expect(try await rpc.request("net_version") == .string("84532"))
    }

    @Test func balancesAndCode() async throws {
        let rpc = try await TestDevnet.client()
        #expect(try await rpc.getBalance(DevAccounts.addresses[0]) > UInt256(1_000_000_000_000_000_000))
        #expect(try await rpc.getBalance(scratchAddress(1)) == 0)
        #expect(try await rpc.getCode(DevAccounts.addresses[0]).isEmpty)
        #expect(try await rpc.getCode(multicall3).count > 100)
    }

    @Test func successfulCallReturnsData() async throws {
        let rpc = try await TestDevnet.client()
        // Multicall3.getChainId() → uint256.
        let out = try await rpc.call(CallRequest(to: multicall3, data: [0x34, 0x08, 0xe4, 0x70]))
        #expect(UInt256(word: try Bytes32(out)) == 84532)
    }

    @Test func revertDataSurfacesAsBytes() async throws {
        let rpc = try await TestDevnet.client()
        let target = scratchAddress(2)
        try await rpc.devnetSetCode(target, revertingCode)
        #expect(try await rpc.getCode(target) == revertingCode)
        for attempt in [false, true] {
            do {
                if attempt {
                    _ = try await rpc.estimateGas(CallRequest(from: DevAccounts.addresses[0], to: target))
                } else {
                    _ = try await rpc.call(CallRequest(to: target, data: [1, 2, 3, 4]))
                }
                Issue.record("expected a revert")
            } catch {
                #expect(error.revertData == [0x8b, 0xaa, 0x57, 0x9f], "\(error)")
                #expect(error.jsonRPCError?.code == 3)
            }
        }
    }

    @Test func unknownMethodIsServerError() async throws {
        let rpc = try await TestDevnet.client()
        do {
            _ = try await rpc.request("eth_noSuchMethod")
            Issue.record("expected an error")
        } catch {
            #expect(error.jsonRPCError?.code == -32601)
        }
    }

    @Test func batchMixesResultsAndErrors() async throws {
        let rpc = try await TestDevnet.client()
        let target = scratchAddress(3)
        try await rpc.devnetSetCode(target, revertingCode)
        let (chain, balance, code, reverted, missing) = try await rpc.batch(
            .chainId, .getBalance(DevAccounts.addresses[1]), .getCode(multicall3),
            .call(CallRequest(to: target)), .getTransactionReceipt(Bytes32(0, 0, 0, 0xdead))
        )
        #expect(try chain.get() == 84532)
        #expect(try balance.get() > 0)
        #expect(try code.get().count > 100)
        #expect(try missing.get() == nil)
        guard case .failure(let error) = reverted else { Issue.record("expected revert"); return }
        #expect(error.revertData == [0x8b, 0xaa, 0x57, 0x9f])
        let balances = try await rpc.batch(DevAccounts.addresses.map { RPCCall.getBalance($0) })
        #expect(balances.count == 3)
        for result in balances { #expect(try result.get() > 0) }
    }

    @Test func feesAndNonces() async throws {
        let rpc = try await TestDevnet.client()
        let gasPrice = try await rpc.gasPrice()
        #expect(gasPrice > 0)
        _ = try await rpc.maxPriorityFeePerGas()
        let history = try await rpc.feeHistory(blockCount: 2, rewardPercentiles: [50])
        #expect(history.baseFeePerGas.count == history.gasUsedRatio.count + 1)
        let latest = try await rpc.getTransactionCount(DevAccounts.addresses[2])
        let pending = try await rpc.getTransactionCount(DevAccounts.addresses[2], block: .pending)
        #expect(pending >= latest)
    }

    @Test func logsAndReceiptAfterATransaction() async throws {
        let rpc = try await TestDevnet.client()
        let recipient = scratchAddress(4)
        let from = try await rpc.blockNumber() + 1
        // devnet_mint has the deployer call TestUSDC.mint, which emits Transfer(0, recipient, amount).
        let hashValue = try await rpc.request("devnet_mint", [.string(testUSDC.lowercased), .string(recipient.lowercased), .string("0x3e8")])
        let hash = try Bytes32(hex: try #require(hashValue.stringValue))
        let receipt = try await rpc.waitForTransactionReceipt(hash)
        #expect(receipt.succeeded && receipt.transactionHash == hash && receipt.blockNumber >= from)
        #expect(receipt.gasUsed > 21_000 && receipt.effectiveGasPrice != nil && receipt.contractAddress == nil)
        let transfer = try #require(receipt.logs.first { $0.topics.first == transferTopic })
        #expect(transfer.address == testUSDC && transfer.topics[2] == recipient.word)
        #expect(UInt256(word: try Bytes32(transfer.data)) == 1000)
        #expect(transfer.transactionHash == hash && transfer.blockNumber == receipt.blockNumber && transfer.logIndex != nil)

        let tx = try #require(try await rpc.getTransactionByHash(hash))
        #expect(tx.to == testUSDC && tx.blockNumber == receipt.blockNumber && tx.input.count == 68)

        // Filter: token address, Transfer, any sender, recipient OR an unrelated address.
        let filter = LogFilter(fromBlock: .number(from), toBlock: .latest, addresses: [testUSDC, multicall3],
                               topics: [[transferTopic], nil, [scratchAddress(99).word, recipient.word]])
        let logs = try await rpc.getLogs(filter)
        #expect(logs == [transfer])
        // The same filter without the matching recipient finds nothing.
        let none = try await rpc.getLogs(LogFilter(fromBlock: .number(from), addresses: [testUSDC],
                                                   topics: [[transferTopic], nil, [scratchAddress(99).word]]))
        #expect(none.isEmpty)
        let byHash = try await rpc.getLogs(LogFilter(blockHash: receipt.blockHash, addresses: [testUSDC]))
        #expect(byHash.contains(transfer))
    }

    @Test func stateEditingHelpers() async throws {
        let rpc = try await TestDevnet.client()
        let account = scratchAddress(5)
        try await rpc.devnetSetBalance(account, UInt256(high: 1, low: 7))  // above 2^128: exact
        #expect(try await rpc.getBalance(account) == UInt256(high: 1, low: 7))
        try await rpc.devnetSetNonce(account, 42)
        #expect(try await rpc.getTransactionCount(account) == 42)
        try await rpc.devnetSetStorageAt(account, slot: 3, value: Bytes32(1, 2, 3, 4))
        #expect(try await rpc.getStorageAt(account, slot: 3) == Bytes32(1, 2, 3, 4))
        #expect(try await rpc.getStorageAt(account, slot: 4) == .zero)
    }

    @Test func timeHelpers() async throws {
        let rpc = try await TestDevnet.client()
        let before = try #require(try await rpc.getBlockByNumber(.latest))
        try await rpc.devnetSetNextBlockTimestamp(before.timestamp + 1000)
        try await rpc.devnetMine()
        let exact = try #require(try await rpc.getBlockByNumber(.latest))
        #expect(exact.number == before.number + 1 && exact.timestamp == before.timestamp + 1000)
        try await rpc.devnetIncreaseTime(seconds: 3600)
        try await rpc.devnetMine()
        let later = try #require(try await rpc.getBlockByNumber(.latest))
        #expect(later.timestamp >= exact.timestamp + 3600)
    }

    @Test func snapshotAndRevert() async throws {
        let rpc = try await TestDevnet.client()
        let account = scratchAddress(6)
        try await rpc.devnetSetBalance(account, 1)
        let snapshot = try await rpc.devnetSnapshot()
        let head = try await rpc.blockNumber()
        try await rpc.devnetSetBalance(account, 2)
        try await rpc.devnetMine()
        #expect(try await rpc.getBalance(account) == 2)
        #expect(try await rpc.devnetRevert(to: snapshot))
        #expect(try await rpc.getBalance(account) == 1)
        #expect(try await rpc.blockNumber() == head)
    }
}

/// A devnet of its own (not the shared one): launch options reach it, and stopping it ends the process.
@Suite(.enabled(if: Devnet.canLaunch, "needs Linux and Devnet/devnet"))
struct DevnetLaunchTests {
    @Test func launchWithOptionsAndStop() async throws {
        let devnet = try await Devnet.launch(arguments: ["--chain-id", "31337", "--no-contracts"])
        let rpc = devnet.client()
        #expect(try await rpc.chainId() == 31337)
        #expect(try await rpc.getCode(Devnet.multicall3).isEmpty)
        #expect(try await rpc.getBalance(Devnet.accounts[3].address) > 0)
        await devnet.stop()
        do {
            _ = try await RPCClient(transport: HTTPTransport(url: devnet.url, timeout: .milliseconds(500))).chainId()
            Issue.record("the stopped devnet still answers")
        } catch {
            #expect(error.jsonRPCError == nil)
        }
    }
}
