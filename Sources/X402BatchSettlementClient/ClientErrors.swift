import X402BatchSettlement
import X402Core
import X402EVM

/// Why a channel is distrusted: the seller answered in a way the spec's steady-state checks reject
/// (protocol.md B.15.3). A distrusted channel signs no more vouchers or deposits; refunds stay possible.
public struct ChannelDistrust: Sendable, Hashable, CustomStringConvertible {
    /// The check that failed.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// `chargedAmount` is above the price the voucher authorized.
        case overCharge
        /// `chargedAmount` or `channelState` is not well-formed (e.g. not a digit string).
        case malformedResponse
        /// `channelState.channelId` is not this channel.
        case channelIdMismatch
        /// `channelState.chargedCumulativeAmount` is not the local total plus `chargedAmount`.
        case cumulativeMismatch
        /// After a deposit, `channelState.balance` is below the local balance plus the deposit.
        case balanceMismatch
    }

    /// The failed check.
    public var kind: Kind
    /// Human-readable detail (amounts, ids).
    public var detail: String

    /// A distrust record.
    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// `kind: detail`.
    public var description: String { "\(kind.rawValue): \(detail)" }
}

/// Why a corrective 402 was not adopted (protocol.md B.15.5); local state is left unchanged.
public enum CorrectiveRejection: Sendable, Hashable, CustomStringConvertible {
    /// `voucherState.signature` does not recover to this client's `payerAuthorizer`.
    case signatureMismatch(recovered: String?)
    /// `channelState.chargedCumulativeAmount` is above `voucherState.signedMaxClaimable`.
    case chargedAboveSigned(charged: UInt128, signed: UInt128)
    /// The seller's charged total is below what the chain says was already claimed.
    case chargedBelowOnchainClaimed(charged: UInt128, totalClaimed: UInt128)
    /// `channelState.channelId` is not this client's channel.
    case channelIdMismatch(expected: String, found: String)
    /// Neither a signed voucher state nor chain access is available to recover from.
    case notRecoverable

    /// A short explanation.
    public var description: String {
        switch self {
        case .signatureMismatch(let r): "voucherState.signature recovers to \(r ?? "nothing"), not the payerAuthorizer"
        case .chargedAboveSigned(let c, let s): "charged \(c) exceeds signed \(s)"
        case .chargedBelowOnchainClaimed(let c, let t): "charged \(c) is below on-chain totalClaimed \(t)"
        case .channelIdMismatch(let e, let f): "channelState.channelId \(f) is not \(e)"
        case .notRecoverable: "no signed voucher state and no chain access"
        }
    }
}

/// Errors of ``BatchSettlementClientScheme``. A refusal thrown before signing (limits, session, distrust)
/// leaves nothing signed and nothing stored.
public enum BatchSettlementClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The scheme's configuration is invalid (e.g. `depositMultiplier < 3`).
    case invalidConfiguration(String)
    /// The requirement cannot be paid with batch-settlement (bad amount, network, extra, transfer method).
    case invalidRequirements(String)
    /// A spending limit refused the payment: `requested` would exceed `limit`.
    case limitExceeded(SpendingLimitKind, requested: UInt128, limit: UInt128)
    /// The session key's ``SessionPolicy/expiresAt`` (unix seconds) has passed.
    case sessionExpired(expiresAt: UInt64)
    /// The request's origin is not among ``SessionPolicy/allowedOrigins``.
    case originNotAllowed(String)
    /// Origins or budgets are restricted but the request URL is unknown or has no origin.
    case originUnknown
    /// The channel is distrusted after a seller misbehaved; nothing more is signed for it.
    case channelDistrusted(channelId: String, ChannelDistrust)
    /// A corrective 402 was rejected; local state is unchanged and no retry happens.
    case correctiveRejected(CorrectiveRejection)
    /// The deposit strategy returned an amount below the deposit this payment needs.
    case depositBelowRequired(deposit: UInt128, required: UInt128)
    /// The wallet holds less of the token than the deposit this payment needs at least (read through the chain
    /// reader): the channel cannot be opened or topped up, and nothing was signed.
    case insufficientFunds(required: UInt128, available: UInt256)
    /// Arithmetic on amounts overflowed.
    case amountOverflow
    /// A refund needs a local (or recoverable) channel record.
    case noChannel(channelId: String)
    /// A refund needs `balance > charged`.
    case nothingToRefund(balance: UInt128, charged: UInt128)
    /// The refund request failed (probe, seller answer, or a non-recoverable refund error code).
    case refundFailed(String)
    /// The channel storage failed.
    case storage(String)
    /// The `eip2612GasSponsoring` permit the deposit needs could not be built (the token's nonce is unreadable).
    case gasSponsoringUnavailable(String)

    /// A readable explanation (never includes key material).
    public var description: String {
        switch self {
        case .invalidConfiguration(let s): "invalid batch-settlement client configuration: \(s)"
        case .invalidRequirements(let s): "unpayable batch-settlement requirement: \(s)"
        case .limitExceeded(let kind, let requested, let limit): "payment refused by \(kind): \(requested) exceeds \(limit)"
        case .sessionExpired(let at): "the session key expired at \(at)"
        case .originNotAllowed(let o): "origin \(o) is not allowed for the session key"
        case .originUnknown: "the request origin is unknown but origins or budgets are restricted"
        case .channelDistrusted(let id, let why): "channel \(id) is distrusted (\(why))"
        case .correctiveRejected(let why): "corrective 402 rejected: \(why)"
        case .depositBelowRequired(let d, let r): "deposit strategy returned \(d), below the required \(r)"
        case .insufficientFunds(let r, let a): "the wallet holds \(a) of the token, less than the \(r) a deposit needs"
        case .amountOverflow: "amount overflow"
        case .noChannel(let id): "no channel record for \(id)"
        case .nothingToRefund(let b, let c): "nothing to refund (balance \(b), charged \(c))"
        case .refundFailed(let s): "refund failed: \(s)"
        case .storage(let s): "client channel storage failed: \(s)"
        case .gasSponsoringUnavailable(let s): "cannot sign the EIP-2612 gas-sponsoring permit: \(s)"
        }
    }
}
