import ArgumentParser
import Logging
import X402BatchSettlement
import X402BatchSettlementClient
import X402Core
import X402EVM
import X402EVMMechanisms
import X402EVMRPC

/// The payer's wallet and chain access, shared by `x402 wallet` and `x402 withdraw`.
struct PayerChain {
    let wallet: PrivateKey
    let rpc: RPCClient
    let storage: FileClientChannelStorage

    init(_ options: BuyerOptions, logger: Logger) throws {
        wallet = try walletKey(file: options.keyFile)
        guard let url = options.rpcURL ?? environment("X402_RPC_URL") else {
            throw ValidationError("needs the chain: --rpc-url or X402_RPC_URL")
        }
        rpc = RPCClient(url: url, logger: logger)
        storage = try FileClientChannelStorage(directory: options.stateDir)
    }

    func onchain(_ id: Bytes32) async throws -> (channel: OnchainChannel, pending: PendingWithdrawal) {
        let channel = try BatchSettlementCalldata.decodeChannel(
            try await rpc.call(CallRequest(to: BatchSettlement.settlementAddress, data: try BatchSettlementCalldata.channels(channelId: id))))
        let pending = try BatchSettlementCalldata.decodePendingWithdrawal(
            try await rpc.call(CallRequest(to: BatchSettlement.settlementAddress,
                                           data: try BatchSettlementCalldata.pendingWithdrawals(channelId: id))))
        return (channel, pending)
    }

    func tokenBalance(_ token: Address) async throws -> UInt256 {
        try BatchSettlementCalldata.decodeUInt256(
            try await rpc.call(CallRequest(to: token, data: try BatchSettlementCalldata.balanceOf(wallet.address))))
    }

    /// Sends `data` to the settlement contract from the wallet (it pays the gas) and waits for the receipt.
    func send(_ data: [UInt8]) async throws -> TransactionReceipt {
        let chainId = try await rpc.chainId()
        let call = CallRequest(from: wallet.address, to: BatchSettlement.settlementAddress, data: data)
        let gas = try await rpc.estimateGas(call)
        let tx = LegacyTransaction(chainId: chainId, nonce: try await rpc.getTransactionCount(wallet.address, block: .pending),
                                   gasPrice: try await rpc.gasPrice(), gasLimit: gas + gas / 4,
                                   to: BatchSettlement.settlementAddress, data: data)
        return try await rpc.waitForTransactionReceipt(try await rpc.sendRawTransaction(tx.signed(with: wallet).raw))
    }
}

/// `x402 wallet`: the payer's token balance and its channels as the chain and the local state see them.
struct WalletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wallet",
        abstract: "Show the wallet's token balance and its channels (balance, charged, claimed, pending withdrawal).")

    @OptionGroup var buyer: BuyerOptions

    @Option(help: "CAIP-2 network (for the default token).")
    var network = "eip155:84532"

    func run() async throws {
        let payer = try PayerChain(buyer, logger: Logger(label: "x402.wallet"))
        let token = try DefaultAssets.asset(for: try Network(validating: network))
        print("wallet \(payer.wallet.address.checksummed)")
        print("\(token.symbol) \(try await payer.tokenBalance(token.address)) (atomic units, \(token.decimals) decimals)")
        print("channel balance charged claimed pendingWithdrawal finalizableAt seller")
        for record in try await payer.storage.channels().sorted(by: { $0.key < $1.key }) {
            let (channel, pending) = try await payer.onchain(record.channelId)
            let delay = record.config?.withdrawDelay ?? 0
            let finalizable = pending.initiatedAt > 0 ? String(pending.initiatedAt + delay) : "-"
            print("\(record.key) \(channel.balance) \(record.chargedCumulativeAmount) \(channel.totalClaimed) \(pending.amount) "
                  + "\(finalizable) \(record.config?.receiver.checksummed ?? "?")"
                  + (record.distrust.map { " DISTRUSTED(\($0.kind.rawValue))" } ?? ""))
        }
        await payer.storage.close()
    }
}

/// `x402 withdraw CHANNEL`: the payer's escape hatch when a seller disappears. The first run starts the timed
/// withdrawal of the channel's unclaimed funds; a run after `withdrawDelay` finalizes it.
struct WithdrawCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdraw",
        abstract: "Start the timed withdrawal of a channel's unclaimed funds, or finalize it once the delay has passed.",
        discussion: "The wallet (EVM_PRIVATE_KEY or --key-file) sends the transactions and pays their gas.")

    @Argument(help: "The channel id (see `x402 wallet`).")
    var channel: String

    @OptionGroup var buyer: BuyerOptions

    func run() async throws {
        let payer = try PayerChain(buyer, logger: Logger(label: "x402.withdraw"))
        defer { Task { await payer.storage.close() } }
        let id = try Bytes32(hex: channel)
        guard let record = try await payer.storage.channel(id.hex.lowercased()), let config = record.config else {
            throw ValidationError("no channel \(channel) with a known config in \(buyer.stateDir)")
        }
        let (onchain, pending) = try await payer.onchain(id)
        guard let head = try await payer.rpc.getBlockByNumber(.latest) else { throw ValidationError("the node has no head block") }
        if pending.initiatedAt == 0 {
            guard onchain.balance > onchain.totalClaimed else {
                print("nothing to withdraw: balance \(onchain.balance), claimed \(onchain.totalClaimed)")
                return
            }
            let amount = onchain.balance - onchain.totalClaimed
            let receipt = try await payer.send(try BatchSettlementCalldata.initiateWithdraw(config: config, amount: amount))
            guard receipt.succeeded else { throw ValidationError("initiateWithdraw reverted in \(receipt.transactionHash.hex)") }
            print("withdrawal of \(amount) started in \(receipt.transactionHash.hex); finalizable after \(config.withdrawDelay) s")
            return
        }
        let finalizable = pending.initiatedAt + config.withdrawDelay
        guard head.timestamp >= finalizable else {
            print("withdrawal of \(pending.amount) pending; finalizable at \(finalizable) (in \(finalizable - head.timestamp) s)")
            return
        }
        let receipt = try await payer.send(try BatchSettlementCalldata.finalizeWithdraw(config: config))
        guard receipt.succeeded else { throw ValidationError("finalizeWithdraw reverted in \(receipt.transactionHash.hex)") }
        print("withdrew \(pending.amount) in \(receipt.transactionHash.hex)")
    }
}
