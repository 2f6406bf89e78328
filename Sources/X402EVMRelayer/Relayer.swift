import Logging
import Synchronization
import X402EVM
import X402EVMRPC
import X402JSON

/// Sends the transactions that move money, at most once per operation and never twice per nonce.
///
/// Every submission is simulated (`eth_estimateGas`, whose revert bytes say why it would fail), priced
/// from the node (EIP-1559 where the chain has a base fee, legacy otherwise), signed by the next key in
/// round-robin order, **written to the journal**, then broadcast, and its receipt awaited with a
/// timeout. Per key, nonce allocation through broadcast is serialized, so concurrent claims and settles
/// never collide; the journal makes nonces unique across restarts and instances.
///
/// Idempotency: a request whose key is already journaled is answered from that transaction (waiting
/// for its receipt, re-broadcasting its exact bytes if it may not have reached the node).
public final class Relayer: Sendable {
    /// The node.
    public let rpc: RPCClient
    /// Where every transaction is recorded before it is broadcast.
    public let journal: any TransactionJournal
    /// Pricing, sizing and waiting.
    public let configuration: RelayerConfiguration
    /// Sender addresses, in round-robin order (listed in `/supported` signers).
    public let addresses: [Address]
    /// Where sends, receipts and failures are logged (never keys or raw transactions).
    public let logger: Logger

    let keys: [PrivateKey]
    /// One per key: held while a nonce is handed out, signed, journaled and broadcast.
    let lanes: [AsyncLock]
    private let cursor = Atomic<Int>(0)
    let metrics: RelayerMetrics
    /// Nonce holes the last sweep found (``fillNonceHoles(below:)`` fills those it finds again).
    let nonceHoles = Mutex<Set<NonceHole>>([])

    /// A relayer sending from `keys` (at least one) through `rpc`, journaling into `journal`.
    public init(rpc: RPCClient, keys: [PrivateKey], journal: any TransactionJournal, configuration: RelayerConfiguration,
                logger: Logger = Logger(label: "x402.relayer")) {
        self.rpc = rpc
        self.keys = keys
        self.addresses = keys.map(\.address)
        self.lanes = keys.map { _ in AsyncLock() }
        self.journal = journal
        self.configuration = configuration
        self.logger = logger
        self.metrics = RelayerMetrics(network: configuration.network)
    }

    // MARK: Reads and simulation

    /// `eth_call`; a revert is ``RelayerError/simulationFailed(revertData:message:)``.
    public func call(to: Address, data: [UInt8], from: Address? = nil, block: BlockTag = .latest) async throws(RelayerError) -> [UInt8] {
        do {
            return try await rpc.call(CallRequest(from: from ?? addresses.first, to: to, data: data), block: block)
        } catch {
            throw Self.classify(error)
        }
    }

    /// `eth_estimateGas` (no margin); a revert is ``RelayerError/simulationFailed(revertData:message:)``.
    public func estimateGas(to: Address, data: [UInt8], from: Address? = nil) async throws(RelayerError) -> UInt64 {
        do {
            return try await rpc.estimateGas(CallRequest(from: from ?? addresses.first, to: to, data: data))
        } catch {
            throw Self.classify(error)
        }
    }

    /// The latest block's gas limit.
    public func blockGasLimit() async throws(RelayerError) -> UInt64 {
        try await latestBlock().gasLimit
    }

    func latestBlock() async throws(RelayerError) -> Block {
        do throws(RPCError) {
            guard let block = try await rpc.getBlockByNumber(.latest) else { throw RPCError.missingResult }
            return block
        } catch {
            throw .rpc(error)
        }
    }

    /// `estimate` plus the configured margin (for a caller that estimated already and passes it as the gas limit).
    public func paddedGasLimit(_ estimate: UInt64) -> UInt64 {
        let (padded, overflow) = estimate.multipliedReportingOverflow(by: 100 + configuration.gasMarginPercent)
        return overflow ? estimate : padded / 100
    }

    static func classify(_ error: RPCError) -> RelayerError {
        if let rpcError = error.jsonRPCError, let data = rpcError.revertData {
            return .simulationFailed(revertData: data, message: rpcError.message)
        }
        return .rpc(error)
    }

    // MARK: Submitting

