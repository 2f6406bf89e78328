import Logging
import Metrics
import Synchronization
import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMMechanisms

/// Something the seller's scheme saw that its channel manager should act on.
public enum SellerChannelEvent: Sendable, Equatable {
    /// A request's charge was committed: the channel's record after it.
    case charged(SellerChannel)
    /// The payer started a withdrawal: claim this channel now.
    case withdrawalObserved(channelId: Bytes32)
    /// A cooperative refund settled; its transaction also claimed the channel's charges (they await a settle).
    case refunded(channelId: Bytes32)
}

/// The seller side of batch-settlement (protocol.md B.9–B.14) on an ``X402ResourceServer``: prices routes, answers
/// 402s with the channel terms, verifies vouchers locally when its mirrored chain state is fresh (the facilitator
/// otherwise), holds a per-channel reservation from verification until the charge is committed after the
/// handler, answers corrective 402s and completes cooperative refunds.
///
/// ```swift
/// let storage = try FileChannelStorage(directory: "/var/lib/x402/seller")
/// let scheme = BatchSettlementServerScheme(storage: storage)
/// server.register(scheme, for: "eip155:*")
/// scheme.onEvent { manager.handle($0) }   // claims on withdrawals and thresholds
/// ```
public final class BatchSettlementServerScheme: EVMServerScheme {
    /// `batch-settlement`.
    public let scheme = BatchSettlement.scheme
    /// Where the channels live.
    public let storage: any ChannelStorage
    /// Terms and guards.
    public let configuration: BatchSettlementServerConfiguration
    let logger: Logger
    let clock: @Sendable () -> UInt64
    let metrics: SellerSchemeMetrics
    private let observers = Mutex<[@Sendable (SellerChannelEvent) -> Void]>([])
    private let domains = Mutex<[Network: BatchSettlementDomain]>([:])
    /// EIP-55 forms of recent payers (each costs a Keccak hash and several allocations).
    private let checksums = BoundedCache<Address, String>(limit: 4096)
    /// Channel configs as this package writes them, by channel id, for the lane to compare a client's with.
    let laneConfigs = BoundedCache<Bytes32, [UInt8]>(limit: 16_384)
    /// Public keys of payer authorizers whose signatures recovered to them, so the next signature is compared by key
    /// (no Keccak of the recovered key).
    let signerKeys = BoundedCache<Address, PublicKey>(limit: 16_384)

    /// Creates the scheme over `storage`; `clock` gives unix milliseconds (injectable for tests); metrics go to
    /// `metricsFactory` (default: the bootstrapped one).
    public init(storage: any ChannelStorage, configuration: BatchSettlementServerConfiguration = .init(),
                logger: Logger = Logger(label: "x402.seller.batch-settlement"),
                clock: @escaping @Sendable () -> UInt64 = BatchSettlementServerScheme.systemMilliseconds,
                metricsFactory: (any MetricsFactory)? = nil) {
        self.storage = storage
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        self.metrics = SellerSchemeMetrics(factory: metricsFactory ?? MetricsSystem.factory)
    }

    /// Unix time in milliseconds from the system clock.
    @Sendable public static func systemMilliseconds() -> UInt64 {
        WallClock.millis()
    }

