import HTTPTypes
import Synchronization

/// The buyer's rules for choosing among a 402's `accepts`.
public struct PaymentSelectionPolicy: Sendable {
    /// Schemes in order of preference; requirements of other schemes rank after these (empty: offer order).
    public var preferredSchemes: [String]
    /// Largest `amount` (atomic units, decimal text) accepted for one payment; `nil` means no cap.
    public var maxAmountPerPayment: String?
    /// Networks the client may pay on; `nil` allows every network a scheme is registered for.
    public var allowedNetworks: Set<Network>?
    /// When the chosen requirement's scheme refuses to build a payment (a spending limit, a deposit it may not make,
    /// a distrusted channel), pay with the next acceptable requirement instead: with `preferredSchemes:
    /// ["batch-settlement", "exact"]` a buyer uses its channel when it may, and `exact` otherwise. Default off: the
    /// refusal is thrown.
    public var fallBackWhenSchemeRefuses: Bool

    /// Creates a policy.
    public init(preferredSchemes: [String] = [], maxAmountPerPayment: String? = nil, allowedNetworks: Set<Network>? = nil,
                fallBackWhenSchemeRefuses: Bool = false) {
        self.preferredSchemes = preferredSchemes
        self.maxAmountPerPayment = maxAmountPerPayment
        self.allowedNetworks = allowedNetworks
        self.fallBackWhenSchemeRefuses = fallBackWhenSchemeRefuses
    }
}

/// The buyer role (Python `x402Client`): picks a requirement of a 402 and builds the `PaymentPayload`.
///
/// Schemes register per network or CAIP family (`"eip155:*"`); for a requirement's network an exact
/// registration wins over a wildcard.
public final class X402Client: Sendable {
    private let state: Mutex<(schemes: SchemeRegistry<any SchemeNetworkClient>, policy: PaymentSelectionPolicy)>

    /// A client with `policy` and no schemes.
    public init(policy: PaymentSelectionPolicy = PaymentSelectionPolicy()) {
        state = Mutex((SchemeRegistry(), policy))
    }

    /// Registers `scheme` for `network` (an id or a `namespace:*` family).
    @discardableResult
    public func register(_ scheme: any SchemeNetworkClient, for network: NetworkPattern) -> Self {
        state.withLock { $0.schemes.register(network, scheme: scheme.scheme, scheme) }
        return self
    }

    /// The selection policy.
    public var policy: PaymentSelectionPolicy {
        get { state.withLock { $0.policy } }
        set { state.withLock { $0.policy = newValue } }
    }

    /// The registered scheme for a requirement's scheme and network.
    public func scheme(for requirements: PaymentRequirements) -> (any SchemeNetworkClient)? {
        state.withLock { $0.schemes.lookup(scheme: requirements.scheme, network: requirements.network) }
    }

    /// Chooses the requirement to pay: registered scheme, allowed network, amount within the cap,
    /// then the policy's scheme preference, then the server's order.
    public func selectRequirements(_ paymentRequired: PaymentRequired) throws(X402Error) -> PaymentRequirements {
        try rankRequirements(paymentRequired)[0]
    }

