import Synchronization

/// One way to pay for a resource, as configured by the seller (Python `ResourceConfig` / `PaymentOption`).
public struct PaymentOption: Sendable {
    /// Scheme id.
    public var scheme: String
    /// The route price; turned into an atomic amount by the scheme.
    public var price: Price
    /// CAIP-2 network.
    public var network: Network
    /// Receiver address.
    public var payTo: String
    /// Defaults to 300 when `nil` (protocol.md A.4).
    public var maxTimeoutSeconds: Int?
    /// Route-level `extra`, laid over the price's asset `extra`.
    public var extra: JSONObject?

    /// Creates an option.
    public init(scheme: String, price: Price, network: Network, payTo: String,
                maxTimeoutSeconds: Int? = nil, extra: JSONObject? = nil) {
        self.scheme = scheme
        self.price = price
        self.network = network
        self.payTo = payTo
        self.maxTimeoutSeconds = maxTimeoutSeconds
        self.extra = extra
    }
}

/// Outcome of ``X402ResourceServer/verifyPayment(_:)``.
public struct VerificationResult: Sendable {
    /// The (facilitator's, a hook's or a recovered) verification result.
    public var response: VerifyResponse
    /// Set when an after-verify hook answers directly instead of the handler.
    public var directResponse: DirectResponse?

    /// True when the payment is valid.
    public var isValid: Bool { response.isValid }

    /// Creates a result.
    public init(response: VerifyResponse, directResponse: DirectResponse? = nil) {
        self.response = response
        self.directResponse = directResponse
    }
}

/// Server-level hook types (run before the scheme's own hook of the same phase).
extension X402ResourceServer {
    /// Before `/verify`.
    public typealias BeforeVerifyHook = @Sendable (PaymentContext) async throws -> BeforeVerifyDecision
    /// After a valid verification.
    public typealias AfterVerifyHook = @Sendable (PaymentContext, VerifyResponse) async throws -> AfterVerifyDecision
    /// After a failed verification; non-nil recovers.
    public typealias VerifyFailureHook = @Sendable (PaymentContext, X402Error) async -> VerifyResponse?
    /// Before `/settle`.
    public typealias BeforeSettleHook = @Sendable (PaymentContext) async throws -> BeforeSettleDecision
    /// After a successful settlement.
    public typealias AfterSettleHook = @Sendable (PaymentContext, SettleResponse) async throws -> Void
    /// After a failed settlement; non-nil recovers.
    public typealias SettleFailureHook = @Sendable (PaymentContext, X402Error) async -> SettleResponse?
    /// A verified payment will not be settled.
    public typealias PaymentCanceledHook = @Sendable (PaymentContext, PaymentCancellation) async -> Void
}

/// The seller role, framework-agnostic (Python `x402ResourceServer`): builds requirements from route
/// prices, matches, verifies and settles payments through scheme hooks and facilitators.
///
/// Call ``initialize()`` once (it fetches `/supported` from every facilitator) before serving.
public final class X402ResourceServer: Sendable {
    struct KindEntry: Sendable {
        var kind: SupportedKind
        var client: any FacilitatorClient
        var extensions: [String]
    }

    struct Hooks: Sendable {
        var beforeVerify: [BeforeVerifyHook] = []
        var afterVerify: [AfterVerifyHook] = []
        var verifyFailure: [VerifyFailureHook] = []
        var beforeSettle: [BeforeSettleHook] = []
        var afterSettle: [AfterSettleHook] = []
        var settleFailure: [SettleFailureHook] = []
        var canceled: [PaymentCanceledHook] = []
    }

    struct State: Sendable {
        var schemes = SchemeRegistry<any SchemeNetworkServer>()
        var facilitators: [any FacilitatorClient]
        var kinds: [KindEntry] = []
        var initialized = false
        var hooks = Hooks()
        /// Bumped by every registration and initialization: what built requirements depend on.
        var generation: UInt64 = 0
    }

