import Synchronization
import X402EVM
import X402JSON

/// The ``ChannelStorage`` in memory, for one seller process (tests, development, a seller that may forget its
/// channels on restart).
///
/// Every call runs under one lock, so each is atomic; `update` and `commit` bodies run under it too and should be short.
/// The calls of a paid request run on their caller's executor (`nonisolated(nonsending)`): they never suspend.
public final class InMemoryChannelStorage: ChannelStorage {
    private struct State {
        var channels: [Bytes32: SellerChannel] = [:]
        var reservations: [Bytes32: ChannelReservation] = [:]
        var managerState: [String: JSONObject] = [:]
    }

    private let state = Mutex(State())

    /// Creates an empty storage.
    public init() {}

    /// The record of `channelId`.
    nonisolated(nonsending) public func channel(_ channelId: Bytes32) async throws -> SellerChannel? {
        state.withLock { $0.channels[channelId] }
    }

    /// Every record, in no particular order.
    public func channels() async throws -> [SellerChannel] {
        state.withLock { Array($0.channels.values) }
    }

    /// Reads, changes and writes the record of `channelId` under the lock; nothing is written when `body` throws.
    public func update<T: Sendable>(_ channelId: Bytes32, _ body: @Sendable (inout SellerChannel?) throws -> T) async throws -> T {
        try state.withLock { state in
            var record = state.channels[channelId]
            let result = try body(&record)
            state.channels[channelId] = record
            return result
        }
    }

    /// Takes the reservation unless a live one is held (then returns that one).
    public func reserve(_ channelId: Bytes32, _ reservation: ChannelReservation, now: UInt64) async throws -> ChannelReservation? {
        state.withLock { state in
            if let held = state.reservations[channelId], held.expiresAt > now { return held }
            state.reservations[channelId] = reservation
            return nil
        }
    }

    /// Takes the reservation and reads the record under one lock.
    nonisolated(nonsending) public func reserveReading(_ channelId: Bytes32, _ reservation: ChannelReservation, now: UInt64) async throws -> ReservationOutcome {
        state.withLock { state in
            if let held = state.reservations[channelId], held.expiresAt > now { return .held(held) }
            state.reservations[channelId] = reservation
            return .taken(state.channels[channelId])
        }
    }

    /// The live reservation of `channelId` at `now`.
    public func reservation(_ channelId: Bytes32, now: UInt64) async throws -> ChannelReservation? {
        state.withLock { state in state.reservations[channelId].flatMap { $0.expiresAt > now ? $0 : nil } }
    }

    /// Drops the reservation if `pendingId` holds it.
    public func release(_ channelId: Bytes32, pendingId: String) async throws {
        state.withLock { state in
            if state.reservations[channelId]?.pendingId == pendingId { state.reservations[channelId] = nil }
        }
    }

    /// Checks the reservation, applies `body` and drops the reservation, all under the lock.
    nonisolated(nonsending) public func commit<T: Sendable>(_ channelId: Bytes32, pendingId: String, now: UInt64,
                                                            _ body: @Sendable (inout SellerChannel?) throws -> T) async throws -> T {
        try state.withLock { state in
            guard let held = state.reservations[channelId], held.pendingId == pendingId, held.expiresAt > now else {
                throw ChannelStorageError(.reservationLost, "channel \(channelId): reservation \(pendingId) is not held")
            }
            var record = state.channels[channelId]
            let result = try body(&record)
            state.channels[channelId] = record
            state.reservations[channelId] = nil
            return result
        }
    }

    /// The manager's state under `key`.
    public func managerState(_ key: String) async throws -> JSONObject? {
        state.withLock { $0.managerState[key] }
    }

    /// Stores (or with nil removes) the manager's state under `key`.
    public func setManagerState(_ key: String, _ value: JSONObject?) async throws {
        state.withLock { $0.managerState[key] = value }
    }
}
