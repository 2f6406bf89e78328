/// How a resource server talks to a facilitator (`/verify`, `/settle`, `/supported`).
///
/// ``LocalFacilitatorClient`` calls an ``X402Facilitator`` in-process; the `X402AsyncHTTPClient`
/// module has the HTTP implementation. Payment failures come back as `isValid:false` /
/// `success:false`; throwing means the facilitator could not answer.
public protocol FacilitatorClient: Sendable {
    /// `POST /verify`.
    func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> VerifyResponse
    /// `POST /settle`.
    func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> SettleResponse
    /// `GET /supported`.
    func supported() async throws -> SupportedResponse
}

/// A ``FacilitatorClient`` over an in-process ``X402Facilitator`` (tests, single-process deployments).
public struct LocalFacilitatorClient: FacilitatorClient {
    /// The facilitator called.
    public let facilitator: X402Facilitator

    /// Wraps `facilitator`.
    public init(_ facilitator: X402Facilitator) { self.facilitator = facilitator }

    /// Calls ``X402Facilitator/verify(_:requirements:)``.
    public func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> VerifyResponse {
        await facilitator.verify(payload, requirements: requirements)
    }

    /// Calls ``X402Facilitator/settle(_:requirements:)``.
    public func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> SettleResponse {
        await facilitator.settle(payload, requirements: requirements)
    }

    /// Calls ``X402Facilitator/supported()``.
    public func supported() async throws -> SupportedResponse { facilitator.supported() }
}
