import X402EVM
import X402EVMRPC
import X402JSON

/// One contract call to relay, identified by an idempotency key.
public struct RelayRequest: Sendable {
    /// Idempotency key: a second request with the same key gets the first one's transaction.
    public var key: String
    /// What the call does (`deposit`, `claim`, `settle`, `refund`), for the journal and metrics.
    public var purpose: String
    /// The contract called.
    public var to: Address
    /// Calldata.
    public var data: [UInt8]
    /// Scheme data stored with the journal entry (to rebuild the answer after a restart).
    public var context: JSONObject
    /// A fixed gas limit; nil estimates it (`eth_estimateGas` plus the configured margin).
    public var gasLimit: UInt64?

    /// Creates a request.
    public init(key: String, purpose: String, to: Address, data: [UInt8], context: JSONObject = JSONObject(),
                gasLimit: UInt64? = nil) {
        self.key = key
        self.purpose = purpose
        self.to = to
        self.data = data
        self.context = context
        self.gasLimit = gasLimit
    }
}

/// What became of a relayed call.
public enum RelayOutcome: Sendable {
    /// Mined (succeeded or reverted: see the receipt). `replayed` when the journal already held the
    /// transaction (a retried operation), so nothing new was sent.
    case mined(JournalEntry, TransactionReceipt, replayed: Bool)
    /// Broadcast (or journaled and about to be re-broadcast) but not mined within the receipt timeout.
    case pending(JournalEntry)

    /// The journal entry.
    public var entry: JournalEntry {
        switch self {
        case .mined(let entry, _, _), .pending(let entry): return entry
        }
    }
}