    /// Relays `request` once: answers from the journal when its key was already sent, else simulates,
    /// signs, journals, broadcasts and waits for the receipt.
    public func submit(_ request: RelayRequest) async throws(RelayerError) -> RelayOutcome {
        guard !keys.isEmpty else { throw .noKeys }
        let (existing, attemptKey) = try await latestAttempt(request.key)
        if let existing { return await resume(existing, replayed: true) }

        let index = cursor.wrappingAdd(1, ordering: .relaxed).oldValue % keys.count
        let key = keys[index]
        let sender = addresses[index]
        // One read of the head serves the gas cap and the fees.
        let head = try await latestBlock()
        let gasLimit: UInt64
        if let fixed = request.gasLimit {
            gasLimit = fixed
        } else {
            let estimate = try await estimateGas(to: request.to, data: request.data, from: sender)
            let cap = head.gasLimit / 100 * configuration.maxBlockGasPercent
            guard estimate <= cap else {
                throw .simulationFailed(revertData: [], message: "needs \(estimate) gas, over the block limit share \(cap)")
            }
            gasLimit = min(paddedGasLimit(estimate), cap)
        }
        let fees = try await currentFees(head)

        let (sent, ours) = try await lanes[index].withLock { () async throws(RelayerError) -> (JournalEntry, Bool) in
            try await sendLocked(request, attemptKey: attemptKey, key: key, sender: sender, gasLimit: gasLimit, fees: fees)
        }
        // Not ours: another caller journaled the same operation first; wait for theirs.
        return ours ? await awaitReceipt(sent, replayed: false) : await resume(sent, replayed: true)
    }

    /// The entry of the operation's most recent attempt that was not refused by the node, and the key
    /// a new attempt would use (`key`, then `key#2`, `key#3`, ... after refusals).
    func latestAttempt(_ key: String) async throws(RelayerError) -> (JournalEntry?, String) {
        var attempt = 1
        var current = key
        while attempt < 64 {
            let entry: JournalEntry?
            do { entry = try await journal.entry(key: current) } catch { throw .journal("\(error)") }
            guard let entry else { return (nil, current) }
            if entry.status != .rejected { return (entry, current) }
            attempt += 1
            current = "\(key)#\(attempt)"
        }
        throw .journal("operation \(key) was refused \(attempt) times")
    }

    /// Nonce, sign, journal, broadcast, with the key's lane held. Returns the entry and whether this call
    /// sent it (false: another caller's entry for the same operation).
    private func sendLocked(_ request: RelayRequest, attemptKey: String, key: PrivateKey, sender: Address,
                            gasLimit: UInt64, fees: Fees) async throws(RelayerError) -> (JournalEntry, Bool) {
        let chainNonce: UInt64
        do { chainNonce = try await rpc.getTransactionCount(sender, block: .pending) } catch { throw .rpc(error) }
        let nonce: UInt64
        do {
            nonce = try await journal.allocateNonce(network: configuration.network, relayer: sender, chainNonce: chainNonce)
        } catch {
            throw .journal("\(error)")
        }
        // Nonces handed out but unknown to the node: their transactions never reached it (it was down or
        // restarted). Re-send them first so the new one does not wait behind a hole.
        if nonce > chainNonce { await rebroadcastStranded(sender: sender, nonces: chainNonce..<nonce) }
        await reportNonceGaps(sender)
        let transaction = fees.transaction(chainId: configuration.chainId, nonce: nonce, gasLimit: gasLimit,
                                           to: request.to, data: request.data)
        let signed = transaction.signed(with: key)
        var entry = JournalEntry(key: attemptKey, network: configuration.network, relayer: sender, nonce: nonce,
                                 hash: signed.hash, raw: signed.raw, purpose: request.purpose, status: .signed,
                                 context: request.context, createdAt: Self.nowMillis())
        do {
            switch try await journal.insert(entry) {
            case .inserted: break
            case .existing(let other):
                try? await journal.releaseNonce(network: configuration.network, relayer: sender, nonce: nonce)
                return (other, false)
            }
        } catch JournalError.duplicateHash(_, let existingKey) where existingKey.hasPrefix(request.key) {
            // Re-signing a refused attempt with the same nonce and fees gives the same bytes: revive it.
            guard let revived = try? await journal.update(key: existingKey, JournalUpdate(status: .signed)) else {
                throw .journal("cannot revive refused attempt \(existingKey)")
            }
            entry = revived
        } catch {
            try? await journal.releaseNonce(network: configuration.network, relayer: sender, nonce: nonce)
            throw .journal("\(error)")
        }
        let attemptKey = entry.key
        metrics.pendingChanged(+1)

        do throws(RPCError) {
            _ = try await rpc.sendRawTransaction(signed.raw)
        } catch {
            if let refusal = await refusal(error, hash: signed.hash) {
                // Never reached the chain: the nonce is free again, the attempt is over.
                try? await journal.releaseNonce(network: configuration.network, relayer: sender, nonce: nonce)
                _ = try? await journal.update(key: attemptKey, JournalUpdate(status: .rejected))
                await reportNonceGaps(sender)
                metrics.pendingChanged(-1)
                metrics.finished(.rejected, purpose: request.purpose, gasUsed: nil)
                logger.warning("transaction refused by the node", metadata: [
                    "relayer.purpose": "\(request.purpose)", "relayer.nonce": "\(nonce)", "relayer.error": "\(refusal)",
                ])
                throw .rejected(message: refusal)
            }
            // The node may or may not have it (transport failure): the bytes are journaled; the receipt
            // wait below, a retry or a restart re-broadcasts them.
            logger.warning("broadcast outcome unknown; will re-broadcast", metadata: [
                "relayer.tx": "\(signed.hash)", "relayer.error": "\(error)",
            ])
        }
        let pending = (try? await journal.update(key: attemptKey, JournalUpdate(status: .pending))) ?? nil
        logger.info("transaction sent", metadata: [
            "relayer.tx": "\(signed.hash)", "relayer.purpose": "\(request.purpose)", "relayer.sender": "\(sender)",
            "relayer.nonce": "\(nonce)", "relayer.gas_limit": "\(gasLimit)",
        ])
        return (pending ?? entry, true)
    }