    private let state: Mutex<State>

    /// A server using `facilitators` (earlier ones win when several support the same kind).
    public init(facilitators: [any FacilitatorClient]) {
        state = Mutex(State(facilitators: facilitators))
    }

    /// A server using one facilitator.
    public convenience init(facilitator: any FacilitatorClient) { self.init(facilitators: [facilitator]) }

    // MARK: Registration

    /// Registers `scheme` for `network` (an id or a `namespace:*` family; exact ids win).
    @discardableResult
    public func register(_ scheme: any SchemeNetworkServer, for network: NetworkPattern) -> Self {
        state.withLock {
            $0.schemes.register(network, scheme: scheme.scheme, scheme)
            $0.generation &+= 1
        }
        return self
    }

    /// The registered scheme for `scheme` on `network`.
    public func scheme(_ scheme: String, network: Network) -> (any SchemeNetworkServer)? {
        state.withLock { $0.schemes.lookup(scheme: scheme, network: network) }
    }

    /// Adds a before-verify hook.
    @discardableResult public func onBeforeVerify(_ hook: @escaping BeforeVerifyHook) -> Self { addHook { $0.beforeVerify.append(hook) }; return self }
    /// Adds an after-verify hook.
    @discardableResult public func onAfterVerify(_ hook: @escaping AfterVerifyHook) -> Self { addHook { $0.afterVerify.append(hook) }; return self }
    /// Adds a verify-failure hook.
    @discardableResult public func onVerifyFailure(_ hook: @escaping VerifyFailureHook) -> Self { addHook { $0.verifyFailure.append(hook) }; return self }
    /// Adds a before-settle hook.
    @discardableResult public func onBeforeSettle(_ hook: @escaping BeforeSettleHook) -> Self { addHook { $0.beforeSettle.append(hook) }; return self }
    /// Adds an after-settle hook.
    @discardableResult public func onAfterSettle(_ hook: @escaping AfterSettleHook) -> Self { addHook { $0.afterSettle.append(hook) }; return self }
    /// Adds a settle-failure hook.
    @discardableResult public func onSettleFailure(_ hook: @escaping SettleFailureHook) -> Self { addHook { $0.settleFailure.append(hook) }; return self }
    /// Adds a payment-canceled hook.
    @discardableResult public func onPaymentCanceled(_ hook: @escaping PaymentCanceledHook) -> Self { addHook { $0.canceled.append(hook) }; return self }

    /// Adds a hook; cached requirements are rebuilt, since schemes' lanes run only while no server-level hook exists.
    private func addHook(_ add: (inout Hooks) -> Void) {
        state.withLock {
            add(&$0.hooks)
            $0.generation &+= 1
        }
    }

    /// True when any server-level hook is registered (then every payment goes through the hook pipeline).
    var hasServerHooks: Bool {
        state.withLock { s in
            let h = s.hooks
            return !(h.beforeVerify.isEmpty && h.afterVerify.isEmpty && h.verifyFailure.isEmpty && h.beforeSettle.isEmpty
                     && h.afterSettle.isEmpty && h.settleFailure.isEmpty && h.canceled.isEmpty)
        }
    }

    // MARK: Initialization

