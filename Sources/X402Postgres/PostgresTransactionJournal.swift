import Logging
import PostgresNIO
import X402EVM
import X402EVMRelayer
import X402JSON

/// The ``TransactionJournal`` in PostgreSQL, shared by several facilitator instances that use the same relayer keys.
///
/// Nonces are handed out under a row lock on the sender's row of `<prefix>nonces`, so two instances never get the
/// same one; an entry's key is the table's primary key, so of two instances inserting the same operation exactly
/// one inserts and the other gets the existing entry. Every method is one committed statement or transaction.
///
/// The journal runs its queries through `client`, which must be running: the caller runs `client.run()` in a
/// long-lived task (or adds the client to its `ServiceGroup`) for as long as it uses the journal, and stops it
/// after. There is nothing to close here.
///
/// ```swift
/// let client = PostgresClient(configuration: try .init(url: databaseURL))
/// async let running: Void = client.run()
/// let journal = try await PostgresTransactionJournal.open(client: client)
/// ```
public struct PostgresTransactionJournal: TransactionJournal {
    private let client: PostgresClient
    private let schema: PostgresJournalSchema
    private let logger: Logger

    private init(client: PostgresClient, schema: PostgresJournalSchema, logger: Logger) {
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    /// Opens the journal in the tables named `tablePrefix` + `journal`, `nonces`, `released_nonces`, creating
    /// them when missing (safe when several instances open at once).
    public static func open(client: PostgresClient, tablePrefix: String = "x402_",
                            logger: Logger = Logger(label: "x402.journal.postgres")) async throws(JournalError) -> Self {
        let journal = Self(client: client, schema: try PostgresJournalSchema(prefix: tablePrefix), logger: logger)
        try await journal.run("create schema") {
            try await client.withTransaction(logger: logger) { connection in
                // Concurrent CREATE TABLE IF NOT EXISTS of the same table can still collide; one at a time.
                try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(journal.schema.entries)))", logger: logger)
                for statement in journal.schema.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
        }
        return journal
    }

    // MARK: Nonces

    /// Hands out the next nonce (see ``TransactionJournal/allocateNonce(network:relayer:chainNonce:)``), atomically
    /// across every instance sharing the database.
    public func allocateNonce(network: String, relayer: Address, chainNonce: UInt64) async throws(JournalError) -> UInt64 {
        let chain = try Self.int64(chainNonce, "chainNonce")
        let relayerBytes = ByteBuffer(bytes: relayer.bytes)
        let nonce: Int64?
        do {
            nonce = try await allocate(network: network, relayer: relayerBytes, chainNonce: chain)
        } catch .database(let operation, let cause) {
            // 22003: numeric_value_out_of_range, the counter passed Int64.max.
            guard (cause as? PSQLError)?.serverInfo?[.sqlState] == "22003" else {
                throw .database(operation: operation, underlying: cause)
            }
            throw .nonceOverflow(network: network, relayer: relayer)
        }
        guard let nonce, nonce >= 0 else {
            throw .corruptRow(table: schema.nonces, key: "\(network) \(relayer)", reason: "allocation returned no nonce")
        }
        return UInt64(nonce)
    }

