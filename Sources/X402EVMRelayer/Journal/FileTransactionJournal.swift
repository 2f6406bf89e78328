import Logging
import X402EVM
import X402FileLog

/// The embedded ``TransactionJournal``: an append-only log of JSON lines in a data directory, for one
/// facilitator process.
///
/// Every change is one line, written and synced to stable storage (`fdatasync`; `F_FULLFSYNC` on Darwin)
/// before its call returns; the state lives in memory, rebuilt from the log on open. An exclusive `flock` on
/// `journal.lock` keeps a second process (or a second journal in this one) out: that open throws
/// ``JournalError/locked(path:)``. Several facilitator instances sharing relayer keys need the
/// PostgreSQL journal instead.
///
/// Crash safety: a last line without its newline is a write a crash interrupted; its call never returned,
/// so opening cuts it off. Any other unreadable line throws ``JournalError/corruptRecord(path:line:reason:)``
/// rather than lose a record. After a failed write the journal throws ``JournalError/unusable(after:)``
/// until it is reopened, since what reached the disk is unknown.
///
/// ```swift
/// let journal = try FileTransactionJournal(directory: "/var/lib/x402/journal")
/// // ... use it; at shutdown (a journal that is released closes too):
/// await journal.close()
/// ```
public actor FileTransactionJournal: TransactionJournal {
    /// The data directory.
    public nonisolated let directory: String
    private let executor: DispatchQueueExecutor
    private var state = JournalState()
    private var log: JournalLogFile?
    private var failure: JournalError?

    /// Runs on a thread of its own: the journal's writes block on `fsync`.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Opens the journal in `directory` (created when missing), replaying its log.
    ///
    /// When the log holds at least `max(compactionThreshold, live records)` superseded records (allocations
    /// and old versions of updated entries), it is rewritten with the current state first.
    public init(directory: String, compactionThreshold: Int = 10_000,
                logger: Logger = Logger(label: "x402.journal")) throws(JournalError) {
        self.directory = directory
        executor = DispatchQueueExecutor(label: "x402.journal")
        let (log, records) = try JournalLogFile.open(directory: directory, logger: logger)
        var state = JournalState()
        for record in records { state.apply(record) }
        let superseded = records.count - state.liveRecordCount
        if superseded > 0 && superseded >= max(compactionThreshold, state.liveRecordCount) {
            try log.rewrite(state.snapshot())
            logger.info("journal: compacted", metadata: [
                "path": "\(log.logPath)", "records": "\(records.count)", "kept": "\(log.recordCount)",
            ])
        }
        self.state = state
        self.log = log
    }

    /// Closes the log and releases the directory; later calls throw ``JournalError/closed``.
    public func close() {
        log?.close()
        log = nil
    }

    /// Hands out the next nonce (see ``TransactionJournal/allocateNonce(network:relayer:chainNonce:)``).
    public func allocateNonce(network: String, relayer: Address, chainNonce: UInt64) async throws(JournalError) -> UInt64 {
        try usable()
        let (nonce, record) = try state.allocation(NonceScope(network: network, relayer: relayer), chainNonce: chainNonce)
        try write(record)
        return nonce
    }

    /// Gives back a nonce the node refused; ignored when it was never handed out or is already released.
    public func releaseNonce(network: String, relayer: Address, nonce: UInt64) async throws(JournalError) {
        try usable()
        if let record = state.release(NonceScope(network: network, relayer: relayer), nonce: nonce) { try write(record) }
    }

    /// Records `entry` unless its key is taken.
    public func insert(_ entry: JournalEntry) async throws(JournalError) -> JournalInsertResult {
        try usable()
        if let existing = try state.conflict(for: entry) { return .existing(existing) }
        try write(.entry(entry))
        return .inserted
    }

    /// Applies `update` to the entry `key`.
    @discardableResult
    public func update(key: String, _ update: JournalUpdate) async throws(JournalError) -> JournalEntry? {
        try usable()
        guard let entry = state.updated(key: key, update, now: JournalState.now()) else { return nil }
        try write(.entry(entry))
        return entry
    }

    /// The entry with idempotency key `key`.
    public func entry(key: String) async throws(JournalError) -> JournalEntry? {
        try usable()
        return state.entry(key: key)
    }

    /// The entry of transaction `hash`.
    public func entry(hash: Bytes32) async throws(JournalError) -> JournalEntry? {
        try usable()
        return state.entry(hash: hash)
    }

    /// Entries still `signed` or `pending`, oldest first.
    public func unfinished(network: String?) async throws(JournalError) -> [JournalEntry] {
        try usable()
        return state.unfinished(network: network)
    }

    /// Every entry of `relayer` on `network` with `nonce`, oldest first.
    public func entries(network: String, relayer: Address, nonce: UInt64) async throws(JournalError) -> [JournalEntry] {
        try usable()
        return state.entries(network: network, relayer: relayer, nonce: nonce)
    }

    /// Released nonces not handed out again.
    public func releasedNonceCount(network: String, relayer: Address) async throws(JournalError) -> Int {
        try usable()
        return state.releasedCount(NonceScope(network: network, relayer: relayer))
    }

    private func usable() throws(JournalError) {
        if let failure { throw .unusable(after: failure) }
        guard log != nil else { throw .closed }
    }

    /// Makes `record` durable, then applies it: nothing is visible (or returned) before it is on disk.
    private func write(_ record: JournalRecord) throws(JournalError) {
        guard let log else { throw .closed }
        do {
            try log.append(JournalRecordCoding.line(JournalRecordCoding.encode(record)))
        } catch {
            failure = error
            throw error
        }
        state.apply(record)
    }
}