    /// Fetches `/supported` from every facilitator and indexes (scheme, network) → kind and the
    /// facilitator that serves it, then lets each scheme check the facilitator's capabilities.
    ///
    /// Throws when a facilitator cannot be reached, when no kind at all was loaded (retryable), or
    /// when a scheme reports a capability problem.
    public func initialize() async throws(X402Error) {
        let facilitators = state.withLock { $0.facilitators }
        var kinds: [KindEntry] = []
        for client in facilitators {
            let supported: SupportedResponse
            do {
                supported = try await client.supported()
            } catch {
                throw X402Error(.facilitatorUnavailable, "cannot load /supported: \(error)", underlying: error)
            }
            for kind in supported.kinds where kind.x402Version == X402Core.x402Version {
                if !kinds.contains(where: { $0.kind.scheme == kind.scheme && $0.kind.network == kind.network }) {
                    kinds.append(KindEntry(kind: kind, client: client, extensions: supported.extensions))
                }
            }
        }
        guard !kinds.isEmpty else {
            throw X402Error(.missingFacilitator, "no supported payment kinds loaded from any facilitator")
        }
        let schemes = state.withLock { $0.schemes }
        var problems: [String] = []
        for (pattern, schemeID, scheme) in schemes.all where !pattern.isWildcard {
            let network = Network(rawValue: pattern.rawValue)
            guard let entry = Self.kindEntry(kinds, scheme: schemeID, network: network) else { continue }
            if let problem = scheme.validateFacilitatorSupport(network: network, supportedKind: entry.kind,
                                                               facilitatorExtensions: entry.extensions) {
                problems.append("\(schemeID) on \(network): \(problem)")
            }
        }
        guard problems.isEmpty else {
            throw X402Error(.missingFacilitator, "facilitator capability errors: " + problems.joined(separator: "; "))
        }
        state.withLock {
            $0.kinds = kinds
            $0.initialized = true
            $0.generation &+= 1
        }
    }

    /// Changes whenever what ``buildPaymentRequirements(_:)`` depends on may have changed (a scheme registered, the
    /// facilitators' kinds reloaded): requirements built under one generation can be reused while it lasts.
    var requirementsGeneration: UInt64 { state.withLock { $0.generation } }

    /// The facilitator's kind for `scheme` on `network` (exact network first, then a `namespace:*` kind).
    public func supportedKind(scheme: String, network: Network) -> SupportedKind? {
        state.withLock { Self.kindEntry($0.kinds, scheme: scheme, network: network)?.kind }
    }

    static func kindEntry(_ kinds: [KindEntry], scheme: String, network: Network) -> KindEntry? {
        kinds.first { $0.kind.scheme == scheme && $0.kind.network == network }
            ?? kinds.first {
                $0.kind.scheme == scheme && $0.kind.network.rawValue.hasSuffix(":*")
                    && NetworkPattern(rawValue: $0.kind.network.rawValue).matches(network)
            }
    }

    private func initializedState() throws(X402Error) -> State {
        let s = state.withLock { $0 }
        guard s.initialized else { throw X402Error(.notInitialized, "call initialize() first") }
        return s
    }

    // MARK: Requirements

    /// Builds the requirement of one option: price → amount through the scheme, `maxTimeoutSeconds`
    /// default 300, `extra` = asset extra + option extra, then the scheme's `enhanceRequirements`.
    public func buildPaymentRequirements(_ option: PaymentOption) async throws(X402Error) -> PaymentRequirements {
        let s = try initializedState()
        guard let scheme = s.schemes.lookup(scheme: option.scheme, network: option.network) else {
            throw X402Error(.missingScheme, "no scheme '\(option.scheme)' registered for \(option.network)")
        }
        guard let entry = Self.kindEntry(s.kinds, scheme: option.scheme, network: option.network) else {
            throw X402Error(.missingFacilitator, "no facilitator supports '\(option.scheme)' on \(option.network)")
        }
        let price: AssetAmount
        do {
            price = try scheme.parsePrice(option.price, network: option.network)
        } catch {
            throw X402Error.wrapping(error, as: .invalidPrice, "cannot price \(option.price) on \(option.network): \(error)")
        }
        var extra = price.extra ?? JSONObject()
        for (key, value) in option.extra ?? JSONObject() { extra[key] = value }
        let base = PaymentRequirements(scheme: option.scheme, network: option.network, asset: price.asset,
                                       amount: price.amount, payTo: option.payTo,
                                       maxTimeoutSeconds: option.maxTimeoutSeconds ?? 300, extra: extra)
        do {
            return try await scheme.enhanceRequirements(base, supportedKind: entry.kind, facilitatorExtensions: entry.extensions)
        } catch {
            throw X402Error.wrapping(error, as: .invalidPaymentRequirements, "scheme '\(option.scheme)' cannot enhance requirements: \(error)")
        }
    }

