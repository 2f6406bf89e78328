import Synchronization

/// One paid request's identity and scratch space, shared by every hook that runs for it.
///
/// Schemes keep per-request state here (Python keys it by the payload object), e.g. the
/// batch-settlement reservation id set in `beforeVerify` and read in `beforeSettle`.
public final class PaymentAttempt: Sendable {
    private static let counter = Atomic<UInt64>(0)
    private let values = Mutex<[String: any Sendable]>([:])

    /// A process-unique id.
    public let id: UInt64

    /// Creates an attempt with a fresh id.
    public init() { id = Self.counter.add(1, ordering: .relaxed).newValue }

    /// Reads or stores a value under `key` (`nil` removes it).
    public subscript(key: String) -> (any Sendable)? {
        get { values.withLock { $0[key] } }
        set { values.withLock { $0[key] = newValue } }
    }

    /// The value under `key` when it has type `T`.
    public func value<T: Sendable>(_ key: String, as type: T.Type = T.self) -> T? {
        values.withLock { $0[key] as? T }
    }
}

/// The request a server hook runs for.
public struct PaymentContext: Sendable {
    /// The client's payload.
    public var paymentPayload: PaymentPayload
    /// The server requirement it matched (for settlement: after Settlement-Overrides).
    public var requirements: PaymentRequirements
    /// Identity and scratch space of this request.
    public let attempt: PaymentAttempt

    /// Creates a context.
    public init(paymentPayload: PaymentPayload, requirements: PaymentRequirements, attempt: PaymentAttempt) {
        self.paymentPayload = paymentPayload
        self.requirements = requirements
        self.attempt = attempt
    }
}

/// Input of the corrective-402 hook (B.12).
public struct PaymentRequiredContext: Sendable {
    /// The route's requirements, as built so far.
    public var requirements: [PaymentRequirements]
    /// The resource.
    public var resource: ResourceInfo?
    /// The `error` of the 402 (a verification failure's reason for corrective 402s).
    public var error: String?
    /// The client's payload, when the 402 answers a paid request.
    public var paymentPayload: PaymentPayload?
    /// The request's attempt, when the 402 answers a paid request.
    public var attempt: PaymentAttempt?

    /// Creates a context.
    public init(requirements: [PaymentRequirements], resource: ResourceInfo?, error: String?,
                paymentPayload: PaymentPayload? = nil, attempt: PaymentAttempt? = nil) {
        self.requirements = requirements
        self.resource = resource
        self.error = error
        self.paymentPayload = paymentPayload
        self.attempt = attempt
    }
}

/// A response sent instead of running the resource handler (batch-settlement refunds, B.11 step 2).
public struct DirectResponse: Sendable, Equatable {
    /// `Content-Type` of the body.
    public var contentType: String
    /// The body bytes.
    public var body: [UInt8]

    /// Creates a direct response (JSON by default).
    public init(contentType: String = "application/json", body: [UInt8] = Array("{}".utf8)) {
        self.contentType = contentType
        self.body = body
    }

    /// A JSON body.
    public init(json: JSONValue) {
        self.init(contentType: "application/json", body: JSONSerializer.serialize(json))
    }
}

/// Result of a before-verify hook.
public enum BeforeVerifyDecision: Sendable {
    /// Go on.
    case proceed
    /// Reject the payment with `reason` (becomes the 402's `error`).
    case abort(reason: ErrorReason, message: String? = nil)
    /// Do not call the facilitator; use this result (e.g. a voucher verified locally).
    case skipVerification(VerifyResponse)
}

/// Result of an after-verify hook.
public enum AfterVerifyDecision: Sendable {
    /// Go on.
    case proceed
    /// Reject the payment with `reason` although the facilitator accepted it.
    case abort(reason: ErrorReason, message: String? = nil)
    /// Do not run the resource handler: settle now and answer with this response.
    case skipHandler(DirectResponse)
}

/// Result of a before-settle hook.
public enum BeforeSettleDecision: Sendable {
    /// Go on.
    case proceed
    /// Fail the settlement with `reason`.
    case abort(reason: ErrorReason, message: String? = nil)
    /// Do not call the facilitator; this is the settlement result (e.g. a voucher-only charge).
    case skipSettlement(SettleResponse)
}

/// Why a verified payment was not settled.
public enum PaymentCancellation: Sendable, Equatable {
    /// The handler answered with this status (≥ 400).
    case handlerFailed(status: Int)
    /// The handler threw.
    case handlerThrew
    /// An after-verify hook aborted.
    case afterVerifyAborted
    /// Settlement could not start (an unresolvable `Settlement-Overrides` amount).
    case settlementNotStarted
}

