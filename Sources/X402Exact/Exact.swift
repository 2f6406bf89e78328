import X402Core

/// The x402 v2 `exact` scheme on EVM with ERC-3009 (`specs/schemes/exact/scheme_exact_evm.md`): one signed
/// `TransferWithAuthorization` of exactly the requirement's `amount` to its `payTo`, submitted on chain by the
/// facilitator before the paid response is sent.
public enum Exact {
    /// `"exact"`.
    public static let scheme = "exact"
    /// Seconds an authorization must still be valid when verified: the SDK facilitator refuses
    /// `validBefore < now + 6` (a block or two of inclusion time).
    public static let validityBuffer: UInt64 = 6
    /// `maxTimeoutSeconds` the SDK client uses when a requirement gives none (0).
    public static let defaultTimeoutSeconds: UInt64 = 3600
}