    /// Builds the requirements of several options, in order.
    public func buildPaymentRequirements(_ options: [PaymentOption]) async throws(X402Error) -> [PaymentRequirements] {
        var result: [PaymentRequirements] = []
        for option in options { result.append(try await buildPaymentRequirements(option)) }
        return result
    }

    /// Builds a `PaymentRequired`, letting each scheme of `requirements` enrich the accepts (B.12
    /// corrective 402). An enrichment that changes anything but added `extra` keys is ignored.
    public func createPaymentRequired(_ requirements: [PaymentRequirements], resource: ResourceInfo?, error: String?,
                                      extensions: JSONObject? = nil, paymentPayload: PaymentPayload? = nil,
                                      attempt: PaymentAttempt? = nil) async -> PaymentRequired {
        var accepts = requirements
        var seen: [(String, Network)] = []
        for r in requirements where !seen.contains(where: { $0 == (r.scheme, r.network) }) {
            seen.append((r.scheme, r.network))
            guard let scheme = self.scheme(r.scheme, network: r.network) else { continue }
            let context = PaymentRequiredContext(requirements: accepts, resource: resource, error: error,
                                                 paymentPayload: paymentPayload, attempt: attempt)
            guard let enriched = try? await scheme.enrichPaymentRequired(context),
                  Self.isAdditive(enriched, over: accepts) else { continue }
            accepts = enriched
        }
        return PaymentRequired(error: error, resource: resource, accepts: accepts,
                               extensions: extensions?.isEmpty == false ? extensions : nil)
    }

    /// True when `new` equals `old` entry by entry except for added `extra` keys.
    static func isAdditive(_ new: [PaymentRequirements], over old: [PaymentRequirements]) -> Bool {
        guard new.count == old.count else { return false }
        return zip(new, old).allSatisfy { n, o in
            var stripped = n
            stripped.extra = o.extra
            return stripped == o && JSONValue.object(n.extra).contains(.object(o.extra))
        }
    }

    /// The first of `available` that the payload's `accepted` matches (``PaymentRequirements/isMatched(by:)``).
    public func findMatchingRequirements(_ available: [PaymentRequirements], for payload: PaymentPayload) -> PaymentRequirements? {
        available.first { $0.isMatched(by: payload.accepted) }
    }

    // MARK: Verify

    /// Verifies a payment: before hooks (server, then scheme) → facilitator `/verify` → failure or
    /// after hooks. A before-hook abort throws its reason; an invalid result is returned, not thrown.
    public func verifyPayment(_ context: PaymentContext) async throws(X402Error) -> VerificationResult {
        let s = try initializedState()
        let scheme = s.schemes.lookup(scheme: context.requirements.scheme, network: context.requirements.network)
        // The server's hooks, then the scheme's, called directly (no closure or array built per request).
        let hooks = s.hooks.beforeVerify
        for i in 0..<hooks.count + (scheme == nil ? 0 : 1) {
            let decision: BeforeVerifyDecision
            do { decision = try await i < hooks.count ? hooks[i](context) : scheme!.beforeVerify(context) } catch {
                throw X402Error.wrapping(error, as: .unexpectedVerifyError)
            }
            switch decision {
            case .proceed: continue
            case .abort(let reason, let message): throw X402Error(reason, message ?? "")
            case .skipVerification(let result): return try await afterVerify(context, result, s, scheme)
            }
        }
        let result: VerifyResponse
        do throws(X402Error) {
            guard let entry = Self.kindEntry(s.kinds, scheme: context.paymentPayload.accepted.scheme,
                                             network: context.paymentPayload.accepted.network) else {
                throw X402Error(.unsupportedScheme, "no facilitator for '\(context.paymentPayload.accepted.scheme)' on \(context.paymentPayload.accepted.network)")
            }
            do {
                result = try await entry.client.verify(context.paymentPayload, requirements: context.requirements)
            } catch {
                throw X402Error.wrapping(error, as: .unexpectedVerifyError, "facilitator /verify failed: \(error)")
            }
        } catch {
            if let recovered = await verifyFailure(context, error, s, scheme) {
                return try await afterVerify(context, recovered, s, scheme)
            }
            throw error
        }
        guard result.isValid else {
            let error = X402Error(result.invalidReason ?? .invalidPayment, result.invalidMessage ?? "verification failed")
            if let recovered = await verifyFailure(context, error, s, scheme) {
                return try await afterVerify(context, recovered, s, scheme)
            }
            return VerificationResult(response: result)
        }
        return try await afterVerify(context, result, s, scheme)
    }

