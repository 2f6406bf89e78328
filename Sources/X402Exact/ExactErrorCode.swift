import X402Core

/// The `exact` EVM error codes, spelled exactly as the Python SDK 2.25.0 sends them
/// (`x402/mechanisms/evm/constants.py`). Some are generic (`unsupported_scheme`, `transaction_failed`): the SDK
/// shares them between schemes.
public enum ExactErrorCode: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// `accepted.scheme` (or the requirement's scheme) is not `exact`.
    case unsupportedScheme = "unsupported_scheme"
    /// `accepted.network` differs from the requirement's network.
    case networkMismatch = "network_mismatch"
    /// The network is not `eip155:<chainId>`, or not the chain this facilitator serves.
    case failedToGetNetworkConfig = "invalid_exact_evm_failed_to_get_network_config"
    /// The requirement's `extra` lacks the token's EIP-712 `name` or `version`.
    case missingEIP712Domain = "missing_eip712_domain"
    /// `authorization.to` is not the requirement's `payTo`.
    case recipientMismatch = "invalid_exact_evm_payload_recipient_mismatch"
    /// `authorization.value` is not exactly the requirement's `amount`.
    case authorizationValueMismatch = "invalid_exact_evm_payload_authorization_value_mismatch"
    /// `validBefore` is less than 6 seconds ahead (or already past); also the token's "authorization is expired".
    case authorizationValidBefore = "invalid_exact_evm_payload_authorization_valid_before"
    /// `validAfter` is in the future; also the token's "authorization is not yet valid".
    case authorizationValidAfter = "invalid_exact_evm_payload_authorization_valid_after"
    /// The signature is missing, does not recover to `from` (EOA), or the token rejected it.
    case invalidSignature = "invalid_exact_evm_payload_signature"
    /// `from` has no code and the signature is not a 65-byte ECDSA signature (a smart wallet not yet deployed).
    case undeployedSmartWallet = "invalid_exact_evm_payload_undeployed_smart_wallet"
    /// The signature could not be checked (malformed, or the chain could not be read).
    case failedToVerifySignature = "invalid_exact_evm_failed_to_verify_signature"
    /// The requirement's `asset` has no code on the chain.
    case assetNotDeployedContract = "asset_not_deployed_contract"
    /// The `transferWithAuthorization` simulation failed for a reason the diagnosis could not name.
    case transactionSimulationFailed = "invalid_exact_evm_transaction_simulation_failed"
    /// The authorization nonce was already used or canceled (`authorizationState` is true).
    case nonceAlreadyUsed = "invalid_exact_evm_nonce_already_used"
    /// The payer's token balance is below the amount.
    case insufficientBalance = "invalid_exact_evm_insufficient_balance"
    /// The token's `name()` differs from `extra.name` (every signature then fails).
    case tokenNameMismatch = "invalid_exact_evm_token_name_mismatch"
    /// The token's `version()` differs from `extra.version`.
    case tokenVersionMismatch = "invalid_exact_evm_token_version_mismatch"
    /// The token has no `authorizationState` (not an ERC-3009 token).
    case eip3009NotSupported = "invalid_exact_evm_eip3009_not_supported"
    /// The settlement transaction failed: refused before broadcast for an unnamed reason, or reverted.
    case transactionFailed = "transaction_failed"
    /// The receipt succeeded but has no ERC-20 `Transfer(from, to, value)` log of the token (fail closed).
    case transferEventMismatch = "invalid_exact_evm_transfer_event_mismatch"
    /// Broadcast but not confirmed in time; `transaction` carries the hash and a retry reconciles against it.
    case settlementPending = "settlement_pending"
    /// An ERC-6492 signature asks to deploy the payer's wallet through a factory this facilitator does not allow.
    case factoryNotAllowed = "eip6492_factory_not_allowed"
    /// Defined by the SDK for a failed wallet deployment (this facilitator deploys none).
    case smartWalletDeploymentFailed = "smart_wallet_deployment_failed"
    /// Defined by the SDK for an asset whose details could not be read.
    case failedToGetAssetInfo = "invalid_exact_evm_failed_to_get_asset_info"

    // Permit2 payments (`permit2Authorization` payloads).
    /// `permit2Authorization.spender` is not ``Exact/permit2ProxyAddress``.
    case permit2InvalidSpender = "invalid_permit2_spender"
    /// `witness.to` is not the requirement's `payTo`.
    case permit2RecipientMismatch = "invalid_permit2_recipient_mismatch"
    /// `deadline`, `witness.validAfter` or `permitted.amount` is not a decimal uint256.
    case permit2PayloadFormat = "invalid_permit2_payload_format"
    /// `deadline` is less than 6 seconds ahead.
    case permit2DeadlineExpired = "permit2_deadline_expired"
    /// `witness.validAfter` is in the future.
    case permit2NotYetValid = "permit2_not_yet_valid"
    /// `permitted.amount` is not exactly the requirement's `amount`.
    case permit2AmountMismatch = "permit2_amount_mismatch"
    /// `permitted.token` is not the requirement's `asset`.
    case permit2TokenMismatch = "permit2_token_mismatch"
    /// The signature is missing or is not the payer's (ECDSA without code, ERC-1271 with); also Permit2's revert.
    case permit2InvalidSignature = "invalid_permit2_signature"
    /// The payer has not approved Permit2 for at least the amount.
    case permit2AllowanceRequired = "permit2_allowance_required"
    /// The payer's balance could not be read (fail closed).
    case balanceCheckFailed = "balance_check_failed"
    /// Settle: the proxy refused a zero amount.
    case permit2InvalidAmount = "invalid_permit2_amount"
    /// Settle: the proxy refused a zero destination.
    case permit2InvalidDestination = "invalid_permit2_destination"
    /// Settle: the proxy refused a zero owner.
    case permit2InvalidOwner = "invalid_permit2_owner"
    /// Settle: the proxy refused to settle before `validAfter`.
    case permit2PaymentTooEarly = "permit2_payment_too_early"
    /// Settle: an EIP-2612 permit's value differs from the permitted amount.
    case permit2AmountMismatch2612 = "permit2_2612_amount_mismatch"
    /// Settle: Permit2 refused the nonce (already used).
    case permit2InvalidNonce = "permit2_invalid_nonce"

    /// The wire string.
    public var description: String { rawValue }
}

extension ErrorReason {
    /// The reason carrying an `exact` error code.
    public init(_ code: ExactErrorCode) { self.init(rawValue: code.rawValue) }
}
