/// The facilitator side of a payment scheme (Python `SchemeNetworkFacilitator`).
///
/// `verify` and `settle` report payment failures as `isValid:false` / `success:false` with an
/// ``ErrorReason``; throwing is for unexpected failures, which ``X402Facilitator`` turns into
/// `unexpected_verify_error` / `unexpected_settle_error`.
public protocol SchemeNetworkFacilitator: Sendable {
    /// The scheme id.
    var scheme: String { get }
    /// The CAIP family its signers are listed under in `/supported`, e.g. `"eip155:*"`.
    var caipFamily: String { get }
    /// Scheme data for the `SupportedKind` of `network` (batch-settlement: `receiverAuthorizer`); default none.
    func extra(for network: Network) -> JSONObject?
    /// Addresses this facilitator sends transactions from on `network`; default none.
    func signers(for network: Network) -> [String]
    /// Checks a payment against `requirements` without moving funds.
    func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> VerifyResponse
    /// Executes the payment.
    func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> SettleResponse
}

extension SchemeNetworkFacilitator {
    /// No extra data.
    public func extra(for network: Network) -> JSONObject? { nil }
    /// No signers.
    public func signers(for network: Network) -> [String] { [] }
}