    private func verifyFailure(_ context: PaymentContext, _ error: X402Error, _ s: State,
                               _ scheme: (any SchemeNetworkServer)?) async -> VerifyResponse? {
        for hook in s.hooks.verifyFailure {
            if let r = await hook(context, error) { return r }
        }
        return await scheme?.onVerifyFailure(context, error: error)
    }

    private func afterVerify(_ context: PaymentContext, _ result: VerifyResponse, _ s: State,
                             _ scheme: (any SchemeNetworkServer)?) async throws(X402Error) -> VerificationResult {
        var direct: DirectResponse?
        let hooks = s.hooks.afterVerify
        for i in 0..<hooks.count + (scheme == nil ? 0 : 1) {
            let decision: AfterVerifyDecision
            do { decision = try await i < hooks.count ? hooks[i](context, result) : scheme!.afterVerify(context, result: result) } catch {
                await cancelPayment(context, reason: .afterVerifyAborted)
                throw X402Error.wrapping(error, as: .unexpectedVerifyError)
            }
            switch decision {
            case .proceed: continue
            case .abort(let reason, let message):
                await cancelPayment(context, reason: .afterVerifyAborted)
                return VerificationResult(response: .invalid(reason, message: message, payer: result.payer))
            case .skipHandler(let response): direct = response
            }
        }
        return VerificationResult(response: result, directResponse: direct)
    }

    /// Tells the hooks that a verified payment will not be settled (handler failed or threw).
    public func cancelPayment(_ context: PaymentContext, reason: PaymentCancellation) async {
        let (hooks, scheme) = state.withLock {
            ($0.hooks.canceled, $0.schemes.lookup(scheme: context.requirements.scheme, network: context.requirements.network))
        }
        for hook in hooks { await hook(context, reason) }
        await scheme?.onPaymentCanceled(context, reason: reason)
    }

    // MARK: Settle

