import Logging
import PostgresNIO
import X402BatchSettlement
import X402EVM
import X402JSON

/// The seller's ``ChannelStorage`` in PostgreSQL, shared by several seller instances.
///
/// Tables `<prefix>channels` (one row per channel; amounts and times `NUMERIC`, exact at any size),
/// `<prefix>reservations` and `<prefix>manager_state` (JSON text). `update` and `commit` are one transaction each,
/// serialized per channel across every instance by a transaction-scoped advisory lock on the channel id (which also
/// covers a record not created yet) and the row lock of `SELECT ... FOR UPDATE`; `reserve` is one statement that
/// takes a free or lapsed reservation and otherwise locks and reads the live holder.
///
/// The storage runs its queries through `client`, which must be running (`client.run()` in a long-lived task or
/// the app's `ServiceGroup`) for as long as the storage is used. There is nothing to close here.
///
/// ```swift
/// let client = PostgresClient(configuration: try .init(url: databaseURL))
/// async let running: Void = client.run()
/// let storage = try await PostgresChannelStorage.open(client: client)
/// ```
public struct PostgresChannelStorage: ChannelStorage {
    private let client: PostgresClient
    private let channelsTable: String
    private let reservationsTable: String
    private let stateTable: String
    private let logger: Logger

    private init(client: PostgresClient, prefix: String, logger: Logger) {
        self.client = client
        channelsTable = prefix + "channels"
        reservationsTable = prefix + "reservations"
        stateTable = prefix + "manager_state"
        self.logger = logger
    }

    /// Opens the storage in the tables named `tablePrefix` + `channels`, `reservations`, `manager_state`, creating
    /// them when missing (safe when several instances open at once). An invalid prefix (not `[a-z_][a-z0-9_]*`, at
    /// most 40 characters) throws ``ChannelStorageError/Kind/backend``.
    public static func open(client: PostgresClient, tablePrefix: String = "x402_",
                            logger: Logger = Logger(label: "x402.seller.postgres")) async throws(ChannelStorageError) -> Self {
        guard PostgresJournalSchema.isValidPrefix(tablePrefix) else {
            throw ChannelStorageError(.backend, "invalid table prefix \"\(tablePrefix)\"")
        }
        let storage = Self(client: client, prefix: tablePrefix, logger: logger)
        try await storage.run("create schema") {
            try await client.withTransaction(logger: logger) { connection in
                // Concurrent CREATE TABLE IF NOT EXISTS of the same table can still collide; one at a time.
                try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(storage.channelsTable)))", logger: logger)
                for statement in storage.schema {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
        }
        return storage
    }

