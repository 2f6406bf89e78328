/// What a facilitator knows about a transaction it sent: `GET /transactions/{hash}`.
///
/// Statuses: `settled` (mined, succeeded), `pending` (broadcast, no receipt yet), `failed` (reverted,
/// rejected or dropped), `already_settled` (a retried settlement answered from its recorded outcome).
public struct TransactionStatus: Codable, Equatable, Sendable {
    /// The state of a relayed transaction.
    public struct Status: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
        /// The wire string.
        public var rawValue: String
        /// Wraps a wire string.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Mined and succeeded.
        public static let settled = Status(rawValue: "settled")
        /// Broadcast; no receipt yet.
        public static let pending = Status(rawValue: "pending")
        /// Reverted, rejected by the node, or dropped.
        public static let failed = Status(rawValue: "failed")
        /// A retry answered from the recorded outcome of an earlier settlement.
        public static let alreadySettled = Status(rawValue: "already_settled")
        /// The wire string.
        public var description: String { rawValue }
    }

    /// Transaction hash (`0x` + 64 hex).
    public var transaction: String
    /// CAIP-2 network.
    public var network: Network
    /// Current state.
    public var status: Status
    /// What the transaction does (`deposit`, `claim`, `settle`, `refund`, ...).
    public var purpose: String?
    /// Block hash once mined.
    public var blockHash: String?
    /// Block number once mined.
    public var blockNumber: UInt64?
    /// Block timestamp (unix seconds) once mined.
    public var timestamp: UInt64?
    /// Gas used once mined.
    public var gasUsed: UInt64?

    /// Creates a status; nil fields are omitted from the JSON.
    public init(transaction: String, network: Network, status: Status, purpose: String? = nil, blockHash: String? = nil,
                blockNumber: UInt64? = nil, timestamp: UInt64? = nil, gasUsed: UInt64? = nil) {
        self.transaction = transaction
        self.network = network
        self.status = status
        self.purpose = purpose
        self.blockHash = blockHash
        self.blockNumber = blockNumber
        self.timestamp = timestamp
        self.gasUsed = gasUsed
    }
}

/// Looks up transactions a facilitator sent (its journal); backs `GET /transactions/{hash}`.
public protocol TransactionStatusSource: Sendable {
    /// The status of `hash`, or nil when this facilitator never sent it.
    func transactionStatus(hash: String) async throws -> TransactionStatus?
}