    /// Every payable requirement, best first (the order of ``selectRequirements(_:)``); never empty.
    public func rankRequirements(_ paymentRequired: PaymentRequired) throws(X402Error) -> [PaymentRequirements] {
        let (schemes, policy) = state.withLock { ($0.schemes, $0.policy) }
        let registered = paymentRequired.accepts.filter { schemes.lookup(scheme: $0.scheme, network: $0.network) != nil }
        guard !registered.isEmpty else {
            throw X402Error(.noMatchingRequirements, "no offered requirement uses a registered scheme and network")
        }
        let allowed = registered.filter { policy.allowedNetworks?.contains($0.network) ?? true }
        guard !allowed.isEmpty else {
            throw X402Error(.noMatchingRequirements, "no offered requirement is on an allowed network")
        }
        var affordable = allowed
        if let cap = policy.maxAmountPerPayment {
            guard let capValue = try? UInt256(decimal: cap) else {
                throw X402Error(.invalidPaymentRequirements, "maxAmountPerPayment '\(cap)' is not an atomic amount")
            }
            // Exact integer comparison; an amount that is not a uint256 decimal is never affordable.
            affordable = allowed.filter { (try? UInt256(decimal: $0.amount)).map { $0 <= capValue } ?? false }
            guard !affordable.isEmpty else {
                throw X402Error(.amountExceedsPolicy, "every offered amount is above the maximum of \(cap) per payment")
            }
        }
        func rank(_ r: PaymentRequirements) -> Int {
            policy.preferredSchemes.firstIndex(of: r.scheme) ?? policy.preferredSchemes.count
        }
        // Stable: equal ranks keep the server's order.
        return affordable.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    /// Selects a requirement and builds the payload: `accepted` is the requirement verbatim, `resource`
    /// and `extensions` come from `paymentRequired` (scheme extensions merged over them).
    /// `requestURL` is the URL actually requested (schemes may check its origin).
    /// With ``PaymentSelectionPolicy/fallBackWhenSchemeRefuses`` a refusing scheme passes the payment to the next
    /// requirement; the last refusal is thrown.
    public func createPaymentPayload(for paymentRequired: PaymentRequired,
                                     requestURL: String? = nil) async throws(X402Error) -> PaymentPayload {
        let ranked = try rankRequirements(paymentRequired)
        guard policy.fallBackWhenSchemeRefuses, ranked.count > 1 else {
            return try await createPaymentPayload(for: paymentRequired, requirements: ranked[0], requestURL: requestURL)
        }
        do {
            return try await buildPaymentPayload(for: paymentRequired, ranked: ranked, requestURL: requestURL).payload
        } catch {
            throw X402Error.wrapping(error, as: .invalidPayload, "no scheme could build a payload: \(error)")
        }
    }

    /// Builds the payload for the first of `ranked` whose scheme agrees (only the first, unless the policy falls
    /// back); returns it with the requirement it pays. A scheme's own error is thrown unchanged.
    func buildPaymentPayload(for paymentRequired: PaymentRequired, ranked: [PaymentRequirements],
                             requestURL: String?) async throws -> (payload: PaymentPayload, requirements: PaymentRequirements) {
        let candidates = policy.fallBackWhenSchemeRefuses ? ranked : Array(ranked.prefix(1))
        var lastError: (any Error)?
        for requirements in candidates {
            do {
                return (try await buildPaymentPayload(for: paymentRequired, requirements: requirements, requestURL: requestURL),
                        requirements)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? X402Error(.noMatchingRequirements, "no offered requirement")
    }

    /// Builds the payload for an already chosen `requirements` of `paymentRequired`.
    public func createPaymentPayload(for paymentRequired: PaymentRequired, requirements: PaymentRequirements,
                                     requestURL: String? = nil) async throws(X402Error) -> PaymentPayload {
        do {
            return try await buildPaymentPayload(for: paymentRequired, requirements: requirements, requestURL: requestURL)
        } catch {
            throw X402Error.wrapping(error, as: .invalidPayload, "scheme '\(requirements.scheme)' could not build a payload: \(error)")
        }
    }

    /// ``createPaymentPayload(for:requirements:requestURL:)`` but a scheme's own error (e.g. a spend limit)
    /// is thrown unchanged, so the HTTP wrappers can show the caller exactly which limit refused.
    func buildPaymentPayload(for paymentRequired: PaymentRequired, requirements: PaymentRequirements,
                             requestURL: String?) async throws -> PaymentPayload {
        guard let scheme = scheme(for: requirements) else {
            throw X402Error(.unsupportedScheme, "no client scheme '\(requirements.scheme)' registered for \(requirements.network)")
        }
        let context = PaymentPayloadContext(paymentRequired: paymentRequired, extensions: paymentRequired.extensions,
                                            maxAmountPerPayment: policy.maxAmountPerPayment, requestURL: requestURL)
        let part = try await scheme.createPaymentPayload(for: requirements, context: context)
        let extensions = Self.merge(paymentRequired.extensions, part.extensions)
        return PaymentPayload(payload: part.payload, accepted: requirements, resource: paymentRequired.resource,
                              extensions: extensions?.isEmpty == false ? extensions : nil)
    }

    /// Builds the payload and its `PAYMENT-SIGNATURE` header value.
    public func createPaymentHeader(for paymentRequired: PaymentRequired,
                                    requestURL: String? = nil) async throws(X402Error) -> (payload: PaymentPayload, header: String) {
        let payload = try await createPaymentPayload(for: paymentRequired, requestURL: requestURL)
        do {
            return (payload, try HeaderCodec.encodePaymentSignature(payload))
        } catch {
            throw X402Error(.invalidEncoding, "cannot encode PAYMENT-SIGNATURE", underlying: error)
        }
    }

    /// The ordering key of a payment for `requirements` (see ``SchemeNetworkClient/serializationKey(for:requestURL:)``).
    public func serializationKey(for requirements: PaymentRequirements, requestURL: String?) -> String? {
        scheme(for: requirements)?.serializationKey(for: requirements, requestURL: requestURL)
    }

    /// Decodes the `PAYMENT-REQUIRED` header of a 402 response.
    public static func paymentRequired(from headerFields: HTTPFields) throws(X402Error) -> PaymentRequired {
        guard let value = headerFields[HTTPField.Name.paymentRequired] else {
            throw X402Error(.invalidEncoding, "402 response without a PAYMENT-REQUIRED header")
        }
        do {
            return try HeaderCodec.decodePaymentRequired(value)
        } catch {
            throw X402Error(.invalidEncoding, "undecodable PAYMENT-REQUIRED header", underlying: error)
        }
    }

    /// Lets the paying scheme look at the server's answer to a paid request (protocol.md A.10 step 3):
    /// `PAYMENT-RESPONSE` when present, otherwise a 402's `PAYMENT-REQUIRED` (corrective 402).
    /// Undecodable headers are passed as absent.
    public func handlePaymentResponse(for payload: PaymentPayload, status: HTTPResponse.Status, headerFields: HTTPFields,
                                      requestURL: String? = nil) async throws(X402Error) -> PaymentResponseDecision {
        let settle = headerFields[HTTPField.Name.paymentResponse].flatMap { try? HeaderCodec.decodePaymentResponse($0) }
        var required: PaymentRequired?
        if settle == nil, status.code == 402 {
            required = headerFields[HTTPField.Name.paymentRequired].flatMap { try? HeaderCodec.decodePaymentRequired($0) }
        }
        guard let scheme = scheme(for: payload.accepted) else { return .done }
        do {
            return try await scheme.onPaymentResponse(PaymentResponseContext(
                paymentPayload: payload, requirements: payload.accepted, settleResponse: settle, paymentRequired: required,
                status: status.code, requestURL: requestURL))
        } catch {
            throw X402Error.wrapping(error, as: .invalidPayment, "scheme '\(payload.accepted.scheme)' rejected the payment response: \(error)")
        }
    }

    /// Recursive merge: `overlay` keys are added or, for objects on both sides, merged.
    static func merge(_ base: JSONObject?, _ overlay: JSONObject?) -> JSONObject? {
        guard let overlay else { return base }
        guard var result = base else { return overlay }
        for (key, value) in overlay {
            if case .object(let inner)? = result[key], case .object(let add) = value {
                result[key] = .object(merge(inner, add) ?? inner)
            } else {
                result[key] = value
            }
        }
        return result
    }
}
