import X402Core
import X402EVM

/// What a seller keeps per channel (protocol.md B.10), without the in-flight reservation.
public struct SellerChannel: Sendable, Equatable {
    /// The channel id (canonical, lowercase when printed).
    public var channelId: Bytes32
    /// The channel's config.
    public var config: ChannelConfig
    /// Sum of the actual charges: the base of the next voucher.
    public var chargedCumulativeAmount: UInt128
    /// `maxClaimableAmount` of the latest stored client voucher.
    public var signedMaxClaimable: UInt128
    /// That voucher's signature.
    public var signature: [UInt8]
    /// Mirrored on-chain balance.
    public var balance: UInt128
    /// Mirrored on-chain totalClaimed.
    public var totalClaimed: UInt128
    /// Mirrored `pendingWithdrawals.initiatedAt` (0 = none).
    public var withdrawRequestedAt: UInt64
    /// Mirrored on-chain refund nonce.
    public var refundNonce: UInt256
    /// When the mirrored fields were last refreshed (unix ms), if ever.
    public var onchainSyncedAt: UInt64?
    /// When the channel last served a request (unix ms).
    public var lastRequestTimestamp: UInt64

    /// Creates a record.
    public init(channelId: Bytes32, config: ChannelConfig, chargedCumulativeAmount: UInt128 = 0, signedMaxClaimable: UInt128 = 0,
                signature: [UInt8] = [], balance: UInt128 = 0, totalClaimed: UInt128 = 0, withdrawRequestedAt: UInt64 = 0,
                refundNonce: UInt256 = .zero, onchainSyncedAt: UInt64? = nil, lastRequestTimestamp: UInt64 = 0) {
        self.channelId = channelId
        self.config = config
        self.chargedCumulativeAmount = chargedCumulativeAmount
        self.signedMaxClaimable = signedMaxClaimable
        self.signature = signature
        self.balance = balance
        self.totalClaimed = totalClaimed
        self.withdrawRequestedAt = withdrawRequestedAt
        self.refundNonce = refundNonce
        self.onchainSyncedAt = onchainSyncedAt
        self.lastRequestTimestamp = lastRequestTimestamp
    }
}

/// A channel's in-flight request: held from verify until the charge is committed or released, and kept
/// apart from the channel record (x402 PR #3412) so taking it never rewrites the record.
public struct ChannelReservation: Sendable, Equatable {
    /// Identifies the request holding it.
    public var pendingId: String
    /// The `maxClaimableAmount` the request's voucher signed.
    public var signedMaxClaimable: UInt128
    /// When it lapses (unix ms); a lapsed reservation counts as absent.
    public var expiresAt: UInt64

    /// Creates a reservation.
    public init(pendingId: String, signedMaxClaimable: UInt128, expiresAt: UInt64) {
        self.pendingId = pendingId
        self.signedMaxClaimable = signedMaxClaimable
        self.expiresAt = expiresAt
    }
}

/// Why a storage call failed.
public struct ChannelStorageError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The kind's name.
        public var rawValue: String
        /// Wraps a name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// ``ChannelStorage/commit(_:pendingId:now:_:)``: the reservation is not this request's (lapsed or taken).
        public static let reservationLost = Kind(rawValue: "reservation_lost")
        /// The backing store failed (I/O, database); `underlying` says how.
        public static let backend = Kind(rawValue: "backend")
        /// A stored value could not be read back.
        public static let corrupt = Kind(rawValue: "corrupt")
        /// The name.
        public var description: String { rawValue }
    }

    /// What kind of failure.
    public var kind: Kind
    /// Detail.
    public var message: String
    /// The cause, when there is one.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, underlying: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.underlying = underlying
    }

    public var description: String { "\(kind): \(message)" + (underlying.map { " (\($0))" } ?? "") }
}

/// A seller's durable channel state: one atomic read-modify-write per channel, reservations beside the
/// records, a listing for the channel manager, and a little durable state of the manager's own.
///
/// Every method is atomic and durable when it returns. Updates of one channel are serialized; different
/// channels never wait on each other. Implementations: in memory, on files, on PostgreSQL.
public protocol ChannelStorage: Sendable {
    /// The record of `channelId`.
    nonisolated(nonsending) func channel(_ channelId: Bytes32) async throws -> SellerChannel?
    /// Every record (the channel manager's view), in no particular order.
    func channels() async throws -> [SellerChannel]
    /// Atomically reads, changes and writes the record of `channelId`: `body` sees the current record (nil when
    /// absent) and may replace it (nil deletes it). When `body` throws nothing is written.
    func update<T: Sendable>(_ channelId: Bytes32, _ body: @Sendable (inout SellerChannel?) throws -> T) async throws -> T
    /// Takes the reservation of `channelId` unless a live one (not lapsed at `now`) is held: nil when taken,
    /// else the live holder (nothing changed).
    func reserve(_ channelId: Bytes32, _ reservation: ChannelReservation, now: UInt64) async throws -> ChannelReservation?
    /// Takes the reservation as ``reserve(_:_:now:)`` does and, when taken, reads the record as it is then; one round
    /// trip where the storage can (the default calls both).
    nonisolated(nonsending) func reserveReading(_ channelId: Bytes32, _ reservation: ChannelReservation, now: UInt64) async throws -> ReservationOutcome
    /// The live reservation of `channelId` at `now`.
    func reservation(_ channelId: Bytes32, now: UInt64) async throws -> ChannelReservation?
    /// Drops the reservation of `channelId` if `pendingId` holds it (otherwise nothing happens).
    func release(_ channelId: Bytes32, pendingId: String) async throws
    /// Atomically: checks that `pendingId` holds a live reservation of `channelId` at `now` (else throws
    /// ``ChannelStorageError/Kind/reservationLost`` and changes nothing), applies `body` to the record, and drops
    /// the reservation. The charge of a paid request is committed this way, so a lapsed request never charges.
    nonisolated(nonsending) func commit<T: Sendable>(_ channelId: Bytes32, pendingId: String, now: UInt64,
                                                     _ body: @Sendable (inout SellerChannel?) throws -> T) async throws -> T
    /// The channel manager's durable state under `key` (e.g. the pending-settle flag).
    func managerState(_ key: String) async throws -> JSONObject?
    /// Stores (or with nil removes) the channel manager's state under `key`.
    func setManagerState(_ key: String, _ value: JSONObject?) async throws
}

/// What ``ChannelStorage/reserveReading(_:_:now:)`` found.
public enum ReservationOutcome: Sendable, Equatable {
    /// Taken; the record as it was then (nil when there is none).
    case taken(SellerChannel?)
    /// A live reservation is held by another request (nothing changed).
    case held(ChannelReservation)
}

extension ChannelStorage {
    /// ``reserve(_:_:now:)``, then ``channel(_:)``.
    nonisolated(nonsending) public func reserveReading(_ channelId: Bytes32, _ reservation: ChannelReservation, now: UInt64) async throws -> ReservationOutcome {
        if let held = try await reserve(channelId, reservation, now: now) { return .held(held) }
        return .taken(try await channel(channelId))
    }
}