    private func allocate(network: String, relayer relayerBytes: ByteBuffer, chainNonce chain: Int64) async throws(JournalError) -> Int64? {
        try await run("allocate nonce") {
            try await client.withTransaction(logger: logger) { connection in
                // The sender's row lock (the row is created on first use) puts every allocation of the sender, from
                // any instance, one after another; each statement after it sees what the previous holder committed.
                try await connection.query("""
                    INSERT INTO \(unescaped: schema.nonces) (network, relayer, next) VALUES (\(network), \(relayerBytes), 0)
                    ON CONFLICT (network, relayer) DO UPDATE SET next = \(unescaped: schema.nonces).next
                    """, logger: logger)
                // Released nonces below the node's count were used by another sender of the key: dropped. Then the
                // lowest released one is reused, else the counter moves past max(chainNonce, next).
                let rows = try await connection.query("""
                    WITH stale AS (
                        DELETE FROM \(unescaped: schema.released)
                        WHERE network = \(network) AND relayer = \(relayerBytes) AND nonce < \(chain)
                    ), reused AS (
                        DELETE FROM \(unescaped: schema.released)
                        WHERE network = \(network) AND relayer = \(relayerBytes) AND nonce = (
                            SELECT min(nonce) FROM \(unescaped: schema.released)
                            WHERE network = \(network) AND relayer = \(relayerBytes) AND nonce >= \(chain))
                        RETURNING nonce
                    ), counted AS (
                        UPDATE \(unescaped: schema.nonces) SET next = GREATEST(next, \(chain)) + 1
                        WHERE network = \(network) AND relayer = \(relayerBytes) AND NOT EXISTS (SELECT 1 FROM reused)
                        RETURNING next - 1 AS nonce
                    )
                    SELECT nonce FROM reused UNION ALL SELECT nonce FROM counted
                    """, logger: logger)
                var nonce: Int64?
                for try await row in rows { nonce = try row.decode(Int64.self) }
                return nonce
            }
        }
    }

