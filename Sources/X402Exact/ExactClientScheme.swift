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
/// from `extra.name` / `extra.version` (or the default-asset table), as the SDK client does. A requirement with
/// `extra.assetTransferMethod` `"permit2"` gets a Permit2 `PermitWitnessTransferFrom` instead (spender the
/// `x402ExactPermit2Proxy`, witness `{to: payTo, validAfter: 0}`); the payer must have approved Permit2 for the token.
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

    /// The unsigned ERC-3009 authorization this client would sign for `requirements` at unix second `now`, with its
    /// domain (a Permit2 requirement throws `unsupportedTransferMethod`: see ``permit2Authorization(for:now:nonce:)``).
    public func authorization(for requirements: PaymentRequirements, now: UInt64, nonce: Bytes32) throws(ExactClientError)
        -> (TransferWithAuthorization, ERC3009Domain) {
        guard requirements.scheme == scheme else { throw ExactClientError(.invalidRequirements, "scheme is \(requirements.scheme)") }
        if case .string("permit2")? = requirements.extra["assetTransferMethod"] {
            throw ExactClientError(.unsupportedTransferMethod, "the requirement asks for a permit2 transfer")
        }
        let (amount, chainId, payTo, token) = try Self.terms(requirements)
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
        let before = try Self.expiry(requirements, now: now, of: "validBefore")
        let auth = TransferWithAuthorization(from: wallet.address, to: payTo, value: amount, validAfter: .zero,
                                             validBefore: UInt256(before), nonce: nonce)
        return (auth, domain)
    }

    /// The unsigned Permit2 permit this client would sign for a requirement with `extra.assetTransferMethod`
    /// `"permit2"` at unix second `now`, and its chain: spender the ``Exact/permit2ProxyAddress``, witness
    /// `{to: payTo, validAfter: 0}`, deadline `now + maxTimeoutSeconds`, as the SDK client builds it.
    public func permit2Authorization(for requirements: PaymentRequirements, now: UInt64, nonce: UInt256) throws(ExactClientError)
        -> (ExactPermit2Authorization, chainId: UInt64) {
        guard requirements.scheme == scheme else { throw ExactClientError(.invalidRequirements, "scheme is \(requirements.scheme)") }
        let (amount, chainId, payTo, token) = try Self.terms(requirements)
        let deadline = try Self.expiry(requirements, now: now, of: "deadline")
        let permit = ExactPermit2Authorization(from: wallet.address, token: token, amount: amount, nonce: nonce,
                                               deadline: UInt256(deadline), to: payTo)
        return (permit, chainId)
    }

    /// A requirement's positive amount, chain, `payTo` and asset, for both payload kinds.
    private static func terms(_ requirements: PaymentRequirements) throws(ExactClientError)
        -> (amount: UInt256, chainId: UInt64, payTo: Address, token: Address) {
        guard let amount = TokenAmount(decimal: requirements.amount), amount.value > .zero else {
            throw ExactClientError(.invalidRequirements, "amount '\(requirements.amount)' is not a positive uint256 decimal")
        }
        do {
            return (amount.value, try requirements.network.evmChainId(), try Address(hex: requirements.payTo),
                    try Address(hex: requirements.asset))
        } catch {
            throw ExactClientError(.invalidRequirements, "network, payTo or asset is unusable", underlying: error)
        }
    }

    /// `now + maxTimeoutSeconds` (the SDK's hour when 0): `validBefore` or a permit's `deadline`, named `field`.
    private static func expiry(_ requirements: PaymentRequirements, now: UInt64, of field: String) throws(ExactClientError) -> UInt64 {
        let timeout = requirements.maxTimeoutSeconds > 0 ? UInt64(requirements.maxTimeoutSeconds) : Exact.defaultTimeoutSeconds
        let (end, overflow) = now.addingReportingOverflow(timeout)
        guard !overflow else { throw ExactClientError(.invalidRequirements, "\(field) overflows") }
        return end
    }

    /// Checks the session and the limits, then signs the ERC-3009 authorization, or the Permit2 permit when the
    /// requirement's `extra.assetTransferMethod` is `"permit2"`. Every refusal is thrown before signing.
    public func createPaymentPayload(for requirements: PaymentRequirements, context: PaymentPayloadContext) async throws -> SchemePayload {
        let now = configuration.clock()
        if case .string(Exact.permit2TransferMethod)? = requirements.extra["assetTransferMethod"] {
            let (permit, chainId) = try permit2Authorization(for: requirements, now: now, nonce: UInt256(word: configuration.nonce()))
            return try await authorize(permit.amount, now: now, context: context) {
                let signature = try await wallet.signTypedData(permit.typedData(chainId: chainId))
                return ExactPermit2Payload(authorization: permit, signature: signature.bytes).jsonObject
            }
        }
        let (auth, domain) = try authorization(for: requirements, now: now, nonce: configuration.nonce())
        return try await authorize(auth.value, now: now, context: context) {
            let signature = try await auth.signTypedData(with: wallet, in: domain)
            return ExactPayload(authorization: auth, signature: signature.bytes).jsonObject
        }
    }

    /// The session and limit checks, then `sign`; a refusal is thrown before signing, and a failed signature gives
    /// its budget reservation back.
    private func authorize(_ value: UInt256, now: UInt64, context: PaymentPayloadContext,
                           sign: () async throws -> JSONObject) async throws -> SchemePayload {
        do { try configuration.session?.check(requestURL: context.requestURL, now: now) } catch {
            switch error {
            case .expired(let at): throw ExactClientError(.sessionExpired, "the session expired at \(at)")
            case .originUnknown: throw ExactClientError(.originUnknown, "the request origin is unknown but origins are restricted")
            case .originNotAllowed(let o): throw ExactClientError(.originNotAllowed, "origin \(o) is not allowed")
            }
        }
        let price = value.uint128 ?? .max
        let caps = [configuration.limits.maxPerPayment, context.maxAmountPerPayment.flatMap { UInt128($0) }].compactMap { $0 }
        if let cap = caps.min(), value > UInt256(cap) {
            throw ExactClientError(.limitExceeded, "amount \(value) exceeds \(cap)", limit: .maxPerPayment)
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
            return SchemePayload(payload: try await sign())
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
