import X402EVM
import X402JSON

/// Where a relayed transaction stands in the journal.
public enum JournalStatus: String, Codable, Sendable, Hashable, CaseIterable {
    /// Signed and recorded, maybe not yet broadcast (a crash here is resumed by re-broadcasting `raw`).
    case signed
    /// Broadcast; no receipt yet.
    case pending
    /// Mined, status 1.
    case confirmed
    /// Mined, status 0: the nonce is spent, the call had no effect.
    case reverted
    /// The node refused it before it was mined; its nonce went back to the pool.
    case rejected

    /// Whether nothing more will happen to the transaction.
    public var isFinal: Bool { self == .confirmed || self == .reverted || self == .rejected }
}

/// One transaction the facilitator sent, recorded before it is broadcast.
///
/// `key` is the idempotency key of the operation (e.g. the deposit's ERC-3009 nonce, the claim's rows):
/// a second operation with the same key finds this entry instead of sending again. `context` holds what
/// the scheme needs to rebuild its answer after a restart, `outcome` the answer once final.
public struct JournalEntry: Sendable, Equatable {
    /// Idempotency key of the operation; unique in the journal.
    public var key: String
    /// CAIP-2 network.
    public var network: String
    /// The relayer key's address (the transaction sender).
    public var relayer: Address
    /// The sender nonce the transaction uses.
    public var nonce: UInt64
    /// Transaction hash.
    public var hash: Bytes32
    /// The signed transaction, exactly as broadcast.
    public var raw: [UInt8]
    /// What the transaction does: `deposit`, `claim`, `settle`, `refund`, ...
    public var purpose: String
    /// Where it stands.
    public var status: JournalStatus
    /// Scheme data to rebuild the answer (amounts, channel id, pre-state).
    public var context: JSONObject
    /// The answer given once the transaction was final (a `SettleResponse` as JSON).
    public var outcome: JSONObject?
    /// Block number once mined.
    public var blockNumber: UInt64?
    /// Block hash once mined.
    public var blockHash: Bytes32?
    /// Gas used once mined.
    public var gasUsed: UInt64?
    /// When the entry was written (unix milliseconds).
    public var createdAt: UInt64
    /// When the entry last changed (unix milliseconds).
    public var updatedAt: UInt64

    /// Creates an entry.
    public init(key: String, network: String, relayer: Address, nonce: UInt64, hash: Bytes32, raw: [UInt8], purpose: String,
                status: JournalStatus = .signed, context: JSONObject = JSONObject(), outcome: JSONObject? = nil,
                blockNumber: UInt64? = nil, blockHash: Bytes32? = nil, gasUsed: UInt64? = nil,
                createdAt: UInt64, updatedAt: UInt64? = nil) {
        self.key = key
        self.network = network
        self.relayer = relayer
        self.nonce = nonce
        self.hash = hash
        self.raw = raw
        self.purpose = purpose
        self.status = status
        self.context = context
        self.outcome = outcome
        self.blockNumber = blockNumber
        self.blockHash = blockHash
        self.gasUsed = gasUsed
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// A change to a journal entry (fields left nil stay as they are).
public struct JournalUpdate: Sendable, Equatable {
    /// The new status.
    public var status: JournalStatus
    /// Block number, when mined.
    public var blockNumber: UInt64?
    /// Block hash, when mined.
    public var blockHash: Bytes32?
    /// Gas used, when mined.
    public var gasUsed: UInt64?
    /// The final answer, when there is one.
    public var outcome: JSONObject?

    /// Creates an update.
    public init(status: JournalStatus, blockNumber: UInt64? = nil, blockHash: Bytes32? = nil, gasUsed: UInt64? = nil,
                outcome: JSONObject? = nil) {
        self.status = status
        self.blockNumber = blockNumber
        self.blockHash = blockHash
        self.gasUsed = gasUsed
        self.outcome = outcome
    }
}

/// What ``TransactionJournal/insert(_:)`` did.
public enum JournalInsertResult: Sendable, Equatable {
    /// The entry is now in the journal.
    case inserted
    /// An entry with the same key was already there (returned); nothing was written.
    case existing(JournalEntry)
}

/// The durable record of every transaction a facilitator sends, and of the sender nonces it has used.
///
/// Every method is atomic and durable when it returns (fsync / commit). Implementations: the file
/// journal (one process) and the PostgreSQL journal (several facilitator instances sharing relayer keys).
///
/// Nonces: ``allocateNonce(network:relayer:chainNonce:)`` never hands out the same nonce twice, even
/// across restarts and instances, except one given back by ``releaseNonce(network:relayer:nonce:)``
/// (the node refused the transaction, so the nonce was never used on chain).
public protocol TransactionJournal: Sendable {
    /// The next nonce for `relayer` on `network`: the lowest released nonce at or above `chainNonce`,
    /// else `max(chainNonce, highest handed out + 1)`. `chainNonce` is the node's pending count.
    func allocateNonce(network: String, relayer: Address, chainNonce: UInt64) async throws -> UInt64
    /// Gives back a nonce whose transaction the node refused (it was never mined or queued).
    func releaseNonce(network: String, relayer: Address, nonce: UInt64) async throws
    /// Records `entry` unless an entry with its key exists (then returns that one unchanged).
    func insert(_ entry: JournalEntry) async throws -> JournalInsertResult
    /// Applies `update` to the entry with `key` (and sets `updatedAt`); returns the entry after it, or
    /// nil when there is none.
    @discardableResult
    func update(key: String, _ update: JournalUpdate) async throws -> JournalEntry?
    /// The entry with idempotency key `key`.
    func entry(key: String) async throws -> JournalEntry?
    /// The entry of transaction `hash`.
    func entry(hash: Bytes32) async throws -> JournalEntry?
    /// Entries not yet final (`signed`, `pending`), oldest first, optionally of one network.
    func unfinished(network: String?) async throws -> [JournalEntry]
    /// Every entry of `relayer` on `network` with `nonce`, whatever its status, oldest first: what the relayer looks
    /// for when the chain has not counted a nonce it handed out (a nonce hole).
    func entries(network: String, relayer: Address, nonce: UInt64) async throws -> [JournalEntry]
    /// Released nonces not yet handed out again (the nonce gaps), per relayer, for metrics.
    func releasedNonceCount(network: String, relayer: Address) async throws -> Int
}