    /// Gives back a nonce the node refused; ignored when it was never handed out.
    public func releaseNonce(network: String, relayer: Address, nonce: UInt64) async throws(JournalError) {
        let value = try Self.int64(nonce, "nonce")
        let relayerBytes = ByteBuffer(bytes: relayer.bytes)
        // Only a nonce below the counter was handed out; releasing any other would hand it out twice.
        _ = try await run("release nonce") {
            try await client.query("""
                INSERT INTO \(unescaped: schema.released) (network, relayer, nonce)
                SELECT network, relayer, \(value) FROM \(unescaped: schema.nonces)
                WHERE network = \(network) AND relayer = \(relayerBytes) AND next > \(value)
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }

    /// Released nonces not handed out again.
    public func releasedNonceCount(network: String, relayer: Address) async throws(JournalError) -> Int {
        let relayerBytes = ByteBuffer(bytes: relayer.bytes)
        return try await run("count released nonces") {
            var count = 0
            let rows = try await client.query("""
                SELECT count(*) FROM \(unescaped: schema.released) WHERE network = \(network) AND relayer = \(relayerBytes)
                """, logger: logger)
            for try await row in rows { count = Int(try row.decode(Int64.self)) }
            return count
        }
    }

    // MARK: Entries

    /// Records `entry` unless its key is taken (then returns the entry holding it).
    public func insert(_ entry: JournalEntry) async throws(JournalError) -> JournalInsertResult {
        let nonce = try Self.int64(entry.nonce, "nonce")
        let blockNumber = try entry.blockNumber.map { value throws(JournalError) in try Self.int64(value, "blockNumber") }
        let gasUsed = try entry.gasUsed.map { value throws(JournalError) in try Self.int64(value, "gasUsed") }
        let createdAt = try Self.int64(entry.createdAt, "createdAt")
        let updatedAt = try Self.int64(entry.updatedAt, "updatedAt")
        let context = JSONSerializer.string(.object(entry.context))
        let outcome = entry.outcome.map { JSONSerializer.string(.object($0)) }
        let inserted: Bool
        do {
            inserted = try await run("insert entry") {
                // A concurrent insert of the same key waits for the other transaction, then does nothing.
                let rows = try await client.query("""
                    INSERT INTO \(unescaped: schema.entries) (\(unescaped: PostgresJournalSchema.entryColumns))
                    VALUES (\(entry.key), \(entry.network), \(ByteBuffer(bytes: entry.relayer.bytes)), \(nonce),
                        \(ByteBuffer(bytes: entry.hash.bytes)), \(ByteBuffer(bytes: entry.raw)), \(entry.purpose),
                        \(entry.status.rawValue), \(context), \(outcome), \(blockNumber),
                        \(entry.blockHash.map { ByteBuffer(bytes: $0.bytes) }), \(gasUsed), \(createdAt), \(updatedAt))
                    ON CONFLICT (key) DO NOTHING
                    RETURNING key
                    """, logger: logger)
                var inserted = false
                for try await _ in rows { inserted = true }
                return inserted
            }
        } catch .database(let operation, let underlying) {
            if let error = underlying as? PSQLError, error.serverInfo?[.sqlState] == "23505",
               error.serverInfo?[.constraintName] == schema.hashConstraint {
                let other = try await self.entry(hash: entry.hash)
                throw .duplicateHash(entry.hash, existingKey: other?.key ?? "")
            }
            throw .database(operation: operation, underlying: underlying)
        }
        if inserted { return .inserted }
        guard let existing = try await self.entry(key: entry.key) else {
            throw .corruptRow(table: schema.entries, key: entry.key, reason: "key conflicted but no row has it")
        }
        return .existing(existing)
    }

    /// Applies `update` to the entry `key`; `updatedAt` is the database's clock (never earlier than before).
    @discardableResult
    public func update(key: String, _ update: JournalUpdate) async throws(JournalError) -> JournalEntry? {
        let blockNumber = try update.blockNumber.map { value throws(JournalError) in try Self.int64(value, "blockNumber") }
        let gasUsed = try update.gasUsed.map { value throws(JournalError) in try Self.int64(value, "gasUsed") }
        let outcome = update.outcome.map { JSONSerializer.string(.object($0)) }
        let blockHash = update.blockHash.map { ByteBuffer(bytes: $0.bytes) }
        return try await entries("update entry", """
            UPDATE \(unescaped: schema.entries) SET
                status = \(update.status.rawValue),
                block_number = COALESCE(\(blockNumber), block_number),
                block_hash = COALESCE(\(blockHash), block_hash),
                gas_used = COALESCE(\(gasUsed), gas_used),
                outcome = COALESCE(\(outcome), outcome),
                updated_at = GREATEST(updated_at, (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT)
            WHERE key = \(key)
            RETURNING \(unescaped: PostgresJournalSchema.entryColumns)
            """).first
    }

    /// The entry with idempotency key `key`.
    public func entry(key: String) async throws(JournalError) -> JournalEntry? {
        try await entries("read entry", """
            SELECT \(unescaped: PostgresJournalSchema.entryColumns) FROM \(unescaped: schema.entries) WHERE key = \(key)
            """).first
    }

    /// The entry of transaction `hash`.
    public func entry(hash: Bytes32) async throws(JournalError) -> JournalEntry? {
        try await entries("read entry", """
            SELECT \(unescaped: PostgresJournalSchema.entryColumns) FROM \(unescaped: schema.entries)
            WHERE hash = \(ByteBuffer(bytes: hash.bytes))
            """).first
    }

    /// Entries still `signed` or `pending`, oldest first (then in insertion order).
    public func unfinished(network: String?) async throws(JournalError) -> [JournalEntry] {
        try await entries("read unfinished entries", """
            SELECT \(unescaped: PostgresJournalSchema.entryColumns) FROM \(unescaped: schema.entries)
            WHERE status IN ('signed', 'pending') AND (\(network)::TEXT IS NULL OR network = \(network))
            ORDER BY created_at, sequence
            """)
    }

    /// Every entry of `relayer` on `network` with `nonce`, oldest first (then in insertion order).
    public func entries(network: String, relayer: Address, nonce: UInt64) async throws(JournalError) -> [JournalEntry] {
        guard let nonce = Int64(exactly: nonce) else { return [] }
        return try await entries("read entries of a nonce", """
            SELECT \(unescaped: PostgresJournalSchema.entryColumns) FROM \(unescaped: schema.entries)
            WHERE network = \(network) AND relayer = \(ByteBuffer(bytes: relayer.bytes)) AND nonce = \(nonce)
            ORDER BY created_at, sequence
            """)
    }

    // MARK: Rows

    private typealias EntryRow = (String, String, ByteBuffer, Int64, ByteBuffer, ByteBuffer, String, String, String,
                                  String?, Int64?, ByteBuffer?, Int64?, Int64, Int64)

    /// Runs `query` and decodes the entries it returns.
    private func entries(_ operation: String, _ query: PostgresQuery) async throws(JournalError) -> [JournalEntry] {
        let rows: [EntryRow] = try await run(operation) {
            var rows: [EntryRow] = []
            for try await row in try await client.query(query, logger: logger) { rows.append(try row.decode(EntryRow.self)) }
            return rows
        }
        var entries: [JournalEntry] = []
        entries.reserveCapacity(rows.count)
        for row in rows { entries.append(try entry(row)) }
        return entries
    }

    private func entry(_ row: EntryRow) throws(JournalError) -> JournalEntry {
        let (key, network, relayer, nonce, hash, raw, purpose, status, context, outcome, blockNumber, blockHash, gasUsed,
             createdAt, updatedAt) = row
        func corrupt(_ reason: String) -> JournalError { .corruptRow(table: schema.entries, key: key, reason: reason) }
        func object(_ text: String, _ name: String) throws(JournalError) -> JSONObject {
            guard let object = try? JSONParser.parse(text, limits: .rpc).objectValue else { throw corrupt("\(name) is not a JSON object") }
            return object
        }
        func uint(_ value: Int64, _ name: String) throws(JournalError) -> UInt64 {
            guard value >= 0 else { throw corrupt("\(name) is negative") }
            return UInt64(value)
        }
        guard let relayer = try? Address(Array(buffer: relayer)) else { throw corrupt("relayer is not 20 bytes") }
        guard let hash = try? Bytes32(Array(buffer: hash)) else { throw corrupt("hash is not 32 bytes") }
        guard let status = JournalStatus(rawValue: status) else { throw corrupt("unknown status \(status)") }
        var decodedBlockHash: Bytes32?
        if let blockHash {
            guard let value = try? Bytes32(Array(buffer: blockHash)) else { throw corrupt("block_hash is not 32 bytes") }
            decodedBlockHash = value
        }
        return JournalEntry(
            key: key, network: network, relayer: relayer, nonce: try uint(nonce, "nonce"), hash: hash,
            raw: Array(buffer: raw), purpose: purpose, status: status, context: try object(context, "context"),
            outcome: try outcome.map { text throws(JournalError) in try object(text, "outcome") },
            blockNumber: try blockNumber.map { value throws(JournalError) in try uint(value, "block_number") },
            blockHash: decodedBlockHash,
            gasUsed: try gasUsed.map { value throws(JournalError) in try uint(value, "gas_used") },
            createdAt: try uint(createdAt, "created_at"), updatedAt: try uint(updatedAt, "updated_at"))
    }

    // MARK: Errors

    /// Runs `body`, reporting any failure as a ``JournalError`` (a journal error thrown inside a transaction as itself).
    private func run<T: Sendable>(_ operation: String, _ body: () async throws -> T) async throws(JournalError) -> T {
        do {
            return try await body()
        } catch let error as JournalError {
            throw error
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError as? JournalError { throw inner }
            let cause = error.closureError ?? error.commitError ?? error.beginError ?? error
            throw .database(operation: operation, underlying: cause)
        } catch {
            throw .database(operation: operation, underlying: error)
        }
    }

    /// `value` as a `BIGINT`.
    private static func int64(_ value: UInt64, _ field: String) throws(JournalError) -> Int64 {
        guard let result = Int64(exactly: value) else { throw .valueOutOfRange(field: field, value: value) }
        return result
    }
}
