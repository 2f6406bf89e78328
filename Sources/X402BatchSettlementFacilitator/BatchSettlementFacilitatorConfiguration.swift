import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRelayer

/// Settings of a ``BatchSettlementFacilitator``.
public struct BatchSettlementFacilitatorConfiguration: Sendable {
    /// The chain served (`eip155:<chainId>`).
    public var chainId: UInt64
    /// The receiver-authorizer key, advertised as `kinds[].extra.receiverAuthorizer`; it signs
    /// ClaimBatch / Refund for channels that delegate to it. Nil: servers must bring their own signatures.
    public var authorizerKey: PrivateKey?
    /// Sign on a channel's behalf only for a caller authenticated as the owner of its receiver
    /// (``FacilitatorCaller/current``). Turn off only for trusted in-process use.
    public var requireAuthenticatedCaller: Bool
    /// The x402BatchSettlement contract.
    public var settlementAddress: Address
    /// The ERC-3009 deposit collector.
    public var erc3009Collector: Address
    /// The Permit2 deposit collector.
    public var permit2Collector: Address
    /// Canonical Permit2.
    public var permit2: Address
    /// Multicall3 (channel reads in one call).
    public var multicall3: Address
    /// How long a deposit settlement polls for its confirmed channel state after the receipt.
    public var stateReadTimeout: Duration
    /// Most rows accepted in one claim payload.
    public var maxClaimRows: Int
    /// Unix seconds now (authorization windows); injectable for tests.
    public var now: @Sendable () -> UInt64

    /// A configuration for `chainId` with the canonical contract addresses.
    public init(chainId: UInt64, authorizerKey: PrivateKey? = nil, requireAuthenticatedCaller: Bool = true,
                settlementAddress: Address = BatchSettlement.settlementAddress,
                erc3009Collector: Address = BatchSettlement.erc3009CollectorAddress,
                permit2Collector: Address = BatchSettlement.permit2CollectorAddress,
                permit2: Address = BatchSettlement.permit2Address, multicall3: Address = BatchSettlement.multicall3Address,
                stateReadTimeout: Duration = .seconds(2), maxClaimRows: Int = 1000,
                now: @escaping @Sendable () -> UInt64 = { WallClock.seconds() }) {
        self.chainId = chainId
        self.authorizerKey = authorizerKey
        self.requireAuthenticatedCaller = requireAuthenticatedCaller
        self.settlementAddress = settlementAddress
        self.erc3009Collector = erc3009Collector
        self.permit2Collector = permit2Collector
        self.permit2 = permit2
        self.multicall3 = multicall3
        self.stateReadTimeout = stateReadTimeout
        self.maxClaimRows = maxClaimRows
        self.now = now
    }

    /// The CAIP-2 network.
    public var network: Network { .eip155(chainId) }
}