    /// Adds an observer of channel events (called synchronously on the request's task: keep it short).
    public func onEvent(_ observer: @escaping @Sendable (SellerChannelEvent) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    /// Tells the observers; the event is built only when there is one.
    func emit(_ event: @autoclosure () -> SellerChannelEvent) {
        let observers = observers.withLock { $0 }
        guard !observers.isEmpty else { return }
        let event = event()
        for observer in observers { observer(event) }
    }

    /// `address.checksummed`, cached (a verify result names the payer on every request).
    func checksummed(_ address: Address) -> String {
        checksums.value(address) { address.checksummed }
    }

    /// The seller's own receiver-authorizer address, when it holds the key.
    public var receiverAuthorizer: Address? { configuration.receiverAuthorizerKey?.address }

    /// The contract's EIP-712 domain on `network` (cached: the separator costs a hash).
    func domain(_ network: Network) throws(NetworkError) -> BatchSettlementDomain {
        if let cached = domains.withLock({ $0[network] }) { return cached }
        let domain = BatchSettlementDomain(chainId: try network.evmChainId())
        domains.withLock { $0[network] = domain }
        return domain
    }

    // MARK: Pricing and 402 terms

    /// Adds the channel terms (B.9.1): `receiverAuthorizer` (own key, else the facilitator's), `withdrawDelay`,
    /// the token's `name`/`version` and transfer method, and `minDeposit`.
    public func enhanceRequirements(_ requirements: PaymentRequirements, supportedKind: SupportedKind,
                                    facilitatorExtensions: [String]) async throws -> PaymentRequirements {
        var enhanced = requirements
        guard let authorizer = receiverAuthorizer ?? Self.advertisedAuthorizer(supportedKind), authorizer != .zero else {
            throw X402Error(.invalidPaymentRequirements, "payment requirements need a non-zero extra.receiverAuthorizer: "
                            + "configure a receiver-authorizer key or use a facilitator that advertises one")
        }
        enhanced.extra["receiverAuthorizer"] = .string(authorizer.checksummed)
        enhanced.extra["withdrawDelay"] = .number(JSONNumber(configuration.withdrawDelay))
        let asset = enhanced.fillDefaultAssetExtra()
        enhanced.extra["minDeposit"] = .string(try Self.minDeposit(requirements, asset: asset).description)
        return enhanced
    }

    /// Without an own key the facilitator must advertise the `receiverAuthorizer` it signs for.
    public func validateFacilitatorSupport(network: Network, supportedKind: SupportedKind,
                                           facilitatorExtensions: [String]) -> String? {
        if receiverAuthorizer != nil { return nil }
        guard let advertised = Self.advertisedAuthorizer(supportedKind), advertised != .zero else {
            return "the facilitator advertises no receiverAuthorizer; configure a receiver-authorizer key"
        }
        return nil
    }

    static func advertisedAuthorizer(_ kind: SupportedKind) -> Address? {
        guard case .string(let text)? = kind.extra?["receiverAuthorizer"] else { return nil }
        return try? Address(hex: text)
    }

    /// The `minDeposit` hint (SDK rule): the route's `extra.minDeposit` (atomic digits, or money in a default
    /// asset), at least the price; without one 10 × the price.
    static func minDeposit(_ requirements: PaymentRequirements, asset: DefaultAsset?) throws(X402Error) -> UInt128 {
        guard let price = TokenAmount128(decimal: requirements.amount)?.value else {
            throw X402Error(.invalidPaymentRequirements, "amount '\(requirements.amount)' is not an atomic uint128")
        }
        guard case .string(let text)? = requirements.extra["minDeposit"] else {
            let (hint, overflow) = price.multipliedReportingOverflow(by: 10)
            return overflow ? price : hint
        }
        let configured: UInt128
        if let atomic = TokenAmount128(decimal: text)?.value {
            configured = atomic
        } else {
            guard let asset else {
                throw X402Error(.invalidPaymentRequirements, "extra.minDeposit '\(text)': money values need a default asset")
            }
            do {
                let (amount, _) = try Money.string(text).parse()
                guard let value = UInt128(try amount.atomicAmount(decimals: asset.decimals).description) else {
                    throw X402Error(.invalidPaymentRequirements, "extra.minDeposit '\(text)' does not fit uint128")
                }
                configured = value
            } catch {
                throw X402Error.wrapping(error, as: .invalidPaymentRequirements, "extra.minDeposit '\(text)': \(error)")
            }
        }
        guard configured > 0 else { throw X402Error(.invalidPaymentRequirements, "extra.minDeposit must be positive") }
        return max(price, configured)
    }
}
