import X402EVM
import X402FileLog
import X402JSON

extension ChannelStorageError.Kind {
    /// The file storage's directory is open in another process, or in another storage of this one.
    public static let locked = Self(rawValue: "locked")
    /// The storage was closed, or stopped after a failed write (what reached the disk is unknown: reopen it).
    public static let unusable = Self(rawValue: "unusable")
}

/// The embedded ``ChannelStorage``: an append-only log of JSON lines in a data directory, for one seller process.
///
/// Every change is one line (a `commit` too: the new record and the dropped reservation together), written and
/// synced to stable storage (`fdatasync`; `F_FULLFSYNC` on Darwin) before its call returns; the state lives in
/// memory, rebuilt from the log on open. When superseded lines outnumber both `compactionThreshold` and the live
/// ones, the log is rewritten (temporary file, sync, rename, directory sync).
///
/// An exclusive `flock` on `channels.lock` keeps a second process (or a second storage in this one) out: that open
/// throws ``ChannelStorageError/Kind/locked``. The kernel releases it when the process dies. A last line without
/// its newline is a write a crash interrupted (its call never returned), so opening cuts it off; any other
/// unreadable line throws ``ChannelStorageError/Kind/corrupt`` rather than lose a record. After a failed write the
/// storage throws ``ChannelStorageError/Kind/unusable`` until reopened. Calls run one at a time on a thread of the
/// storage's own, so `update` and `commit` of one channel are serialized (and so are all the others).
///
/// ```swift
/// let storage = try FileChannelStorage(directory: "/var/lib/x402/seller")
/// // ... at shutdown (a storage that is released closes too):
/// await storage.close()
/// ```
public actor FileChannelStorage: ChannelStorage {
    /// The data directory.
    public nonisolated let directory: String
    private let executor = DispatchQueueExecutor(label: "x402.seller.channels")
    private let compactionThreshold: Int
    private var channelRecords: [Bytes32: SellerChannel] = [:]
    private var reservations: [Bytes32: ChannelReservation] = [:]
    private var states: [String: JSONObject] = [:]
    private var log: AppendOnlyLog?
    private var failure: ChannelStorageError?

    /// Runs on a thread of its own: the writes block on `fsync`.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private static let header: JSONValue = ["x402": "seller-channels", "version": 1]
    private static let limits = JSONLimits(maxBytes: 1 << 20, maxDepth: 16, maxObjectKeys: 1024)

    /// Opens the storage in `directory` (created when missing), replaying its log.
    public init(directory: String, compactionThreshold: Int = 10_000) throws(ChannelStorageError) {
        self.directory = directory
        self.compactionThreshold = compactionThreshold
        let (log, lines, _) = try Self.io { () throws(AppendOnlyLogError) in try AppendOnlyLog.open(directory: directory, name: "channels") }
        for (index, line) in lines.enumerated() {
            let value: JSONValue
            do { value = try JSONParser.parse(line, limits: Self.limits) } catch {
                throw ChannelStorageError(.corrupt, "\(log.logPath) line \(index + 1) is not JSON", underlying: error)
            }
            if index == 0 {
                guard value == Self.header else {
                    throw ChannelStorageError(.corrupt, "\(log.logPath) is not a version 1 seller channel log")
                }
                continue
            }
            do { try Self.apply(value, to: &channelRecords, &reservations, &states) } catch {
                throw ChannelStorageError(.corrupt, "\(log.logPath) line \(index + 1) is not a record", underlying: error)
            }
        }
        if lines.isEmpty { try Self.io { () throws(AppendOnlyLogError) in try log.append(Self.line(Self.header)) } }
        if Self.compactionDue(log, live: channelRecords.count + reservations.count + states.count, compactionThreshold) {
            let snapshot = Self.snapshot(channelRecords, reservations, states)
            try Self.io { () throws(AppendOnlyLogError) in try log.rewrite(snapshot) }
        }
        self.log = log
    }

    /// Closes the log and releases the directory; later calls throw ``ChannelStorageError/Kind/unusable``.
    public func close() {
        log?.close()
        log = nil
    }

    /// The record of `channelId`.
    public func channel(_ channelId: Bytes32) throws(ChannelStorageError) -> SellerChannel? {
        try usable()
        return channelRecords[channelId]
    }

    /// Every record, in no particular order.
    public func channels() throws(ChannelStorageError) -> [SellerChannel] {
        try usable()
        return Array(channelRecords.values)
    }

    /// Reads, changes and durably writes the record of `channelId`; nothing is written when `body` throws (its
    /// error is rethrown as is) or leaves the record unchanged.
    public func update<T: Sendable>(_ channelId: Bytes32, _ body: @Sendable (inout SellerChannel?) throws -> T) throws -> T {
        try usable()
        var record = channelRecords[channelId]
        let result = try body(&record)
        if record != channelRecords[channelId] {
            try write(Self.change(channelId, channel: .some(record), reservation: nil))
        }
        return result
    }

    /// Takes the reservation unless a live one is held (then returns that one).
    public func reserve(_ channelId: Bytes32, _ reservation: ChannelReservation,
                        now: UInt64) throws(ChannelStorageError) -> ChannelReservation? {
        try usable()
        if let held = reservations[channelId], held.expiresAt > now { return held }
        try write(Self.change(channelId, channel: nil, reservation: .some(reservation)))
        return nil
    }

    /// The live reservation of `channelId` at `now`.
    public func reservation(_ channelId: Bytes32, now: UInt64) throws(ChannelStorageError) -> ChannelReservation? {
        try usable()
        return reservations[channelId].flatMap { $0.expiresAt > now ? $0 : nil }
    }

    /// Drops the reservation if `pendingId` holds it.
    public func release(_ channelId: Bytes32, pendingId: String) throws(ChannelStorageError) {
        try usable()
        guard reservations[channelId]?.pendingId == pendingId else { return }
        try write(Self.change(channelId, channel: nil, reservation: .some(nil)))
    }

    /// Checks the reservation, applies `body`, and writes the record and the dropped reservation as one line.
    public func commit<T: Sendable>(_ channelId: Bytes32, pendingId: String, now: UInt64,
                                    _ body: @Sendable (inout SellerChannel?) throws -> T) throws -> T {
        try usable()
        guard let held = reservations[channelId], held.pendingId == pendingId, held.expiresAt > now else {
            throw ChannelStorageError(.reservationLost, "channel \(channelId): reservation \(pendingId) is not held")
        }
        var record = channelRecords[channelId]
        let result = try body(&record)
        try write(Self.change(channelId, channel: .some(record), reservation: .some(nil)))
        return result
    }

    /// The manager's state under `key`.
    public func managerState(_ key: String) throws(ChannelStorageError) -> JSONObject? {
        try usable()
        return states[key]
    }

    /// Durably stores (or with nil removes) the manager's state under `key`.
    public func setManagerState(_ key: String, _ value: JSONObject?) throws(ChannelStorageError) {
        try usable()
        try write(.object(["state": .string(key), "value": value.map(JSONValue.object) ?? .null]))
    }

    // MARK: Log

    private func usable() throws(ChannelStorageError) {
        if let failure { throw ChannelStorageError(.unusable, "an earlier write failed; reopen the storage", underlying: failure) }
        guard log != nil else { throw ChannelStorageError(.unusable, "the storage is closed") }
    }

    /// Makes `record` durable, then applies it: nothing is visible before it is on disk.
    private func write(_ record: JSONValue) throws(ChannelStorageError) {
        guard let log else { throw ChannelStorageError(.unusable, "the storage is closed") }
        do {
            try Self.io { () throws(AppendOnlyLogError) in try log.append(Self.line(record)) }
        } catch {
            failure = error
            throw error
        }
        // Our own line: it decodes.
        try? Self.apply(record, to: &channelRecords, &reservations, &states)
        try compactIfDue()
    }

    private func compactIfDue() throws(ChannelStorageError) {
        guard let log, Self.compactionDue(log, live: channelRecords.count + reservations.count + states.count,
                                          compactionThreshold) else { return }
        let snapshot = Self.snapshot(channelRecords, reservations, states)
        do {
            try Self.io { () throws(AppendOnlyLogError) in try log.rewrite(snapshot) }
        } catch {
            failure = error
            throw error
        }
    }

    /// Whether the superseded lines outnumber both the threshold and the live ones.
    private static func compactionDue(_ log: AppendOnlyLog, live: Int, _ threshold: Int) -> Bool {
        let superseded = log.lineCount - 1 - live
        return superseded > 0 && superseded >= max(threshold, live)
    }

    /// The lines of a log holding just the current state.
    private static func snapshot(_ channels: [Bytes32: SellerChannel], _ reservations: [Bytes32: ChannelReservation],
                                 _ states: [String: JSONObject]) -> [[UInt8]] {
        var lines = [line(header)]
        for record in channels.values {
            lines.append(line(change(record.channelId, channel: .some(record), reservation: nil)))
        }
        for (id, reservation) in reservations {
            lines.append(line(change(id, channel: nil, reservation: .some(reservation))))
        }
        for (key, value) in states {
            lines.append(line(.object(["state": .string(key), "value": .object(value)])))
        }
        return lines
    }

    /// `value` as a log line, with its newline.
    private static func line(_ value: JSONValue) -> [UInt8] {
        var bytes = JSONSerializer.serialize(value)
        bytes.append(0x0A)
        return bytes
    }

    /// Runs a log call, reporting its failure as a storage error (a held lock as ``ChannelStorageError/Kind/locked``).
    private static func io<T>(_ body: () throws(AppendOnlyLogError) -> T) throws(ChannelStorageError) -> T {
        do {
            return try body()
        } catch .locked(let path) {
            throw ChannelStorageError(.locked, "\(path) is open in another process or storage", underlying: AppendOnlyLogError.locked(path: path))
        } catch {
            throw ChannelStorageError(.backend, "channel storage file I/O failed", underlying: error)
        }
    }

    /// A line changing channel `id`: `channel` and `reservation` are left alone when nil, set (or with `.some(nil)`
    /// removed) otherwise.
    private static func change(_ id: Bytes32, channel: SellerChannel??, reservation: ChannelReservation??) -> JSONValue {
        var pairs: [JSONObject.Element] = [("channel", .string(id.hex))]
        if let channel { pairs.append(("record", channel?.jsonValue ?? .null)) }
        if let reservation { pairs.append(("reservation", reservation?.jsonValue ?? .null)) }
        return .object(JSONObject(pairs))
    }

    private static func apply(_ line: JSONValue, to channels: inout [Bytes32: SellerChannel],
                              _ reservations: inout [Bytes32: ChannelReservation],
                              _ states: inout [String: JSONObject]) throws(JSONValueError) {
        let f = try JSONFields(line, "a seller channel log record")
        if let key = try f.optionalString("state") {
            switch f.object["value"] {
            case .object(let value)?: states[key] = value
            case .null?: states[key] = nil
            default: throw JSONValueError("value: expected an object or null")
            }
            return
        }
        let id: Bytes32 = try f.required("channel")
        if let record = f.object["record"] {
            if record == .null { channels[id] = nil } else {
                let channel = try SellerChannel(jsonValue: record)
                guard channel.channelId == id else { throw JSONValueError("record: channelId is not \(id)") }
                channels[id] = channel
            }
        }
        if let reservation = f.object["reservation"] {
            if reservation == .null { reservations[id] = nil } else {
                reservations[id] = try ChannelReservation(jsonValue: reservation)
            }
        }
    }
}
