import X402EVM

/// Why a ``TransactionJournal`` operation failed. Every implementation throws this type.
public indirect enum JournalError: Error, Sendable, CustomStringConvertible {
    /// Another entry (under `existingKey`) already records this transaction hash.
    case duplicateHash(Bytes32, existingKey: String)
    /// The next nonce would not fit the storage: the counter never wraps around.
    case nonceOverflow(network: String, relayer: Address)
    /// A value too large for the storage column (PostgreSQL `BIGINT` holds at most `Int64.max`).
    case valueOutOfRange(field: String, value: UInt64)
    /// Another process, or another journal in this one, has the directory open.
    case locked(path: String)
    /// A complete record of the log could not be read; the journal does not open rather than lose it.
    case corruptRecord(path: String, line: Int, reason: String)
    /// A stored row could not be decoded.
    case corruptRow(table: String, key: String, reason: String)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// The journal was closed with `close()`.
    case closed
    /// An earlier write failed, so what is on disk is unknown: reopen the journal to continue from it.
    case unusable(after: JournalError)
    /// The table prefix is not a lowercase SQL identifier (`[a-z_][a-z0-9_]*`, at most 40 characters).
    case invalidTablePrefix(String)
    /// The database refused or could not run `operation`; `underlying` is the driver's error.
    case database(operation: String, underlying: any Error)

    public var description: String {
        switch self {
        case .duplicateHash(let hash, let key): "transaction \(hash) is already journaled under key \(key)"
        case .nonceOverflow(let network, let relayer): "nonce counter of \(relayer) on \(network) is exhausted"
        case .valueOutOfRange(let field, let value): "\(field) \(value) does not fit the journal's storage"
        case .locked(let path): "journal \(path) is open in another process or journal"
        case .corruptRecord(let path, let line, let reason): "journal \(path) line \(line) is corrupt: \(reason)"
        case .corruptRow(let table, let key, let reason): "journal table \(table) row \(key) is corrupt: \(reason)"
        case .io(let operation, let path, let errno): "\(operation) \(path) failed: errno \(errno)"
        case .closed: "journal is closed"
        case .unusable(let cause): "journal stopped after a failed write (\(cause)); reopen it"
        case .invalidTablePrefix(let prefix): "invalid journal table prefix \"\(prefix)\""
        case .database(let operation, let underlying): "journal database \(operation) failed: \(String(reflecting: underlying))"
        }
    }
}
