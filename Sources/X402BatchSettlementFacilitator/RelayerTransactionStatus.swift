import X402Core
import X402EVM
import X402EVMRPC
import X402EVMRelayer

/// `GET /transactions/{hash}` from the relayer's journal, with the block timestamp read from the node.
public struct RelayerTransactionStatus: TransactionStatusSource {
    /// The relayer whose journal answers.
    public let relayer: Relayer

    /// Answers from `relayer`'s journal.
    public init(relayer: Relayer) { self.relayer = relayer }

    /// The journal entry of `hash`, as a ``TransactionStatus``; nil when this facilitator never sent it.
    public func transactionStatus(hash: String) async throws -> TransactionStatus? {
        let digest = try Bytes32(hex: hash)
        guard let entry = try await relayer.journal.entry(hash: digest) else { return nil }
        let status: TransactionStatus.Status
        switch entry.status {
        case .signed, .pending: status = .pending
        case .confirmed: status = .settled
        case .reverted, .rejected: status = .failed
        }
        var timestamp: UInt64?
        if let number = entry.blockNumber { timestamp = try? await relayer.rpc.getBlockByNumber(.number(number))?.timestamp }
        return TransactionStatus(transaction: entry.hash.hex, network: Network(rawValue: entry.network), status: status,
                                 purpose: entry.purpose, blockHash: entry.blockHash?.hex, blockNumber: entry.blockNumber,
                                 timestamp: timestamp, gasUsed: entry.gasUsed)
    }
}
