/// batch-settlement error codes (protocol.md B.19): the wire string is
/// `invalid_batch_settlement_evm_` + the case's suffix. Strings must match the SDKs exactly.
public enum BatchSettlementErrorCode: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// Prefix shared by every batch-settlement code; ``suffix`` is the rest.
    public static let prefix = "invalid_batch_settlement_evm_"

    /// Facilitator verify: `accepted.scheme` or `requirements.scheme` is not `batch-settlement`.
    case scheme = "invalid_batch_settlement_evm_scheme"
    /// Facilitator verify: `accepted.network` differs from `requirements.network`.
    case networkMismatch = "invalid_batch_settlement_evm_network_mismatch"
    /// Facilitator ERC-3009 deposit verify: `requirements.extra` lacks the token's EIP-712 `name` or `version`.
    case missingEIP712Domain = "invalid_batch_settlement_evm_missing_eip712_domain"
    /// Facilitator verify/settle: unknown payload type (settle takes only deposit, claim, enriched refund,
    /// settle), or the transfer method is `permit2` but `permit2Authorization` is missing.
    case payloadType = "invalid_batch_settlement_evm_payload_type"
    /// Facilitator voucher/refund verify: reading the channel on chain failed (message says why) or its balance is 0.
    case channelNotFound = "invalid_batch_settlement_evm_channel_not_found"
    /// Facilitator config check and server before-verify: `voucher.channelId` is not the id of `channelConfig`
    /// on this network; facilitator Permit2 deposit verify: `witness.channelId` differs from it.
    case channelIdMismatch = "invalid_batch_settlement_evm_channel_id_mismatch"
    /// Server before-verify: `voucher.channelId` is not canonical `0x` + 64 hex digits. SDK only, not in the spec.
    case channelIdInvalid = "invalid_batch_settlement_evm_channel_id_invalid"
    /// Defined by the SDK, never emitted by it (failed reads give ``channelNotFound`` or ``rpcReadFailed``).
    case channelStateReadFailed = "invalid_batch_settlement_evm_channel_state_read_failed"
    /// Config check (facilitator verify, server local verify): `channelConfig.receiver` is not the
    /// requirement's `payTo`.
    case receiverMismatch = "invalid_batch_settlement_evm_receiver_mismatch"
    /// Config check: `extra.receiverAuthorizer` is missing or zero, or differs from
    /// `channelConfig.receiverAuthorizer`.
    case receiverAuthorizerMismatch = "invalid_batch_settlement_evm_receiver_authorizer_mismatch"
    /// Facilitator claim/refund settle: a ClaimBatch or Refund signature must be made by the facilitator, but
    /// the channel's `receiverAuthorizer` is not its authorizer key.
    case authorizerAddressMismatch = "invalid_batch_settlement_evm_authorizer_address_mismatch"
    /// Facilitator claim/refund settle: a ClaimBatch or Refund signature is missing and the facilitator has
    /// no authorizer key to make it. SDK only, not in the spec.
    case authorizerNotConfigured = "invalid_batch_settlement_evm_authorizer_not_configured"
    /// Config check: `channelConfig.token` is not the requirement's `asset`; facilitator Permit2 deposit verify:
    /// `permitted.token` is not the `asset`.
    case tokenMismatch = "invalid_batch_settlement_evm_token_mismatch"
    /// Config check: `extra.withdrawDelay` is set and differs from `channelConfig.withdrawDelay`.
    case withdrawDelayMismatch = "invalid_batch_settlement_evm_withdraw_delay_mismatch"
    /// Config check: `channelConfig.withdrawDelay` is outside 900…2 592 000 seconds (15 minutes to 30 days).
    case withdrawDelayOutOfRange = "invalid_batch_settlement_evm_withdraw_delay_out_of_range"
    /// Facilitator verify and server local verify: the Voucher signature is not by `payerAuthorizer` (if that is
    /// zero: not valid for `payer`, ECDSA or ERC-1271); server refund enrichment: not the stored voucher's.
    case voucherSignature = "invalid_batch_settlement_evm_voucher_signature"
    /// Facilitator verify and server local verify: `maxClaimableAmount` exceeds the channel balance
    /// (for a deposit, the balance plus `deposit.amount`).
    case cumulativeExceedsBalance = "invalid_batch_settlement_evm_cumulative_exceeds_balance"
    /// Facilitator verify and server local verify: `maxClaimableAmount` ≤ on-chain `totalClaimed` (refund: <).
    /// The client resyncs on it as on a corrective 402.
    case cumulativeBelowClaimed = "invalid_batch_settlement_evm_cumulative_below_claimed"
    /// Server before/after-verify and refund enrichment: `maxClaimableAmount` is not charged + price (refund:
    /// charged); answered with a corrective 402 (B.12), on which the client resyncs.
    case cumulativeAmountMismatch = "invalid_batch_settlement_evm_cumulative_amount_mismatch"
    /// Facilitator deposit verify: the payer's token `balanceOf` is below `deposit.amount`.
    case insufficientBalance = "invalid_batch_settlement_evm_insufficient_balance"
    /// Defined by the SDK, never emitted by it.
    case depositPayload = "invalid_batch_settlement_evm_deposit_payload"
    /// Facilitator deposit verify: the `eth_call` of `deposit(…)` (or, for an undeployed ERC-6492 wallet,
    /// of deploy + deposit through Multicall3) reverted.
    case depositSimulationFailed = "invalid_batch_settlement_evm_deposit_simulation_failed"
    /// Server before-verify, only with `enforce_min_deposit` (off by default): `deposit.amount` is below
    /// the `minDeposit` hint. SDK only, not in the spec.
    case depositBelowMinDeposit = "invalid_batch_settlement_evm_deposit_below_min_deposit"
    /// Facilitator deposit settle: sending `deposit` failed or it reverted, or an ERC-20 approval bundle's
    /// channel balance does not show the deposit.
    case depositTransactionFailed = "invalid_batch_settlement_evm_deposit_transaction_failed"
    /// Facilitator ERC-3009 deposit verify/settle: the ERC-6492 wrapper would deploy the payer's wallet
    /// through a factory not on the allow-list. SDK only, not in the spec.
    case eip6492FactoryNotAllowed = "invalid_batch_settlement_evm_eip6492_factory_not_allowed"
    /// Facilitator deposit settle: deploying the payer's ERC-6492 wallet failed or reverted. SDK only, not in the spec.
    case smartWalletDeploymentFailed = "invalid_batch_settlement_evm_smart_wallet_deployment_failed"
    /// Defined by the SDK, never emitted by it.
    case voucherPayload = "invalid_batch_settlement_evm_voucher_payload"
    /// Defined by the SDK, never emitted by it.
    case claimPayload = "invalid_batch_settlement_evm_claim_payload"
    /// Facilitator claim settle: the `eth_call` of `claimWithSignature` reverted.
    case claimSimulationFailed = "invalid_batch_settlement_evm_claim_simulation_failed"
    /// Facilitator claim settle: sending `claimWithSignature` failed or the transaction reverted.
    case claimTransactionFailed = "invalid_batch_settlement_evm_claim_transaction_failed"
    /// Defined by the SDK, never emitted by it.
    case settlePayload = "invalid_batch_settlement_evm_settle_payload"
    /// Facilitator settle (`type: "settle"`): the `eth_call` of `settle(receiver, token)` reverted.
    case settleSimulationFailed = "invalid_batch_settlement_evm_settle_simulation_failed"
    /// Facilitator settle: sending `settle(receiver, token)` failed or the transaction reverted.
    case settleTransactionFailed = "invalid_batch_settlement_evm_settle_transaction_failed"
    /// Facilitator settle: `receivers(receiver, token)` shows `totalClaimed ≤ totalSettled`, nothing to move.
    case nothingToSettle = "invalid_batch_settlement_evm_nothing_to_settle"
    /// Defined by the SDK, never emitted by it.
    case unknownSettleAction = "invalid_batch_settlement_evm_unknown_settle_action"
    /// Server after-settle of a refund: the facilitator's `extra.channelState` lacks a valid `balance`,
    /// `totalClaimed`, `withdrawRequestedAt` or `refundNonce`.
    case refundPayload = "invalid_batch_settlement_evm_refund_payload"
    /// Facilitator refund settle: the `eth_call` of `refundWithSignature` (or of the claim + refund
    /// `multicall`) reverted.
    case refundSimulationFailed = "invalid_batch_settlement_evm_refund_simulation_failed"
    /// Facilitator refund settle: reading the channel or sending the refund failed, or the transaction reverted.
    case refundTransactionFailed = "invalid_batch_settlement_evm_refund_transaction_failed"
    /// Server refund enrichment: the client's `amount` is not a positive decimal integer string.
    /// The client gives up the refund on it instead of resyncing.
    case refundAmountInvalid = "invalid_batch_settlement_evm_refund_amount_invalid"
    /// Server refund enrichment: `balance − charged ≤ 0` or `amount` exceeds it; facilitator refund settle:
    /// nothing is refundable. The client gives up the refund on it.
    case refundNoBalance = "invalid_batch_settlement_evm_refund_no_balance"
    /// Facilitator ERC-3009 deposit verify: the authorization's `validAfter` is in the future.
    case validAfterInFuture = "invalid_batch_settlement_evm_payload_authorization_valid_after"
    /// Facilitator ERC-3009 deposit verify: `validBefore` is less than 6 seconds from now.
    case validBeforeExpired = "invalid_batch_settlement_evm_payload_authorization_valid_before"
    /// Facilitator ERC-3009 deposit verify: the `ReceiveWithAuthorization` signature cannot be parsed
    /// or is not the payer's.
    case receiveAuthorizationSignature = "invalid_batch_settlement_evm_receive_authorization_signature"
    /// Facilitator deposit verify, ERC-3009 method: `deposit.authorization.erc3009Authorization` is missing.
    case erc3009AuthorizationRequired = "invalid_batch_settlement_evm_erc3009_authorization_required"
    /// Facilitator Permit2 deposit check: `permit2Authorization` is missing; the SDK's deposit verify
    /// reports ``payloadType`` for that first, so it is not seen in practice.
    case permit2AuthorizationRequired = "invalid_batch_settlement_evm_permit2_authorization_required"
    /// Facilitator Permit2 deposit verify: `spender` is not the Permit2DepositCollector.
    case permit2InvalidSpender = "invalid_batch_settlement_evm_permit2_invalid_spender"
    /// Facilitator Permit2 deposit verify: `permitted.amount` differs from `deposit.amount`.
    case permit2AmountMismatch = "invalid_batch_settlement_evm_permit2_amount_mismatch"
    /// Facilitator Permit2 deposit verify: `deadline` is less than 6 seconds from now.
    case permit2DeadlineExpired = "invalid_batch_settlement_evm_permit2_deadline_expired"
    /// Facilitator Permit2 deposit verify: `from` is not the payer, or the PermitWitnessTransferFrom
    /// signature does not verify for it (ECDSA or ERC-1271).
    case permit2InvalidSignature = "invalid_batch_settlement_evm_permit2_invalid_signature"
    /// Facilitator Permit2 deposit verify without a gas-sponsoring extension: the payer's allowance to
    /// Permit2 is below `deposit.amount` or cannot be read.
    case permit2AllowanceRequired = "invalid_batch_settlement_evm_permit2_allowance_required"
    /// Facilitator Permit2 deposit verify with EIP-2612 gas sponsoring: the permit `amount` is not `deposit.amount`.
    case eip2612AmountMismatch = "invalid_batch_settlement_evm_eip2612_amount_mismatch"
    /// Defined by the SDK, never emitted by it; it reports ``GenericErrorCode/eip2612FromMismatch``.
    case eip2612OwnerMismatch = "invalid_batch_settlement_evm_eip2612_owner_mismatch"
    /// Defined by the SDK, never emitted by it; it reports ``GenericErrorCode/eip2612AssetMismatch``.
    case eip2612AssetMismatch = "invalid_batch_settlement_evm_eip2612_asset_mismatch"
    /// Defined by the SDK, never emitted by it; it reports ``GenericErrorCode/eip2612SpenderNotPermit2``.
    case eip2612SpenderMismatch = "invalid_batch_settlement_evm_eip2612_spender_mismatch"
    /// Defined by the SDK, never emitted by it; it reports ``GenericErrorCode/eip2612DeadlineExpired``.
    case eip2612DeadlineExpired = "invalid_batch_settlement_evm_eip2612_deadline_expired"
    /// Defined by the SDK, never emitted by it; it reports ``GenericErrorCode/invalidEIP2612ExtensionFormat``.
    case eip2612InvalidFormat = "invalid_batch_settlement_evm_eip2612_invalid_format"
    /// Defined by the SDK, never emitted by it (it checks the permit signature only through the deposit simulation).
    case eip2612InvalidSignature = "invalid_batch_settlement_evm_eip2612_invalid_signature"
    /// Facilitator Permit2 deposit verify: the payload carries ERC-20 approval gas sponsoring but the
    /// facilitator has no extension signer for the network.
    case erc20ApprovalUnavailable = "invalid_batch_settlement_evm_erc20_approval_unavailable"
    /// Defined by the SDK, never emitted by it; it reports ``GenericErrorCode/invalidERC20ApprovalExtensionFormat``.
    case erc20ApprovalInvalidFormat = "invalid_batch_settlement_evm_erc20_approval_invalid_format"
    /// Defined by the SDK, never emitted by it; it reports ``GenericErrorCode/erc20ApprovalFromMismatch``.
    case erc20ApprovalFromMismatch = "invalid_batch_settlement_evm_erc20_approval_from_mismatch"
    /// Defined by the SDK, never emitted by it; it reports ``GenericErrorCode/erc20ApprovalAssetMismatch``.
    case erc20ApprovalAssetMismatch = "invalid_batch_settlement_evm_erc20_approval_asset_mismatch"
    /// Defined by the SDK, never emitted by it; it reports ``GenericErrorCode/erc20ApprovalSpenderNotPermit2``
    /// or ``GenericErrorCode/erc20ApprovalTxWrongSpender``.
    case erc20ApprovalWrongSpender = "invalid_batch_settlement_evm_erc20_approval_wrong_spender"
    /// Defined by the SDK, never emitted by it; a failed approval + deposit bundle gives ``depositTransactionFailed``.
    case erc20ApprovalBroadcastFailed = "invalid_batch_settlement_evm_erc20_approval_broadcast_failed"
    /// Facilitator deposit verify: the Multicall3 read (`channels`, `balanceOf`, `pendingWithdrawals`, `refundNonce`)
    /// failed; facilitator settle (`type: "settle"`): reading `receivers(receiver, token)` failed.
    case rpcReadFailed = "invalid_batch_settlement_evm_rpc_read_failed"
    /// Defined by the SDK, never emitted by it; an unconfirmed receipt gives ``GenericErrorCode/settlementPending``.
    case waitForReceiptFailed = "invalid_batch_settlement_evm_wait_for_receipt_failed"
    /// Defined by the SDK, never emitted by it; a reverted transaction gives the action's `…_transaction_failed` code.
    case transactionReverted = "invalid_batch_settlement_evm_transaction_reverted"
    /// Server: another request holds the channel's reservation (after-verify), or the reservation changed
    /// before settle, refund enrichment or after-settle.
    case channelBusy = "invalid_batch_settlement_evm_channel_busy"
    /// Server before/after-verify: an unexpected error (storage, malformed state) kept it from
    /// establishing the channel state. SDK only, not in the spec.
    case verificationStateUnavailable = "invalid_batch_settlement_evm_verification_state_unavailable"
    /// Server before-settle: charged + the settle amount (after Settlement-Overrides) would exceed
    /// the voucher's `maxClaimableAmount`.
    case chargeExceedsSignedCumulative = "invalid_batch_settlement_evm_charge_exceeds_signed_cumulative"
    /// Server before-settle or refund enrichment: the channel record is gone before the charge is committed.
    case missingChannel = "invalid_batch_settlement_evm_missing_channel"

    /// The part after ``prefix``.
    public var suffix: Substring { rawValue.dropFirst(Self.prefix.count) }
    public var description: String { rawValue }
}