    /// Publishes how many released nonces of `sender` wait to be reused (the nonce gaps).
    private func reportNonceGaps(_ sender: Address) async {
        if let gaps = try? await journal.releasedNonceCount(network: configuration.network, relayer: sender) {
            metrics.nonceGaps(gaps, relayer: sender.checksummed)
        }
    }

    /// A definitive refusal by the node (nil when the transaction may have been accepted).
    private func refusal(_ error: RPCError, hash: Bytes32) async -> String? {
        guard let rpcError = error.jsonRPCError else { return nil }
        let message = rpcError.message.lowercased()
        if message.contains("already known") || message.contains("known transaction") || message.contains("already imported") {
            return nil
        }
        if message.contains("nonce too low") || message.contains("replacement") {
            // Ours may already be in (a re-broadcast); only a transaction the node does not know is refused.
            if (try? await rpc.getTransactionByHash(hash)) != nil { return nil }
        }
        return rpcError.message
    }

    /// Broadcasts the exact bytes of `sender`'s unfinished journaled transactions in `nonces`, in nonce order.
    private func rebroadcastStranded(sender: Address, nonces: Range<UInt64>) async {
        guard let unfinished = try? await journal.unfinished(network: configuration.network) else { return }
        let stranded = unfinished.filter { $0.relayer == sender && nonces.contains($0.nonce) }.sorted { $0.nonce < $1.nonce }
        for entry in stranded {
            _ = try? await rpc.sendRawTransaction(entry.raw)
            logger.notice("re-broadcast stranded transaction", metadata: ["relayer.tx": "\(entry.hash)", "relayer.nonce": "\(entry.nonce)"])
        }
    }

    // MARK: Receipts

    /// Waits for a journaled transaction (an operation being retried), re-broadcasting it first when unfinished.
    public func resume(_ entry: JournalEntry, replayed: Bool) async -> RelayOutcome {
        if !entry.status.isFinal { _ = try? await rpc.sendRawTransaction(entry.raw) }
        return await awaitReceipt(entry, replayed: replayed)
    }

    /// Polls for the receipt until the timeout; records the result in the journal.
    func awaitReceipt(_ entry: JournalEntry, replayed: Bool) async -> RelayOutcome {
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.receiptTimeout
        while true {
            if let receipt = (try? await rpc.getTransactionReceipt(entry.hash)) ?? nil {
                return .mined(await recordReceipt(entry, receipt), receipt, replayed: replayed)
            }
            if clock.now >= deadline || Task.isCancelled { return .pending(entry) }
            try? await Task.sleep(for: configuration.receiptPollInterval)
        }
    }

