import X402Core
import X402EVM
import X402EVMMechanisms

/// Options of ``ExactClientScheme``.
public struct ExactClientConfiguration: Sendable {
    /// Spending controls, checked before signing (``SpendingLimits/maxPerPayment`` and ``SpendingLimits/budget``;
    /// `exact` has no deposits).
    public var limits: SpendingLimits
    /// Where the wallet may pay; `nil` means anywhere, any time.
    public var session: SessionPolicy?
    /// Unix seconds (injectable for tests); sizes `validBefore`, session expiry and budget windows.
    public var clock: @Sendable () -> UInt64
    /// The authorization nonce (injectable for tests); 32 random bytes from the system generator by default.
    public var nonce: @Sendable () -> Bytes32

    /// A configuration; every option has the SDK's default (no limits, the system clock, random nonces).
    public init(limits: SpendingLimits = SpendingLimits(), session: SessionPolicy? = nil,
                clock: @escaping @Sendable () -> UInt64 = ExactClientScheme.systemSeconds,
                nonce: @escaping @Sendable () -> Bytes32 = ExactClientScheme.randomNonce) {
        self.limits = limits
        self.session = session
        self.clock = clock
        self.nonce = nonce
    }
}

/// The buyer side of `exact` on EVM: signs one ERC-3009 `TransferWithAuthorization` of the requirement's `amount`
/// to its `payTo` (`validAfter` 0, `validBefore` now + `maxTimeoutSeconds`, a random nonce) on the token domain
/// from `extra.name` / `extra.version` (or the default-asset table), as the SDK client does.
///
/// ```swift
/// let exact = ExactClientScheme(wallet: PrivateKeySigner(key),
///                               configuration: .init(limits: SpendingLimits(maxPerPayment: 10_000)))
/// let client = X402Client().register(exact, for: .family("eip155"))
/// ```
public final class ExactClientScheme: SchemeNetworkClient {
    /// `"exact"`.
    public let scheme = Exact.scheme
    /// The payer: signs the authorizations.
    public let wallet: any TypedDataSigner
    /// The options.
    public let configuration: ExactClientConfiguration
    private let ledger = SpendingLedger()

    /// Creates the scheme for `wallet`.
    public init(wallet: any TypedDataSigner, configuration: ExactClientConfiguration = ExactClientConfiguration()) {
        self.wallet = wallet
        self.configuration = configuration
    }

    /// Unix seconds from the system clock.
    @Sendable public static func systemSeconds() -> UInt64 { WallClock.seconds() }

    /// 32 random bytes from the system generator.
    @Sendable public static func randomNonce() -> Bytes32 {
        var g = SystemRandomNumberGenerator()
        return Bytes32(g.next(), g.next(), g.next(), g.next())
    }

    /// The unsigned authorization this client would sign for `requirements` at unix second `now`, with its domain.
    public func authorization(for requirements: PaymentRequirements, now: UInt64, nonce: Bytes32) throws(ExactClientError)
        -> (TransferWithAuthorization, ERC3009Domain) {
        guard requirements.scheme == scheme else { throw ExactClientError(.invalidRequirements, "scheme is \(requirements.scheme)") }
        if case .string("permit2")? = requirements.extra["assetTransferMethod"] {
            throw ExactClientError(.unsupportedTransferMethod, "the requirement asks for a permit2 transfer")
        }
        guard let amount = TokenAmount(decimal: requirements.amount), amount.value > .zero else {
            throw ExactClientError(.invalidRequirements, "amount '\(requirements.amount)' is not a positive uint256 decimal")
        }
        let chainId: UInt64, payTo: Address, token: Address
        do {
            chainId = try requirements.network.evmChainId()
            payTo = try Address(hex: requirements.payTo)
            token = try Address(hex: requirements.asset)
        } catch {
            throw ExactClientError(.invalidRequirements, "network, payTo or asset is unusable", underlying: error)
        }
        let domain: ERC3009Domain
        if case .string(let name)? = requirements.extra["name"] {
            // The SDK client's default version is "1".
            let version = requirements.extra["version"]?.stringValue ?? "1"
            domain = ERC3009Domain(name: name, version: version, chainId: chainId, token: token)
        } else if let known = DefaultAssets.find(asset: token, on: requirements.network) {
            domain = ERC3009Domain(name: known.name, version: known.version, chainId: chainId, token: token)
        } else {
            throw ExactClientError(.invalidRequirements, "EIP-712 domain parameters (name, version) required in extra")
        }
        let timeout = requirements.maxTimeoutSeconds > 0 ? UInt64(requirements.maxTimeoutSeconds) : Exact.defaultTimeoutSeconds
        let (before, overflow) = now.addingReportingOverflow(timeout)
        guard !overflow else { throw ExactClientError(.invalidRequirements, "validBefore overflows") }
        let auth = TransferWithAuthorization(from: wallet.address, to: payTo, value: amount.value, validAfter: .zero,
                                             validBefore: UInt256(before), nonce: nonce)
        return (auth, domain)
    }

    /// Checks the session and the limits, then signs the authorization. Every refusal is thrown before signing.
    public func createPaymentPayload(for requirements: PaymentRequirements, context: PaymentPayloadContext) async throws -> SchemePayload {
        let now = configuration.clock()
        let (auth, domain) = try authorization(for: requirements, now: now, nonce: configuration.nonce())
        do { try configuration.session?.check(requestURL: context.requestURL, now: now) } catch {
            switch error {
            case .expired(let at): throw ExactClientError(.sessionExpired, "the session expired at \(at)")
            case .originUnknown: throw ExactClientError(.originUnknown, "the request origin is unknown but origins are restricted")
            case .originNotAllowed(let o): throw ExactClientError(.originNotAllowed, "origin \(o) is not allowed")
            }
        }
        let price = auth.value.uint128 ?? .max
        let caps = [configuration.limits.maxPerPayment, context.maxAmountPerPayment.flatMap { UInt128($0) }].compactMap { $0 }
        if let cap = caps.min(), auth.value > UInt256(cap) {
            throw ExactClientError(.limitExceeded, "amount \(auth.value) exceeds \(cap)", limit: .maxPerPayment)
        }
        var reserved: String?
        if let budget = configuration.limits.budget {
            guard let url = context.requestURL, let origin = Origin.normalize(url) else {
                throw ExactClientError(.originUnknown, "a budget needs the request URL")
            }
            if let total = ledger.reserve(origin: origin, amount: price, now: now, budget: budget) {
                throw ExactClientError(.limitExceeded, "\(total) would exceed the budget \(budget.perOrigin)", limit: .budgetPerOrigin)
            }
            reserved = origin
        }
        do {
            let signature = try await auth.signTypedData(with: wallet, in: domain)
            return SchemePayload(payload: ExactPayload(authorization: auth, signature: signature.bytes).jsonObject)
        } catch {
            if let reserved { ledger.release(origin: reserved, amount: price, now: now) }
            throw ExactClientError(.signingFailed, "the wallet did not sign", underlying: error)
        }
    }

    /// The amount authorized for `origin` (a URL or an origin) within the budget's current window.
    public func budgetSpent(origin: String) -> UInt128 {
        guard let budget = configuration.limits.budget, let key = Origin.normalize(origin) else { return 0 }
        return ledger.spent(origin: key, now: configuration.clock(), budget: budget)
    }
}
