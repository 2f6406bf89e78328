/// How a ``Relayer`` prices, sizes and waits for its transactions.
public struct RelayerConfiguration: Sendable {
    /// CAIP-2 network (`eip155:<chainId>`), as recorded in the journal.
    public var network: String
    /// The chain id transactions are signed for.
    public var chainId: UInt64
    /// Added to `eth_estimateGas`, in percent (the estimate is exact for the state it ran on; a block
    /// later the same call can need a little more).
    public var gasMarginPercent: UInt64
    /// A transaction's gas limit is at most this share of the block gas limit, in percent.
    public var maxBlockGasPercent: UInt64
    /// How long a submission waits for its receipt before answering pending.
    public var receiptTimeout: Duration
    /// Time between receipt polls.
    public var receiptPollInterval: Duration
    /// Sign legacy (type 0) transactions even where the chain has a base fee.
    public var forceLegacy: Bool

    /// A configuration for `chainId` (network `eip155:<chainId>`).
    public init(chainId: UInt64, gasMarginPercent: UInt64 = 25, maxBlockGasPercent: UInt64 = 90,
                receiptTimeout: Duration = .seconds(30), receiptPollInterval: Duration = .milliseconds(50),
                forceLegacy: Bool = false) {
        self.network = "eip155:\(chainId)"
        self.chainId = chainId
        self.gasMarginPercent = gasMarginPercent
        self.maxBlockGasPercent = maxBlockGasPercent
        self.receiptTimeout = receiptTimeout
        self.receiptPollInterval = receiptPollInterval
        self.forceLegacy = forceLegacy
    }
}
