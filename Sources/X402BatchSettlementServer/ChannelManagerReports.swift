import X402BatchSettlement
import X402EVM

/// What one ``ChannelManager/claim(channels:)`` did.
public struct ClaimReport: Sendable, Equatable {
    /// A row the facilitator claimed.
    public struct Claimed: Sendable, Equatable {
        /// The channel.
        public var channelId: Bytes32
        /// The channel's claimed total after the claim (the charged total sent).
        public var totalClaimed: UInt128
    }

    /// A row that failed and waits for its retry.
    public struct Failed: Sendable, Equatable {
        /// The channel.
        public var channelId: Bytes32
        /// Consecutive failures of this channel's row, this one included.
        public var attempt: Int
        /// When the row is tried again by the timed claims (unix ms).
        public var retryAt: UInt64
        /// The facilitator's error code, or the error thrown.
        public var reason: String
    }

    /// Rows claimed.
    public var claimed: [Claimed] = []
    /// Rows that failed.
    public var failed: [Failed] = []
    /// Transaction hashes the facilitator reported.
    public var transactions: [String] = []

    /// An empty report.
    public init() {}
}

/// A settle the facilitator sent.
public struct SettleReport: Sendable, Equatable {
    /// The settle transaction hash.
    public var transaction: String
    /// The settled amount as the facilitator reported it ("" when unknown).
    public var amount: String
}

/// What one ``ChannelManager/refund(channels:)`` did, per channel.
public struct RefundReport: Sendable, Equatable {
    /// A channel refunded.
    public struct Refunded: Sendable, Equatable {
        /// The channel.
        public var channelId: Bytes32
        /// The amount asked for (`balance − charged`).
        public var amount: UInt128
        /// The refund transaction hash.
        public var transaction: String
        /// Whether the record was deleted (false when a request was in flight or a charge arrived meanwhile).
        public var deleted: Bool
    }

    /// A channel not refunded, and why.
    public struct NotRefunded: Sendable, Equatable {
        /// The channel.
        public var channelId: Bytes32
        /// Why: a facilitator error code, a thrown error, or a reason the manager skipped it.
        public var reason: String
    }

    /// Channels refunded.
    public var refunded: [Refunded] = []
    /// Channels the facilitator refused or could not refund.
    public var failed: [NotRefunded] = []
    /// Channels skipped: no record, another receiver or token, a live reservation, nothing to refund.
    public var skipped: [NotRefunded] = []

    /// An empty report.
    public init() {}
}

/// What a flush (graceful shutdown, or ``ChannelManager/flush()``) did.
public struct FlushReport: Sendable, Equatable {
    /// The claim of everything claimable.
    public var claim: ClaimReport
    /// The settle that followed, nil when nothing was pending.
    public var settle: SettleReport?
}

/// Why a channel-manager call failed.
public enum ChannelManagerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The network is not `eip155:<chainId>`.
    case unsupportedNetwork(String)
    /// `maxClaimsPerBatch` is below 1.
    case invalidBatchSize(Int)
    /// The facilitator answered `success:false` to `operation` (e.g. "settle").
    case facilitatorRejected(operation: String, reason: String, message: String?)

    public var description: String {
        switch self {
        case .unsupportedNetwork(let n): "the channel manager needs an eip155 network, not \(n)"
        case .invalidBatchSize(let n): "maxClaimsPerBatch must be at least 1 (got \(n))"
        case .facilitatorRejected(let operation, let reason, let message):
            "facilitator refused \(operation): \(reason)" + (message.map { " (\($0))" } ?? "")
        }
    }
}
