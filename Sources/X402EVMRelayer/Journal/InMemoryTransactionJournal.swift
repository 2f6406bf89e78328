import Synchronization
import X402EVM

/// A ``TransactionJournal`` in memory, for tests of the components that use one.
///
/// Same rules as the file and PostgreSQL journals, but nothing survives the process: never use it where
/// money moves.
public final class InMemoryTransactionJournal: TransactionJournal {
    private let state = Mutex(JournalState())

    /// An empty journal.
    public init() {}

    /// Hands out the next nonce (see ``TransactionJournal/allocateNonce(network:relayer:chainNonce:)``).
    public func allocateNonce(network: String, relayer: Address, chainNonce: UInt64) async throws(JournalError) -> UInt64 {
        try state.withLock { state throws(JournalError) in
            let (nonce, record) = try state.allocation(NonceScope(network: network, relayer: relayer), chainNonce: chainNonce)
            state.apply(record)
            return nonce
        }
    }

    /// Gives back a nonce the node refused; ignored when it was never handed out or is already released.
    public func releaseNonce(network: String, relayer: Address, nonce: UInt64) async throws(JournalError) {
        state.withLock { state in
            if let record = state.release(NonceScope(network: network, relayer: relayer), nonce: nonce) { state.apply(record) }
        }
    }

    /// Records `entry` unless its key is taken.
    public func insert(_ entry: JournalEntry) async throws(JournalError) -> JournalInsertResult {
        try state.withLock { state throws(JournalError) in
            if let existing = try state.conflict(for: entry) { return .existing(existing) }
            state.apply(.entry(entry))
            return .inserted
        }
    }

    /// Applies `update` to the entry `key`.
    @discardableResult
    public func update(key: String, _ update: JournalUpdate) async throws(JournalError) -> JournalEntry? {
        state.withLock { state in
            guard let entry = state.updated(key: key, update, now: JournalState.now()) else { return nil }
            state.apply(.entry(entry))
            return entry
        }
    }

    /// The entry with idempotency key `key`.
    public func entry(key: String) async throws(JournalError) -> JournalEntry? { state.withLock { $0.entry(key: key) } }

    /// The entry of transaction `hash`.
    public func entry(hash: Bytes32) async throws(JournalError) -> JournalEntry? { state.withLock { $0.entry(hash: hash) } }

    /// Entries still `signed` or `pending`, oldest first.
    public func unfinished(network: String?) async throws(JournalError) -> [JournalEntry] {
        state.withLock { $0.unfinished(network: network) }
    }

    /// Every entry of `relayer` on `network` with `nonce`, oldest first.
    public func entries(network: String, relayer: Address, nonce: UInt64) async throws(JournalError) -> [JournalEntry] {
        state.withLock { $0.entries(network: network, relayer: relayer, nonce: nonce) }
    }

    /// Released nonces not handed out again.
    public func releasedNonceCount(network: String, relayer: Address) async throws(JournalError) -> Int {
        state.withLock { $0.releasedCount(NonceScope(network: network, relayer: relayer)) }
    }
}
