/// The custom errors of the batch-settlement contracts, for readable revert messages (protocol.md B.7).
enum BatchSettlementRevert {
    static let signatures = [
        "InvalidChannel()", "ZeroDeposit()", "DepositOverflow()", "InvalidSignature()", "NotReceiverAuthorizer()",
        "NotAuthorizedToClaim()", "NotAuthorizedToRefund()", "ClaimExceedsCeiling()", "ClaimExceedsBalance()",
        "WithdrawalAlreadyPending()", "WithdrawalNotPending()", "NotAuthorizedToFinalizeWithdraw()",
        "WithdrawDelayNotElapsed()", "NothingToWithdraw()", "WithdrawAmountExceedsAvailable()", "WithdrawDelayOutOfRange()",
        "EmptyBatch()", "DepositCollectionFailed()", "InvalidCollector()", "InvalidRefundNonce()", "ZeroRefund()",
        "ReentrancyGuardReentrantCall()", "OnlyX402BatchSettlement()", "InvalidX402BatchSettlementAddress()",
        "InvalidPermit2Address()", "Permit2612AmountMismatch()",
    ]
}