/// Generic (unprefixed) reason codes the SDK's EVM facilitator and gas-sponsoring extensions emit
/// alongside batch-settlement.
public enum GenericErrorCode: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// A transaction was broadcast but its receipt could not be confirmed; `transaction` carries the hash.
    case settlementPending = "settlement_pending"
    /// SDK EVM `exact` facilitator verify: `accepted.scheme` is not `exact`. Batch-settlement reports
    /// ``BatchSettlementErrorCode/scheme`` instead.
    case unsupportedScheme = "unsupported_scheme"
    /// SDK EVM `exact` facilitator verify: `accepted.network` differs from `requirements.network`.
    /// Batch-settlement reports ``BatchSettlementErrorCode/networkMismatch`` instead.
    case networkMismatch = "network_mismatch"
    /// SDK EVM `exact` facilitator settle: the transfer failed or reverted without a more specific reason.
    case transactionFailed = "transaction_failed"
    /// EIP-2612 gas-sponsoring check (facilitator verify, including batch-settlement Permit2
    /// deposits): the `eip2612GasSponsoring` info is malformed.
    case invalidEIP2612ExtensionFormat = "invalid_eip2612_extension_format"
    /// EIP-2612 gas-sponsoring check: the permit's `from` is not the payer.
    case eip2612FromMismatch = "eip2612_from_mismatch"
    /// EIP-2612 gas-sponsoring check: the permit's `asset` is not the payment token.
    case eip2612AssetMismatch = "eip2612_asset_mismatch"
    /// EIP-2612 gas-sponsoring check: the permit's `spender` is not the canonical Permit2 contract.
    case eip2612SpenderNotPermit2 = "eip2612_spender_not_permit2"
    /// EIP-2612 gas-sponsoring check: the permit `deadline` is not a number or is less than 6 s from now.
    case eip2612DeadlineExpired = "eip2612_deadline_expired"
    /// ERC-20 approval gas-sponsoring check (facilitator verify, including
    /// batch-settlement Permit2 deposits): the `erc20ApprovalGasSponsoring` info is malformed.
    case invalidERC20ApprovalExtensionFormat = "invalid_erc20_approval_extension_format"
    /// ERC-20 approval gas-sponsoring check: the info's `from` is not the payer.
    case erc20ApprovalFromMismatch = "erc20_approval_from_mismatch"
    /// ERC-20 approval gas-sponsoring check: the info's `asset` is not the payment token.
    case erc20ApprovalAssetMismatch = "erc20_approval_asset_mismatch"
    /// ERC-20 approval gas-sponsoring check: the info's `spender` is not Permit2.
    case erc20ApprovalSpenderNotPermit2 = "erc20_approval_spender_not_permit2"
    /// ERC-20 approval gas-sponsoring check: the signed approval transaction cannot be decoded.
    case erc20ApprovalTxParseFailed = "erc20_approval_tx_parse_failed"
    /// ERC-20 approval gas-sponsoring check: the Python facilitator lacks the typed-transaction
    /// support (`eth_account`) to decode the signed approval.
    case erc20ApprovalTxValidationUnavailable = "erc20_approval_tx_validation_unavailable"
    /// ERC-20 approval gas-sponsoring check: no signer can be recovered from the signed approval.
    case erc20ApprovalTxInvalidSignature = "erc20_approval_tx_invalid_signature"
    /// ERC-20 approval gas-sponsoring check: the signed approval was not signed by the payer.
    case erc20ApprovalTxSignerMismatch = "erc20_approval_tx_signer_mismatch"
    /// ERC-20 approval gas-sponsoring check: the approval transaction's `to` is not the token.
    case erc20ApprovalTxWrongTarget = "erc20_approval_tx_wrong_target"
    /// ERC-20 approval gas-sponsoring check: the approval transaction does not call `approve`.
    case erc20ApprovalTxWrongSelector = "erc20_approval_tx_wrong_selector"
    /// ERC-20 approval gas-sponsoring check: the `approve` calldata is too short to hold a spender.
    case erc20ApprovalTxInvalidCalldata = "erc20_approval_tx_invalid_calldata"
    /// ERC-20 approval gas-sponsoring check: the `approve` spender is not Permit2.
    case erc20ApprovalTxWrongSpender = "erc20_approval_tx_wrong_spender"
    /// Defined by the SDK, never emitted as a reason: its `exact`/`upto` facilitators put it in an
    /// exception message and report ``erc20ApprovalBroadcastFailed``.
    case erc20ApprovalTxFailed = "erc20_approval_tx_failed"
    /// SDK EVM `exact`/`upto` facilitator settle: the extension signer returned no valid hash
    /// for the approval + settlement bundle.
    case erc20ApprovalBroadcastFailed = "erc20_approval_broadcast_failed"

    public var description: String { rawValue }
}
