import X402Core
import X402EVM
import X402EVMMechanisms

/// The seller side of `exact` on EVM (Python `ExactEvmScheme` server): prices become the token's atomic amount
/// with its EIP-712 domain in `extra`, and `payTo` and `asset` are offered in EIP-55 checksum form (the SDK's
/// facilitator cannot settle to a `payTo` in any other form).
///
/// It needs no lifecycle hook: ``X402ResourceServer`` verifies each payment with the facilitator before the handler
/// runs and settles it after a handler status below 400; the `PAYMENT-RESPONSE` is the facilitator's settle answer
/// (the transaction hash, the payer). Register it beside batch-settlement to offer both on one route.
public struct ExactServerScheme: EVMServerScheme {
    /// `"exact"`.
    public let scheme = Exact.scheme

    /// A scheme with the default-asset table.
    public init() {}

    /// `payTo` and `asset` in EIP-55 form, and the token domain of a default asset when the route did not set it
    /// (required unless `extra.assetTransferMethod` is `"permit2"`: a Permit2 payment is signed on Permit2's domain).
    ///
    /// - Throws: ``X402Error`` `invalid_payment_requirements` when `payTo` or `asset` is not an address, or the
    ///   requirement lacks the token's EIP-712 `name` / `version` (every authorization would be unverifiable).
    public func enhanceRequirements(_ requirements: PaymentRequirements, supportedKind: SupportedKind,
                                    facilitatorExtensions: [String]) async throws -> PaymentRequirements {
        var enhanced = requirements
        do {
            enhanced.payTo = try Address(hex: requirements.payTo).checksummed
            enhanced.asset = try Address(hex: requirements.asset).checksummed
        } catch {
            throw X402Error(.invalidPaymentRequirements, "exact: payTo and asset must be addresses", underlying: error)
        }
        enhanced.fillDefaultAssetExtra()
        // A Permit2 payment is signed on Permit2's domain, not the token's.
        if case .string(Exact.permit2TransferMethod)? = enhanced.extra["assetTransferMethod"] { return enhanced }
        guard case .string? = enhanced.extra["name"], case .string? = enhanced.extra["version"] else {
            throw X402Error(.invalidPaymentRequirements, "exact: the token's EIP-712 extra.name and extra.version are required")
        }
        return enhanced
    }
}
