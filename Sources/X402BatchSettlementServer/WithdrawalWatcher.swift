import Logging
import X402BatchSettlement
import X402EVM
import X402EVMRPC
import X402JSON

/// A payer's `WithdrawInitiated(bytes32 indexed channelId, uint128 amount, uint40 finalizeAfter)` log: the seller
/// must claim the channel before `finalizeAfter`.
public struct WithdrawalNotice: Sendable, Equatable {
    /// The channel.
    public var channelId: Bytes32
    /// The amount the payer asked to withdraw.
    public var amount: UInt128
    /// Unix time (seconds) from which the payer can finalize.
    public var finalizeAfter: UInt64
    /// The block of the log, when known.
    public var blockNumber: UInt64?

    /// A notice from its fields.
    public init(channelId: Bytes32, amount: UInt128, finalizeAfter: UInt64, blockNumber: UInt64? = nil) {
        self.channelId = channelId
        self.amount = amount
        self.finalizeAfter = finalizeAfter
        self.blockNumber = blockNumber
    }

    /// Decodes a settlement-contract log; nil unless it is a well-formed `WithdrawInitiated`.
    public init?(topics: [Bytes32], data: [UInt8], blockNumber: UInt64? = nil) {
        guard case .withdrawInitiated(let id, let amount, let finalizeAfter)?
                = try? BatchSettlementEvent.decode(topics: topics, data: data) else { return nil }
        self.init(channelId: id, amount: amount, finalizeAfter: finalizeAfter, blockNumber: blockNumber)
    }

    /// When the withdrawal was initiated (the contract's `pendingWithdrawals.initiatedAt`, seconds) for a channel
    /// with `withdrawDelay`; at least 1 so that it always reads as "a withdrawal is pending".
    public func initiatedAt(withdrawDelay: UInt64) -> UInt64 {
        max(1, finalizeAfter >= withdrawDelay ? finalizeAfter - withdrawDelay : 0)
    }
}

extension ChannelManager {
    /// The `managerState` key of the next block the watcher reads.
    var withdrawalCursorKey: String {
        "batch-settlement.withdrawals.next-block.\(network.rawValue).\(configuration.withdrawalWatch.contract.lowercased)"
    }

    /// One withdrawal-watcher poll (the run loop calls it every `withdrawalWatch.pollInterval`): reads
    /// `WithdrawInitiated` logs of the settlement contract from the block after the last one read (remembered in
    /// storage; on first start `initialLookbackBlocks` before the head) to the head, in ranges of at most
    /// `maxBlockRange` blocks, re-reading the last `reorgDepth` blocks. For each channel with a record it stores
    /// `withdrawRequestedAt` (`finalizeAfter − withdrawDelay`) and, when that is news, calls ``requestClaim(_:)``
    /// (claim at once, then settle). Returns every notice read, also those of channels without a record. Without an
    /// RPC client it returns nothing.
    @discardableResult
    public func pollWithdrawals() async throws -> [WithdrawalNotice] {
        guard let rpc else { return [] }
        return try await jobs.withLock { try await pollWithdrawalsLocked(rpc) }
    }

    private func pollWithdrawalsLocked(_ rpc: RPCClient) async throws -> [WithdrawalNotice] {
        let watch = configuration.withdrawalWatch
        let head = try await rpc.blockNumber()
        let stored = try await storage.managerState(withdrawalCursorKey)?["block"]?.stringValue.flatMap { UInt64($0) }
        var from: UInt64
        if let stored {
            from = stored > watch.reorgDepth ? stored - watch.reorgDepth : 0
        } else {
            from = head > watch.initialLookbackBlocks ? head - watch.initialLookbackBlocks : 0
        }
        var notices: [WithdrawalNotice] = []
        while from <= head {
            let (end, overflow) = from.addingReportingOverflow(watch.maxBlockRange - 1)
            let to = overflow ? head : min(head, end)
            let logs = try await rpc.getLogs(LogFilter(fromBlock: .number(from), toBlock: .number(to), addresses: [watch.contract],
                                                       topics: [[BatchSettlementABI.Events.withdrawInitiated.topic0]]))
            for log in logs where !log.removed && log.address == watch.contract {
                guard let notice = WithdrawalNotice(topics: log.topics, data: log.data, blockNumber: log.blockNumber) else { continue }
                notices.append(notice)
                try await noteWithdrawal(notice)
            }
            guard to < UInt64.max else { break }
            try await storage.setManagerState(withdrawalCursorKey, ["block": .string(String(to + 1))])
            from = to + 1
        }
        return notices
    }

    /// Stores the withdrawal in the channel's record and, when it is news (the record said otherwise), asks for an
    /// immediate claim. Returns whether it was news; a channel without a record is not.
    @discardableResult
    func noteWithdrawal(_ notice: WithdrawalNotice) async throws -> Bool {
        let news = try await storage.update(notice.channelId) { current -> Bool in
            guard var next = current else { return false }
            let initiatedAt = notice.initiatedAt(withdrawDelay: next.config.withdrawDelay)
            guard next.withdrawRequestedAt != initiatedAt else { return false }
            next.withdrawRequestedAt = initiatedAt
            current = next
            return true
        }
        guard news else { return false }
        logger.notice("payer initiated a withdrawal: claiming the channel", metadata: [
            "channel": "\(notice.channelId.hex)", "withdraw.finalizeAfter": "\(notice.finalizeAfter)",
        ])
        requestClaim(notice.channelId)
        return true
    }
}
