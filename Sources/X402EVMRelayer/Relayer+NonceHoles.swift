import Synchronization
import X402EVM
import X402EVMRPC

/// A nonce of one of the relayer's keys that the chain has not counted while a later transaction of that key waits.
struct NonceHole: Hashable, Sendable {
    let sender: Address
    let nonce: UInt64
}

extension Relayer {
    /// The most nonces looked at per key and sweep.
    static let nonceHoleScan: UInt64 = 256

    /// Fills the nonce holes under the unfinished transactions: a nonce below one of them that the node does not
    /// count and that no unfinished entry holds, so every later transaction of that key waits forever. A crash
    /// between handing a nonce out and journaling its transaction leaves one; so does a chain that dropped (a reorg)
    /// or never had (a devnet started again) a transaction the journal has as mined.
    ///
    /// Only a hole the previous sweep found too is filled: a nonce handed out a moment ago, whose transaction is
    /// being signed or journaled (maybe by another instance sharing the journal), is not a hole. A journaled
    /// transaction with that nonce goes again, exact bytes; a nonce never journaled is taken by a zero-value
    /// transfer from the key to itself, journaled like any transaction. Returns how many holes were filled.
    @discardableResult
    func fillNonceHoles(below unfinished: [JournalEntry]) async -> Int {
        var found: Set<NonceHole> = []
        for (sender, entries) in Dictionary(grouping: unfinished, by: \.relayer) where addresses.contains(sender) {
            let waiting = Set(entries.map(\.nonce))
            guard let top = waiting.max(), let counted = try? await rpc.getTransactionCount(sender, block: .pending),
                  counted < top else { continue }
            for nonce in counted..<min(top, counted + Self.nonceHoleScan) where !waiting.contains(nonce) {
                found.insert(NonceHole(sender: sender, nonce: nonce))
            }
        }
        let ripe = nonceHoles.withLock { seen in
            let ripe = found.intersection(seen)
            seen = found.subtracting(ripe)
            return ripe
        }
        var filled = 0
        for hole in ripe.sorted(by: { $0.nonce < $1.nonce }) where await fill(hole) { filled += 1 }
        return filled
    }

    /// Sends the transaction that takes `hole`'s nonce; false when none could be sent.
    private func fill(_ hole: NonceHole) async -> Bool {
        guard let index = addresses.firstIndex(of: hole.sender) else { return false }
        let network = configuration.network
        guard let journaled = try? await journal.entries(network: network, relayer: hole.sender, nonce: hole.nonce) else { return false }
        if let sent = journaled.last(where: { $0.status != .rejected }) {
            _ = try? await rpc.sendRawTransaction(sent.raw)
            metrics.nonceHoleFilled(how: "rebroadcast")
            logger.warning("re-broadcast a journaled transaction the chain does not have", metadata: [
                "relayer.tx": "\(sent.hash)", "relayer.nonce": "\(hole.nonce)", "relayer.status": "\(sent.status)",
            ])
            return true
        }
        guard let head = try? await latestBlock(), let fees = try? await currentFees(head) else { return false }
        let key = keys[index]
        return await lanes[index].withLock { () async -> Bool in
            // Re-read under the lane: a send of this process may have taken the nonce meanwhile.
            guard let counted = try? await rpc.getTransactionCount(hole.sender, block: .pending), counted <= hole.nonce,
                  (try? await journal.entries(network: network, relayer: hole.sender, nonce: hole.nonce))?.isEmpty == true else {
                return false
            }
            let signed = fees.transaction(chainId: configuration.chainId, nonce: hole.nonce, gasLimit: 21_000, to: hole.sender, data: [])
                .signed(with: key)
            let entry = JournalEntry(key: "nonce-filler:\(network):\(hole.sender.lowercased):\(hole.nonce)", network: network,
                                     relayer: hole.sender, nonce: hole.nonce, hash: signed.hash, raw: signed.raw,
                                     purpose: "nonce-filler", status: .signed, context: [:], createdAt: Self.nowMillis())
            guard case .inserted? = try? await journal.insert(entry) else { return false }
            metrics.pendingChanged(+1)
            do throws(RPCError) {
                _ = try await rpc.sendRawTransaction(signed.raw)
            } catch {
                logger.warning("nonce filler not accepted by the node", metadata: ["relayer.nonce": "\(hole.nonce)", "relayer.error": "\(error)"])
            }
            _ = try? await journal.update(key: entry.key, JournalUpdate(status: .pending))
            metrics.nonceHoleFilled(how: "filler")
            logger.warning("filled a nonce hole with a zero-value transfer", metadata: [
                "relayer.tx": "\(signed.hash)", "relayer.sender": "\(hole.sender)", "relayer.nonce": "\(hole.nonce)",
            ])
            return true
        }
    }
}