    private func recordReceipt(_ entry: JournalEntry, _ receipt: TransactionReceipt) async -> JournalEntry {
        // Another waiter (a retry, the recovery sweep) may have recorded it already.
        let current = (try? await journal.entry(key: entry.key)) ?? nil
        if let current, current.status.isFinal, current.blockHash == receipt.blockHash { return current }
        let entry = current ?? entry
        let status: JournalStatus = receipt.succeeded ? .confirmed : .reverted
        let update = JournalUpdate(status: status, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash,
                                   gasUsed: receipt.gasUsed)
        let updated = (try? await journal.update(key: entry.key, update)) ?? nil
        if !entry.status.isFinal {
            metrics.pendingChanged(-1)
            metrics.finished(status, purpose: entry.purpose, gasUsed: receipt.gasUsed)
        }
        logger.info("transaction mined", metadata: [
            "relayer.tx": "\(entry.hash)", "relayer.status": "\(status)", "relayer.gas_used": "\(receipt.gasUsed)",
            "relayer.block": "\(receipt.blockNumber)",
        ])
        return updated ?? entry
    }

    /// Stores the answer given for an operation, so a retry returns it unchanged.
    public func recordOutcome(_ outcome: JSONObject, for entry: JournalEntry) async {
        _ = try? await journal.update(key: entry.key, JournalUpdate(status: entry.status, outcome: outcome))
    }

    /// After a restart, and on every recovery sweep: fills the nonce holes found by this sweep and the one before
    /// (``fillNonceHoles(below:)``), re-broadcasts every unfinished transaction of this network and waits for the
    /// receipts (each up to the receipt timeout). Returns how many were still unfinished.
    @discardableResult
    public func resumeUnfinished() async -> Int {
        guard var unfinished = try? await journal.unfinished(network: configuration.network) else { return 0 }
        if await fillNonceHoles(below: unfinished) > 0 {
            unfinished = (try? await journal.unfinished(network: configuration.network)) ?? unfinished
        }
        metrics.setPending(unfinished.count)
        await withTaskGroup(of: Void.self) { group in
            for entry in unfinished.sorted(by: { $0.nonce < $1.nonce }) {
                _ = try? await rpc.sendRawTransaction(entry.raw)
                group.addTask { _ = await self.awaitReceipt(entry, replayed: true) }
            }
        }
        return unfinished.count
    }

    /// The journal entry of an operation's latest attempt.
    public func entry(forKey key: String) async throws(RelayerError) -> JournalEntry? {
        try await latestAttempt(key).0
    }

    // MARK: Fees

    func currentFees(_ block: Block) async throws(RelayerError) -> Fees {
        do throws(RPCError) {
            if let base = block.baseFeePerGas, !configuration.forceLegacy {
                let tip = (try? await rpc.maxPriorityFeePerGas()) ?? UInt256(1_000_000_000)
                // A node's numbers are input: an absurd fee is an error, not a trap.
                let (twice, o1) = base.addingReportingOverflow(base)
                let (maxFee, o2) = twice.addingReportingOverflow(tip)
                guard !o1, !o2 else { throw RPCError.invalidResult(field: "baseFeePerGas", reason: "fee overflows uint256") }
                return .eip1559(maxFee: maxFee, tip: tip)
            }
            return .legacy(gasPrice: try await rpc.gasPrice())
        } catch {
            throw .rpc(error)
        }
    }

    static func nowMillis() -> UInt64 { WallClock.millis() }
}

/// Fee fields of the next transaction.
enum Fees: Sendable {
    case eip1559(maxFee: UInt256, tip: UInt256)
    case legacy(gasPrice: UInt256)

    func transaction(chainId: UInt64, nonce: UInt64, gasLimit: UInt64, to: Address, data: [UInt8]) -> Transaction {
        switch self {
        case .eip1559(let maxFee, let tip):
            return .eip1559(EIP1559Transaction(chainId: chainId, nonce: nonce, maxPriorityFeePerGas: tip, maxFeePerGas: maxFee,
                                               gasLimit: gasLimit, to: to, data: data))
        case .legacy(let gasPrice):
            return .legacy(LegacyTransaction(chainId: chainId, nonce: nonce, gasPrice: gasPrice, gasLimit: gasLimit, to: to, data: data))
        }
    }
}