    private var schema: [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS \(channelsTable) (
                channel_id BYTEA PRIMARY KEY CHECK (length(channel_id) = 32),
                config TEXT NOT NULL,
                charged_cumulative_amount NUMERIC(78, 0) NOT NULL,
                signed_max_claimable NUMERIC(78, 0) NOT NULL,
                signature BYTEA NOT NULL,
                balance NUMERIC(78, 0) NOT NULL,
                total_claimed NUMERIC(78, 0) NOT NULL,
                withdraw_requested_at NUMERIC(20, 0) NOT NULL,
                refund_nonce NUMERIC(78, 0) NOT NULL,
                onchain_synced_at NUMERIC(20, 0),
                last_request_timestamp NUMERIC(20, 0) NOT NULL
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS \(reservationsTable) (
                channel_id BYTEA PRIMARY KEY CHECK (length(channel_id) = 32),
                pending_id TEXT NOT NULL,
                signed_max_claimable NUMERIC(78, 0) NOT NULL,
                expires_at NUMERIC(20, 0) NOT NULL
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS \(stateTable) (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )
            """,
        ]
    }

    private static let channelColumns = """
        channel_id, config, charged_cumulative_amount::TEXT, signed_max_claimable::TEXT, signature, balance::TEXT, \
        total_claimed::TEXT, withdraw_requested_at::TEXT, refund_nonce::TEXT, onchain_synced_at::TEXT, \
        last_request_timestamp::TEXT
        """

    // MARK: Records

    /// The record of `channelId`.
    public func channel(_ channelId: Bytes32) async throws(ChannelStorageError) -> SellerChannel? {
        try await run("read channel") {
            try await channels(client.query("""
                SELECT \(unescaped: Self.channelColumns) FROM \(unescaped: channelsTable)
                WHERE channel_id = \(ByteBuffer(bytes: channelId.bytes))
                """, logger: logger)).first
        }
    }

    /// Every record, in no particular order.
    public func channels() async throws(ChannelStorageError) -> [SellerChannel] {
        try await run("read channels") {
            try await channels(client.query("SELECT \(unescaped: Self.channelColumns) FROM \(unescaped: channelsTable)",
                                            logger: logger))
        }
    }

    /// Reads, changes and writes the record of `channelId` in one transaction, serialized per channel across
    /// instances; nothing is written when `body` throws (its error is rethrown as is).
    public func update<T: Sendable>(_ channelId: Bytes32, _ body: @Sendable (inout SellerChannel?) throws -> T) async throws -> T {
        try await runBody("update channel") {
            try await client.withTransaction(logger: logger) { connection in
                try await lockChannel(channelId, connection)
                return try await change(channelId, connection, body)
            }
        }
    }

    /// Checks `pendingId`'s reservation, applies `body` and drops the reservation, in one transaction.
    public func commit<T: Sendable>(_ channelId: Bytes32, pendingId: String, now: UInt64,
                                    _ body: @Sendable (inout SellerChannel?) throws -> T) async throws -> T {
        let id = ByteBuffer(bytes: channelId.bytes)
        return try await runBody("commit charge") {
            try await client.withTransaction(logger: logger) { connection in
                try await lockChannel(channelId, connection)
                let rows = try await connection.query("""
                    SELECT pending_id FROM \(unescaped: reservationsTable)
                    WHERE channel_id = \(id) AND expires_at > \(String(now))::NUMERIC FOR UPDATE
                    """, logger: logger)
                var holder: String?
                for try await row in rows { holder = try row.decode(String.self) }
                guard holder == pendingId else {
                    throw ChannelStorageError(.reservationLost, "channel \(channelId): reservation \(pendingId) is not held")
                }
                let result = try await change(channelId, connection, body)
                try await connection.query("DELETE FROM \(unescaped: reservationsTable) WHERE channel_id = \(id)", logger: logger)
                return result
            }
        }
    }

    /// Takes every instance's lock of `channelId` until the transaction ends (a record that does not exist yet too).
    private func lockChannel(_ channelId: Bytes32, _ connection: PostgresConnection) async throws {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(hashtext(\(channelsTable)), hashtext(\(channelId.hex)))", logger: logger)
    }

    /// Reads the record under its row lock, runs `body`, and writes what changed.
    private func change<T>(_ channelId: Bytes32, _ connection: PostgresConnection,
                           _ body: (inout SellerChannel?) throws -> T) async throws -> T {
        let id = ByteBuffer(bytes: channelId.bytes)
        let before = try await channels(connection.query("""
            SELECT \(unescaped: Self.channelColumns) FROM \(unescaped: channelsTable) WHERE channel_id = \(id) FOR UPDATE
            """, logger: logger)).first
        var record = before
        let result: T
        do { result = try body(&record) } catch { throw BodyFailure(error: error) }
        if record == before { return result }
        guard let record else {
            try await connection.query("DELETE FROM \(unescaped: channelsTable) WHERE channel_id = \(id)", logger: logger)
            return result
        }
        guard record.channelId == channelId else {
            throw ChannelStorageError(.backend, "the record of channel \(channelId) names channel \(record.channelId)")
        }
        try await connection.query("""
            INSERT INTO \(unescaped: channelsTable) (channel_id, config, charged_cumulative_amount, signed_max_claimable,
                signature, balance, total_claimed, withdraw_requested_at, refund_nonce, onchain_synced_at, last_request_timestamp)
            VALUES (\(id), \(JSONSerializer.string(record.config.jsonValue)),
                \(record.chargedCumulativeAmount.description)::NUMERIC, \(record.signedMaxClaimable.description)::NUMERIC,
                \(ByteBuffer(bytes: record.signature)), \(record.balance.description)::NUMERIC,
                \(record.totalClaimed.description)::NUMERIC, \(record.withdrawRequestedAt.description)::NUMERIC,
                \(record.refundNonce.description)::NUMERIC, \(record.onchainSyncedAt?.description)::NUMERIC,
                \(record.lastRequestTimestamp.description)::NUMERIC)
            ON CONFLICT (channel_id) DO UPDATE SET
                config = EXCLUDED.config, charged_cumulative_amount = EXCLUDED.charged_cumulative_amount,
                signed_max_claimable = EXCLUDED.signed_max_claimable, signature = EXCLUDED.signature,
                balance = EXCLUDED.balance, total_claimed = EXCLUDED.total_claimed,
                withdraw_requested_at = EXCLUDED.withdraw_requested_at, refund_nonce = EXCLUDED.refund_nonce,
                onchain_synced_at = EXCLUDED.onchain_synced_at, last_request_timestamp = EXCLUDED.last_request_timestamp
            """, logger: logger)
        return result
    }

    // MARK: Reservations

    /// Takes the reservation unless a live one is held (then returns that one), atomically across instances.
    public func reserve(_ channelId: Bytes32, _ reservation: ChannelReservation,
                        now: UInt64) async throws(ChannelStorageError) -> ChannelReservation? {
        let id = ByteBuffer(bytes: channelId.bytes)
        return try await run("reserve channel") {
            try await client.withTransaction(logger: logger) { connection in
                // Inserts, or replaces a lapsed holder; a live holder's row stays locked (by the conflict) until the
                // transaction ends, so the read below sees it unchanged.
                let taken = try await connection.query("""
                    INSERT INTO \(unescaped: reservationsTable) AS r (channel_id, pending_id, signed_max_claimable, expires_at)
                    VALUES (\(id), \(reservation.pendingId), \(reservation.signedMaxClaimable.description)::NUMERIC,
                        \(reservation.expiresAt.description)::NUMERIC)
                    ON CONFLICT (channel_id) DO UPDATE SET pending_id = EXCLUDED.pending_id,
                        signed_max_claimable = EXCLUDED.signed_max_claimable, expires_at = EXCLUDED.expires_at
                    WHERE r.expires_at <= \(String(now))::NUMERIC
                    RETURNING 1
                    """, logger: logger)
                var inserted = false
                for try await _ in taken { inserted = true }
                if inserted { return nil }
                guard let holder = try await reservations(connection.query("""
                    SELECT pending_id, signed_max_claimable::TEXT, expires_at::TEXT FROM \(unescaped: reservationsTable)
                    WHERE channel_id = \(id)
                    """, logger: logger)).first else {
                    throw ChannelStorageError(.backend, "channel \(channelId): the conflicting reservation is gone")
                }
                return holder
            }
        }
    }

    /// The live reservation of `channelId` at `now`.
    public func reservation(_ channelId: Bytes32, now: UInt64) async throws(ChannelStorageError) -> ChannelReservation? {
        try await run("read reservation") {
            try await reservations(client.query("""
                SELECT pending_id, signed_max_claimable::TEXT, expires_at::TEXT FROM \(unescaped: reservationsTable)
                WHERE channel_id = \(ByteBuffer(bytes: channelId.bytes)) AND expires_at > \(String(now))::NUMERIC
                """, logger: logger)).first
        }
    }

    /// Drops the reservation if `pendingId` holds it.
    public func release(_ channelId: Bytes32, pendingId: String) async throws(ChannelStorageError) {
        try await run("release reservation") {
            _ = try await client.query("""
                DELETE FROM \(unescaped: reservationsTable)
                WHERE channel_id = \(ByteBuffer(bytes: channelId.bytes)) AND pending_id = \(pendingId)
                """, logger: logger)
        }
    }

    // MARK: Manager state

    /// The manager's state under `key`.
    public func managerState(_ key: String) async throws(ChannelStorageError) -> JSONObject? {
        let text: String? = try await run("read manager state") {
            var value: String?
            for try await row in try await client.query(
                "SELECT value FROM \(unescaped: stateTable) WHERE key = \(key)", logger: logger) {
                value = try row.decode(String.self)
            }
            return value
        }
        guard let text else { return nil }
        guard let object = try? JSONParser.parse(text, limits: .rpc).objectValue else {
            throw ChannelStorageError(.corrupt, "\(stateTable) row \(key) is not a JSON object")
        }
        return object
    }

    /// Stores (or with nil removes) the manager's state under `key`.
    public func setManagerState(_ key: String, _ value: JSONObject?) async throws(ChannelStorageError) {
        try await run("write manager state") {
            if let value {
                _ = try await client.query("""
                    INSERT INTO \(unescaped: stateTable) (key, value) VALUES (\(key), \(JSONSerializer.string(.object(value))))
                    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                    """, logger: logger)
            } else {
                _ = try await client.query("DELETE FROM \(unescaped: stateTable) WHERE key = \(key)", logger: logger)
            }
        }
    }

    // MARK: Rows

    private typealias ChannelRow = (ByteBuffer, String, String, String, ByteBuffer, String, String, String, String,
                                    String?, String)

    private func channels(_ rows: PostgresRowSequence) async throws -> [SellerChannel] {
        var records: [SellerChannel] = []
        for try await row in rows {
            let (id, config, charged, signed, signature, balance, claimed, withdraw, nonce, synced, last) =
                try row.decode(ChannelRow.self)
            let key = Hex.encode(Array(buffer: id))
            func corrupt(_ reason: String) -> ChannelStorageError {
                ChannelStorageError(.corrupt, "\(channelsTable) row \(key): \(reason)")
            }
            func number<N: FixedWidthInteger & UnsignedInteger>(_ text: String, _ column: String) throws(ChannelStorageError) -> N {
                guard let value = N(text) else { throw corrupt("\(column) \(text) is not a \(N.bitWidth)-bit unsigned integer") }
                return value
            }
            guard let channelId = try? Bytes32(Array(buffer: id)) else { throw corrupt("channel_id is not 32 bytes") }
            let decodedConfig: ChannelConfig
            do { decodedConfig = try ChannelConfig(jsonValue: JSONParser.parse(config)) } catch {
                throw ChannelStorageError(.corrupt, "\(channelsTable) row \(key): config", underlying: error)
            }
            guard let refundNonce = try? UInt256(decimal: nonce) else { throw corrupt("refund_nonce \(nonce) is not a uint256") }
            records.append(SellerChannel(
                channelId: channelId, config: decodedConfig, chargedCumulativeAmount: try number(charged, "charged_cumulative_amount"),
                signedMaxClaimable: try number(signed, "signed_max_claimable"), signature: Array(buffer: signature),
                balance: try number(balance, "balance"), totalClaimed: try number(claimed, "total_claimed"),
                withdrawRequestedAt: try number(withdraw, "withdraw_requested_at"), refundNonce: refundNonce,
                onchainSyncedAt: try synced.map { text throws(ChannelStorageError) in try number(text, "onchain_synced_at") },
                lastRequestTimestamp: try number(last, "last_request_timestamp")))
        }
        return records
    }

    private func reservations(_ rows: PostgresRowSequence) async throws -> [ChannelReservation] {
        var result: [ChannelReservation] = []
        for try await row in rows {
            let (pendingId, signed, expires) = try row.decode((String, String, String).self)
            guard let signedMax = UInt128(signed), let expiresAt = UInt64(expires) else {
                throw ChannelStorageError(.corrupt, "\(reservationsTable) row of \(pendingId): amounts out of range")
            }
            result.append(ChannelReservation(pendingId: pendingId, signedMaxClaimable: signedMax, expiresAt: expiresAt))
        }
        return result
    }

    // MARK: Errors

    /// An error of an `update` or `commit` body, carried out of the transaction to be rethrown as is.
    private struct BodyFailure: Error {
        var error: any Error
    }

    /// Runs `body`: a body's error and a ``ChannelStorageError`` come out as they are, any other failure as
    /// ``ChannelStorageError/Kind/backend`` with the driver's error as `underlying`.
    private func runBody<T: Sendable>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PostgresTransactionError {
            throw Self.unwrap(error.closureError ?? error.commitError ?? error.beginError ?? error, operation)
        } catch {
            throw Self.unwrap(error, operation)
        }
    }

    /// ``runBody(_:_:)`` for the methods whose only errors are the storage's.
    private func run<T: Sendable>(_ operation: String, _ body: () async throws -> T) async throws(ChannelStorageError) -> T {
        do {
            return try await runBody(operation, body)
        } catch let error as ChannelStorageError {
            throw error
        } catch {
            throw ChannelStorageError(.backend, "database \(operation) failed", underlying: error)
        }
    }

    private static func unwrap(_ error: any Error, _ operation: String) -> any Error {
        if let body = error as? BodyFailure { return body.error }
        if error is ChannelStorageError { return error }
        return ChannelStorageError(.backend, "database \(operation) failed", underlying: error)
    }
}
