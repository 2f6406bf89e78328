import Synchronization

/// The facilitator role: dispatches `/verify`, `/settle` and `/supported` to registered
/// ``SchemeNetworkFacilitator``s (Python `x402Facilitator`).
///
/// Dispatch is by the payload's `accepted.scheme` and `accepted.network`; a scheme registered on
/// explicit networks serves only those. Failures never throw: an unknown scheme answers
/// `unsupported_scheme`, a known scheme on another network `unsupported_network`, and a scheme that
/// throws `unexpected_verify_error` / `unexpected_settle_error`.
public final class X402Facilitator: Sendable {
    private struct Registration: Sendable {
        var networks: [Network]
        var facilitator: any SchemeNetworkFacilitator
    }

    private let state = Mutex<(registrations: [Registration], extensions: [String])>(([], []))

    /// An empty facilitator.
    public init() {}

    /// Serves `facilitator`'s scheme on `networks` (a later registration of the same scheme and network wins).
    @discardableResult
    public func register(_ facilitator: any SchemeNetworkFacilitator, networks: [Network]) -> Self {
        state.withLock { $0.registrations.append(Registration(networks: networks, facilitator: facilitator)) }
        return self
    }

    /// Advertises an extension id in `/supported` (e.g. `"eip2612GasSponsoring"`).
    @discardableResult
    public func registerExtension(_ id: String) -> Self {
        state.withLock { if !$0.extensions.contains(id) { $0.extensions.append(id) } }
        return self
    }

    /// The `/supported` answer: one kind per registered (scheme, network), extension ids, and signers
    /// grouped by CAIP family (deduplicated, in registration order).
    public func supported() -> SupportedResponse {
        let (registrations, extensions) = state.withLock { ($0.registrations, $0.extensions) }
        var kinds: [SupportedKind] = []
        var signers: [String: [String]] = [:]
        for r in registrations {
            for network in r.networks {
                let extra = r.facilitator.extra(for: network)
                kinds.append(SupportedKind(scheme: r.facilitator.scheme, network: network,
                                           extra: extra?.isEmpty == false ? extra : nil))
                var list = signers[r.facilitator.caipFamily] ?? []
                for s in r.facilitator.signers(for: network) where !list.contains(s) { list.append(s) }
                signers[r.facilitator.caipFamily] = list
            }
        }
        return SupportedResponse(kinds: kinds, extensions: extensions, signers: signers)
    }

    /// Verifies `payload` against `requirements`.
    public func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async -> VerifyResponse {
        let facilitator: any SchemeNetworkFacilitator
        switch find(payload) {
        case .success(let f): facilitator = f
        case .failure(let e): return .invalid(e.reason, message: e.message)
        }
        do {
            return try await facilitator.verify(payload, requirements: requirements)
        } catch {
            return .invalid(.unexpectedVerifyError, message: String(describing: error))
        }
    }

    /// Settles `payload` against `requirements`.
    public func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async -> SettleResponse {
        let facilitator: any SchemeNetworkFacilitator
        switch find(payload) {
        case .success(let f): facilitator = f
        case .failure(let e): return .failure(e.reason, message: e.message, network: payload.accepted.network)
        }
        do {
            return try await facilitator.settle(payload, requirements: requirements)
        } catch {
            return .failure(.unexpectedSettleError, message: String(describing: error), network: payload.accepted.network)
        }
    }

    /// The facilitator for the payload's scheme and network, or why there is none.
    func find(_ payload: PaymentPayload) -> Result<any SchemeNetworkFacilitator, X402Error> {
        let scheme = payload.accepted.scheme, network = payload.accepted.network
        guard payload.x402Version == X402Core.x402Version else {
            return .failure(X402Error(.invalidX402Version, "x402Version \(payload.x402Version) is not supported"))
        }
        let registrations = state.withLock { $0.registrations }
        var schemeKnown = false
        for r in registrations.reversed() where r.facilitator.scheme == scheme {
            schemeKnown = true
            if r.networks.contains(network) { return .success(r.facilitator) }
        }
        return schemeKnown
            ? .failure(X402Error(.unsupportedNetwork, "scheme '\(scheme)' is not served on network '\(network)'"))
            : .failure(X402Error(.unsupportedScheme, "no facilitator for scheme '\(scheme)'"))
    }
}