    /// Settles a verified payment: before hooks → scheme payload enrichment → facilitator `/settle`
    /// (retried once on `settlement_pending` with a transaction hash) → failure or after hooks →
    /// scheme response enrichment. A before-hook abort throws; a failed result is returned.
    public func settlePayment(_ context: PaymentContext) async throws(X402Error) -> SettleResponse {
        let s = try initializedState()
        let scheme = s.schemes.lookup(scheme: context.requirements.scheme, network: context.requirements.network)
        let hooks = s.hooks.beforeSettle
        for i in 0..<hooks.count + (scheme == nil ? 0 : 1) {
            let decision: BeforeSettleDecision
            do { decision = try await i < hooks.count ? hooks[i](context) : scheme!.beforeSettle(context) } catch {
                throw X402Error.wrapping(error, as: .unexpectedSettleError)
            }
            switch decision {
            case .proceed: continue
            case .abort(let reason, let message): throw X402Error(reason, message ?? "")
            case .skipSettlement(let result):
                guard result.success else { return result }
                try await runAfterSettle(context, result, s, scheme)
                return try await enrichSettleResponse(context, result, scheme)
            }
        }
        var result: SettleResponse
        do throws(X402Error) {
            var payload = context.paymentPayload
            do {
                if let enrichment = try await scheme?.enrichSettlementPayload(context) {
                    for (key, value) in enrichment {
                        guard payload.payload[key] == nil else {
                            throw X402Error(.unexpectedSettleError, "settlement payload enrichment may not replace '\(key)'")
                        }
                        payload.payload[key] = value
                    }
                }
            } catch {
                throw X402Error.wrapping(error, as: .unexpectedSettleError)
            }
            guard let entry = Self.kindEntry(s.kinds, scheme: payload.accepted.scheme, network: payload.accepted.network) else {
                throw X402Error(.unsupportedScheme, "no facilitator for '\(payload.accepted.scheme)' on \(payload.accepted.network)")
            }
            do {
                result = try await entry.client.settle(payload, requirements: context.requirements)
                if !result.success, result.errorReason == .settlementPending, !result.transaction.isEmpty {
                    result = try await entry.client.settle(payload, requirements: context.requirements)
                }
            } catch {
                throw X402Error.wrapping(error, as: .unexpectedSettleError, "facilitator /settle failed: \(error)")
            }
        } catch {
            if let recovered = await settleFailure(context, error, s, scheme) {
                try await runAfterSettle(context, recovered, s, scheme)
                return try await enrichSettleResponse(context, recovered, scheme)
            }
            throw error
        }
        guard result.success else {
            let error = X402Error(result.errorReason ?? .unexpectedSettleError, result.errorMessage ?? "settlement failed")
            if let recovered = await settleFailure(context, error, s, scheme) {
                try await runAfterSettle(context, recovered, s, scheme)
                return try await enrichSettleResponse(context, recovered, scheme)
            }
            return result
        }
        try await runAfterSettle(context, result, s, scheme)
        return try await enrichSettleResponse(context, result, scheme)
    }

    private func settleFailure(_ context: PaymentContext, _ error: X402Error, _ s: State,
                               _ scheme: (any SchemeNetworkServer)?) async -> SettleResponse? {
        for hook in s.hooks.settleFailure {
            if let r = await hook(context, error) { return r }
        }
        return await scheme?.onSettleFailure(context, error: error)
    }

    private func runAfterSettle(_ context: PaymentContext, _ result: SettleResponse, _ s: State,
                                _ scheme: (any SchemeNetworkServer)?) async throws(X402Error) {
        let hooks = s.hooks.afterSettle
        for i in 0..<hooks.count + (scheme == nil ? 0 : 1) {
            do { try await i < hooks.count ? hooks[i](context, result) : scheme!.afterSettle(context, result: result) } catch {
                throw X402Error.wrapping(error, as: .unexpectedSettleError)
            }
        }
    }

    private func enrichSettleResponse(_ context: PaymentContext, _ result: SettleResponse,
                                      _ scheme: (any SchemeNetworkServer)?) async throws(X402Error) -> SettleResponse {
        guard result.success, let scheme,
              let enrichment = try? await scheme.enrichSettlementResponse(context, result: result) else { return result }
        var settled = result
        do {
            settled.extra = try Self.mergeAdditive(result.extra ?? JSONObject(), enrichment, path: "extra")
        } catch {
            throw X402Error.wrapping(error, as: .unexpectedSettleError)
        }
        return settled
    }

    /// Adds `enrichment` to `target`, merging nested objects; replacing an existing non-object value throws.
    static func mergeAdditive(_ target: JSONObject, _ enrichment: JSONObject, path: String) throws(X402Error) -> JSONObject {
        var result = target
        for (key, value) in enrichment {
            switch (result[key], value) {
            case (nil, _): result[key] = value
            case (.object(let inner)?, .object(let add)):
                result[key] = .object(try mergeAdditive(inner, add, path: "\(path).\(key)"))
            default:
                throw X402Error(.unexpectedSettleError, "settlement response enrichment may not replace \(path).\(key)")
            }
        }
        return result
    }
}