/// The seller side of a payment scheme (Python `SchemeNetworkServer` plus its lifecycle hooks).
///
/// Only ``scheme``, ``parsePrice(_:network:)`` and
/// ``enhanceRequirements(_:supportedKind:facilitatorExtensions:)`` are required; every hook has a
/// no-op default, so a scheme implements exactly the steps it needs (batch-settlement: protocol.md
/// B.11; `exact`: none). Hooks run after the server-level hooks of the same phase.
public protocol SchemeNetworkServer: Sendable {
    /// The scheme id.
    var scheme: String { get }

    /// Turns a route price into an atomic amount of an asset on `network` (money parsing, default asset).
    func parsePrice(_ price: Price, network: Network) throws -> AssetAmount

    /// Fills scheme-specific `extra` from the facilitator's `/supported` kind and extensions.
    func enhanceRequirements(_ requirements: PaymentRequirements, supportedKind: SupportedKind,
                             facilitatorExtensions: [String]) async throws -> PaymentRequirements

    /// Decimals of `asset` on `network`, for `$` settlement overrides; default unknown (`nil`).
    func assetDecimals(asset: String, network: Network) -> Int?

    /// Checked by ``X402ResourceServer/initialize()``: a problem description when the facilitator's
    /// capabilities cannot serve this scheme's configuration; default `nil` (fine).
    func validateFacilitatorSupport(network: Network, supportedKind: SupportedKind, facilitatorExtensions: [String]) -> String?

    /// B.11 step 1: before the facilitator `/verify`.
    func beforeVerify(_ context: PaymentContext) async throws -> BeforeVerifyDecision
    /// B.11 step 2: after a valid verification.
    func afterVerify(_ context: PaymentContext, result: VerifyResponse) async throws -> AfterVerifyDecision
    /// After a failed or throwing verification; a non-nil result recovers it.
    func onVerifyFailure(_ context: PaymentContext, error: X402Error) async -> VerifyResponse?
    /// A verified payment will not be settled (handler failed, after-verify aborted): release state.
    func onPaymentCanceled(_ context: PaymentContext, reason: PaymentCancellation) async
    /// B.11 step 4: before settlement.
    func beforeSettle(_ context: PaymentContext) async throws -> BeforeSettleDecision
    /// B.11 step 5: keys added to the payload sent to `/settle` (may not replace client keys).
    func enrichSettlementPayload(_ context: PaymentContext) async throws -> JSONObject?
    /// B.11 step 7: after a successful settlement.
    func afterSettle(_ context: PaymentContext, result: SettleResponse) async throws
    /// After a failed or throwing settlement; a non-nil result recovers it.
    func onSettleFailure(_ context: PaymentContext, error: X402Error) async -> SettleResponse?
    /// B.11 step 8: keys merged into `SettleResponse.extra` (additively) before it is sent.
    func enrichSettlementResponse(_ context: PaymentContext, result: SettleResponse) async throws -> JSONObject?
    /// B.12: replacement `accepts` for a 402 (only `extra` keys may be added); `nil` keeps them.
    func enrichPaymentRequired(_ context: PaymentRequiredContext) async throws -> [PaymentRequirements]?
}

extension SchemeNetworkServer {
    /// Returns the requirements unchanged.
    public func enhanceRequirements(_ requirements: PaymentRequirements, supportedKind: SupportedKind,
                                    facilitatorExtensions: [String]) async throws -> PaymentRequirements { requirements }
    /// Unknown.
    public func assetDecimals(asset: String, network: Network) -> Int? { nil }
    /// No problem.
    public func validateFacilitatorSupport(network: Network, supportedKind: SupportedKind, facilitatorExtensions: [String]) -> String? { nil }
    /// Proceeds.
    public func beforeVerify(_ context: PaymentContext) async throws -> BeforeVerifyDecision { .proceed }
    /// Proceeds.
    public func afterVerify(_ context: PaymentContext, result: VerifyResponse) async throws -> AfterVerifyDecision { .proceed }
    /// Does not recover.
    public func onVerifyFailure(_ context: PaymentContext, error: X402Error) async -> VerifyResponse? { nil }
    /// Does nothing.
    public func onPaymentCanceled(_ context: PaymentContext, reason: PaymentCancellation) async {}
    /// Proceeds.
    public func beforeSettle(_ context: PaymentContext) async throws -> BeforeSettleDecision { .proceed }
    /// Adds nothing.
    public func enrichSettlementPayload(_ context: PaymentContext) async throws -> JSONObject? { nil }
    /// Does nothing.
    public func afterSettle(_ context: PaymentContext, result: SettleResponse) async throws {}
    /// Does not recover.
    public func onSettleFailure(_ context: PaymentContext, error: X402Error) async -> SettleResponse? { nil }
    /// Adds nothing.
    public func enrichSettlementResponse(_ context: PaymentContext, result: SettleResponse) async throws -> JSONObject? { nil }
    /// Keeps the accepts.
    public func enrichPaymentRequired(_ context: PaymentRequiredContext) async throws -> [PaymentRequirements]? { nil }
}
