import X402EVM

/// The sender a nonce sequence belongs to.
struct NonceScope: Hashable, Sendable {
    let network: String
    let relayer: Address
}

/// One sender's nonce state.
struct NonceCounter: Sendable, Equatable {
    /// The lowest nonce the counter has not handed out.
    var next: UInt64 = 0
    /// Nonces given back and not handed out again.
    var released: Set<UInt64> = []
}

/// One change to the journal: the unit the file journal logs and replays.
enum JournalRecord: Sendable, Equatable {
    /// `nonce` was handed out while the node reported `chainNonce`.
    case allocated(NonceScope, chainNonce: UInt64, nonce: UInt64)
    /// `nonce` was given back.
    case released(NonceScope, nonce: UInt64)
    /// An entry was inserted, or replaced by its updated version.
    case entry(JournalEntry)
    /// A sender's whole nonce state (what compaction writes instead of the allocations).
    case counter(NonceScope, NonceCounter)
}

/// The journal's contents and rules, shared by the in-memory and file journals.
///
/// Each operation is split in two so the file journal can make a change durable before it is visible:
/// a pure step computes the ``JournalRecord`` (or the answer when nothing changes), then
/// ``apply(_:)`` performs it. Replaying a log through ``apply(_:)`` rebuilds the same state.
struct JournalState: Sendable {
    private struct Stored: Sendable {
        var sequence: Int  // insertion order: ties of createdAt keep it
        var entry: JournalEntry
    }

    private var entries: [String: Stored] = [:]
    private var keyByHash: [Bytes32: String] = [:]
    private var unfinishedKeys: Set<String> = []
    private var counters: [NonceScope: NonceCounter] = [:]
    private var nextSequence = 0

    /// Records that the current state needs (entries plus senders), to tell when a log is worth compacting.
    var liveRecordCount: Int { entries.count + counters.count }

    // MARK: Nonces

    /// The record that hands out the next nonce: the lowest released one at or above `chainNonce`,
    /// else `max(chainNonce, next)`.
    func allocation(_ scope: NonceScope, chainNonce: UInt64) throws(JournalError) -> (nonce: UInt64, record: JournalRecord) {
        let counter = counters[scope] ?? NonceCounter()
        let nonce: UInt64
        if let released = counter.released.lazy.filter({ $0 >= chainNonce }).min() {
            nonce = released
        } else {
            nonce = max(chainNonce, counter.next)
            guard nonce < UInt64.max else { throw .nonceOverflow(network: scope.network, relayer: scope.relayer) }
        }
        return (nonce, .allocated(scope, chainNonce: chainNonce, nonce: nonce))
    }

    /// The record that gives `nonce` back; nil when there is nothing to record: the counter never handed it
    /// out (releasing it would hand it out twice) or it is already released.
    func release(_ scope: NonceScope, nonce: UInt64) -> JournalRecord? {
        guard let counter = counters[scope], nonce < counter.next, !counter.released.contains(nonce) else { return nil }
        return .released(scope, nonce: nonce)
    }

    /// Released nonces of `scope` not handed out again.
    func releasedCount(_ scope: NonceScope) -> Int { counters[scope]?.released.count ?? 0 }

    // MARK: Entries

    /// The entry with `key`.
    func entry(key: String) -> JournalEntry? { entries[key]?.entry }

    /// The entry of transaction `hash`.
    func entry(hash: Bytes32) -> JournalEntry? { keyByHash[hash].flatMap { entries[$0]?.entry } }

    /// The entry already holding `entry`'s key (then inserting writes nothing); throws when another key holds
    /// its hash.
    func conflict(for entry: JournalEntry) throws(JournalError) -> JournalEntry? {
        if let existing = entries[entry.key] { return existing.entry }
        if let other = keyByHash[entry.hash] { throw .duplicateHash(entry.hash, existingKey: other) }
        return nil
    }

    /// The entry `key` after `update` at `now` (unix milliseconds; `updatedAt` never goes back).
    func updated(key: String, _ update: JournalUpdate, now: UInt64) -> JournalEntry? {
        guard var entry = entries[key]?.entry else { return nil }
        entry.status = update.status
        if let blockNumber = update.blockNumber { entry.blockNumber = blockNumber }
        if let blockHash = update.blockHash { entry.blockHash = blockHash }
        if let gasUsed = update.gasUsed { entry.gasUsed = gasUsed }
        if let outcome = update.outcome { entry.outcome = outcome }
        entry.updatedAt = max(now, entry.updatedAt)
        return entry
    }

    /// Entries still `signed` or `pending`, oldest first (then in insertion order).
    func entries(network: String, relayer: Address, nonce: UInt64) -> [JournalEntry] {
        entries.values
            .filter { $0.entry.nonce == nonce && $0.entry.relayer == relayer && $0.entry.network == network }
            .sorted { ($0.entry.createdAt, $0.sequence) < ($1.entry.createdAt, $1.sequence) }
            .map(\.entry)
    }

    func unfinished(network: String?) -> [JournalEntry] {
        unfinishedKeys.lazy
            .compactMap { entries[$0] }
            .filter { network == nil || $0.entry.network == network }
            .sorted { ($0.entry.createdAt, $0.sequence) < ($1.entry.createdAt, $1.sequence) }
            .map(\.entry)
    }

    // MARK: Applying records

    /// Performs `record`.
    mutating func apply(_ record: JournalRecord) {
        switch record {
        case .allocated(let scope, let chainNonce, let nonce):
            var counter = counters[scope] ?? NonceCounter()
            // Released nonces below the node's count were used by another sender of the same key.
            counter.released = counter.released.filter { $0 >= chainNonce }
            counter.released.remove(nonce)
            counter.next = max(counter.next, nonce + 1)
            counters[scope] = counter
        case .released(let scope, let nonce):
            counters[scope, default: NonceCounter()].released.insert(nonce)
        case .counter(let scope, let counter):
            counters[scope] = counter
        case .entry(let entry):
            if let old = entries[entry.key] {
                if old.entry.hash != entry.hash { keyByHash[old.entry.hash] = nil }
                entries[entry.key] = Stored(sequence: old.sequence, entry: entry)
            } else {
                entries[entry.key] = Stored(sequence: nextSequence, entry: entry)
                nextSequence += 1
            }
            keyByHash[entry.hash] = entry.key
            if entry.status.isFinal { unfinishedKeys.remove(entry.key) } else { unfinishedKeys.insert(entry.key) }
        }
    }

    /// The fewest records that rebuild this state: one per sender, then the entries in insertion order.
    func snapshot() -> [JournalRecord] {
        let senders = counters.sorted { ($0.key.network, $0.key.relayer) < ($1.key.network, $1.key.relayer) }
        return senders.map { JournalRecord.counter($0.key, $0.value) }
            + entries.values.sorted { $0.sequence < $1.sequence }.map { JournalRecord.entry($0.entry) }
    }

    /// The wall clock in unix milliseconds.
    static func now() -> UInt64 { WallClock.millis() }
}
