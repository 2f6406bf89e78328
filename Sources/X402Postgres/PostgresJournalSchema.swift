import X402EVMRelayer

/// The PostgreSQL journal's table names and the statements that create them.
struct PostgresJournalSchema: Sendable {
    /// Journal entries: one row per idempotency key.
    let entries: String
    /// Per sender: the lowest nonce not handed out yet.
    let nonces: String
    /// Per sender: nonces given back and not handed out again.
    let released: String

    /// Tables named `prefix` + `journal`, `nonces`, `released_nonces`.
    init(prefix: String) throws(JournalError) {
        guard Self.isValidPrefix(prefix) else { throw .invalidTablePrefix(prefix) }
        entries = prefix + "journal"
        nonces = prefix + "nonces"
        released = prefix + "released_nonces"
    }

    /// Whether `prefix` may start table names: it is spliced into SQL text, so only plain lowercase identifiers
    /// (no quoting needed) pass; 40 characters leave room for the longest suffix within PostgreSQL's 63.
    static func isValidPrefix(_ prefix: String) -> Bool {
        !prefix.isEmpty && prefix.utf8.count <= 40
            && prefix.utf8.allSatisfy { $0 == 0x5F || (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
            && !(0x30...0x39).contains(prefix.utf8.first!)
    }

    /// `CREATE ... IF NOT EXISTS` statements, to run in order (in one transaction).
    ///
    /// `context` and `outcome` are JSON text, not `jsonb`: `jsonb` reorders keys and rewrites numbers, and the
    /// answer rebuilt from them must be the one first given. `sequence` breaks ties of `created_at`.
    var statements: [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS \(entries) (
                key TEXT PRIMARY KEY,
                sequence BIGINT GENERATED ALWAYS AS IDENTITY,
                network TEXT NOT NULL,
                relayer BYTEA NOT NULL CHECK (length(relayer) = 20),
                nonce BIGINT NOT NULL CHECK (nonce >= 0),
                hash BYTEA NOT NULL CHECK (length(hash) = 32),
                raw BYTEA NOT NULL,
                purpose TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('signed', 'pending', 'confirmed', 'reverted', 'rejected')),
                context TEXT NOT NULL,
                outcome TEXT,
                block_number BIGINT,
                block_hash BYTEA,
                gas_used BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                CONSTRAINT \(entries)_hash_unique UNIQUE (hash)
            )
            """,
            """
            CREATE INDEX IF NOT EXISTS \(entries)_unfinished ON \(entries) (created_at, sequence)
                WHERE status IN ('signed', 'pending')
            """,
            """
            CREATE INDEX IF NOT EXISTS \(entries)_nonce ON \(entries) (network, relayer, nonce)
            """,
            """
            CREATE TABLE IF NOT EXISTS \(nonces) (
                network TEXT NOT NULL,
                relayer BYTEA NOT NULL,
                next BIGINT NOT NULL CHECK (next >= 0),
                PRIMARY KEY (network, relayer)
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS \(released) (
                network TEXT NOT NULL,
                relayer BYTEA NOT NULL,
                nonce BIGINT NOT NULL CHECK (nonce >= 0),
                PRIMARY KEY (network, relayer, nonce)
            )
            """,
        ]
    }

    /// The unique constraint on `hash`, to tell its violation from other errors.
    var hashConstraint: String { entries + "_hash_unique" }

    /// The entry columns, in the order ``PostgresTransactionJournal`` decodes them.
    static let entryColumns = "key, network, relayer, nonce, hash, raw, purpose, status, context, outcome, "
        + "block_number, block_hash, gas_used, created_at, updated_at"
}
