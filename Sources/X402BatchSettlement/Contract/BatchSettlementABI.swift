import X402EVM
import X402EVMMechanisms

/// The ABI of `x402BatchSettlement`, its deposit collectors and the token / Permit2 / Multicall3 helpers
/// the scheme calls (protocol.md B.7). Every selector and topic is computed from the signature string.
public enum BatchSettlementABI {
    // Signatures are compile-time constants checked by SelectorTests; a typo traps at first use in
    // tests, never on input.
    static func function(_ signature: String) -> ABIFunction {
        do { return try ABIFunction(signature) } catch { fatalError("bad ABI signature \(signature): \(error)") }
    }

    static func event(_ signature: String) -> ABIEvent {
        do { return try ABIEvent(signature) } catch { fatalError("bad ABI event \(signature): \(error)") }
    }

    static func customError(_ signature: String) -> ABICustomError {
        do { return try ABICustomError(signature) } catch { fatalError("bad ABI error \(signature): \(error)") }
    }

    // MARK: Types

    /// `ChannelConfig` = `(address,address,address,address,address,uint40,bytes32)`.
    public static let channelConfigType = ABIType.tuple([.address, .address, .address, .address, .address, .uint(40), .bytes32])
    /// `Voucher` = `(ChannelConfig channel, uint128 maxClaimableAmount)`.
    public static let voucherType = ABIType.tuple([channelConfigType, .uint(128)])
    /// `VoucherClaim` = `(Voucher voucher, bytes signature, uint128 totalClaimed)`.
    public static let voucherClaimType = ABIType.tuple([voucherType, .bytes, .uint(128)])

    static let cc = channelConfigType.canonical
    static let vc = voucherClaimType.canonical

    // MARK: x402BatchSettlement

    /// Adds `amount` to the channel's escrow by having `collector` pull it from the payer with `collectorData`;
    /// callable by anyone (the facilitator). Emits `Deposited`, and `ChannelCreated` when the channel was empty.
    public static let deposit = function("deposit(\(cc) config, uint128 amount, address collector, bytes collectorData)")
    /// Records claim rows: raises each channel's `totalClaimed` to the row's, checking the payer's voucher (rows at or
    /// below the current total are skipped); the caller must be every row's `receiver` or `receiverAuthorizer`.
    public static let claim = function("claim(\(vc)[] voucherClaims)")
    /// `claim` callable by anyone, authorized by a `ClaimBatch` signature of row 0's `receiverAuthorizer`,
    /// which every row must share.
    public static let claimWithSignature = function("claimWithSignature(\(vc)[] voucherClaims, bytes authorizerSignature)")
    /// Pays `receiver` its claimed-but-unsettled total of `token` (`totalClaimed − totalSettled`); permissionless,
    /// a no-op when nothing is due.
    public static let settle = function("settle(address receiver, address token)")
    /// Payer or `payerAuthorizer` requests a withdrawal of at most the free escrow (`balance − totalClaimed`),
    /// finalizable `withdrawDelay` seconds later.
    public static let initiateWithdraw = function("initiateWithdraw(\(cc) config, uint128 amount)")
    /// Payer or `payerAuthorizer` completes the pending withdrawal after `initiatedAt + withdrawDelay`,
    /// returning it (capped to the free escrow) to the payer.
    public static let finalizeWithdraw = function("finalizeWithdraw(\(cc) config)")
    /// Receiver or `receiverAuthorizer` returns up to `amount` of free escrow to the payer (capped; bumps `refundNonce`).
    public static let refund = function("refund(\(cc) config, uint128 amount)")
    /// `refund` callable by anyone, authorized by a `Refund(channelId, nonce, amount)` signature of `receiverAuthorizer`;
    /// `nonce` must equal the channel's current `refundNonce`.
    public static let refundWithSignature = function(
        "refundWithSignature(\(cc) config, uint128 amount, uint256 nonce, bytes receiverAuthorizerSignature)")
    /// OpenZeppelin Multicall: delegate-calls each calldata on the settlement contract in one transaction and reverts
    /// if any fails (e.g. `claimWithSignature` + `refundWithSignature`).
    public static let multicall = function("multicall(bytes[] data) returns (bytes[] results)")
    /// The channel id: the EIP-712 digest of `config` under the settlement domain (protocol.md B.4).
    public static let getChannelId = function("getChannelId(\(cc) config) view returns (bytes32)")
    /// The EIP-712 digest the payer (or `payerAuthorizer`) signs for `Voucher(channelId, maxClaimableAmount)`.
    public static let getVoucherDigest = function(
        "getVoucherDigest(bytes32 channelId, uint128 maxClaimableAmount) view returns (bytes32)")
    /// The EIP-712 digest `receiverAuthorizer` signs for `Refund(channelId, nonce, amount)`.
    public static let getRefundDigest = function(
        "getRefundDigest(bytes32 channelId, uint256 nonce, uint128 amount) view returns (bytes32)")
    /// The EIP-712 `ClaimBatch` digest over the rows' (channelId, maxClaimableAmount, totalClaimed) that
    /// `claimWithSignature` verifies.
    public static let getClaimBatchDigest = function("getClaimBatchDigest(\(vc)[] voucherClaims) view returns (bytes32)")
    /// A channel's escrow in atomic units: `balance` (deposits − withdrawals − refunds) and cumulative `totalClaimed`.
    public static let channels = function("channels(bytes32) view returns (uint128 balance, uint128 totalClaimed)")
    /// A channel's pending withdrawal: requested `amount` and `initiatedAt` (unix seconds; 0 = none pending).
    public static let pendingWithdrawals = function(
        "pendingWithdrawals(bytes32) view returns (uint128 amount, uint40 initiatedAt)")
    /// One receiver's totals for one token over all its channels: `totalClaimed`, and `totalSettled` already paid out.
    public static let receivers = function(
        "receivers(address receiver, address token) view returns (uint128 totalClaimed, uint128 totalSettled)")
    /// The nonce the channel's next `refundWithSignature` must carry; every refund increments it.
    public static let refundNonce = function("refundNonce(bytes32) view returns (uint256)")
    /// The smallest `withdrawDelay` a deposit accepts: 900 seconds.
    public static let minWithdrawDelay = function("MIN_WITHDRAW_DELAY() view returns (uint40)")
    /// The largest `withdrawDelay` a deposit accepts: 2,592,000 seconds (30 days).
    public static let maxWithdrawDelay = function("MAX_WITHDRAW_DELAY() view returns (uint40)")
    /// The contract's `ChannelConfig` type hash (`BatchSettlement.TypeHash.channelConfig` off chain).
    public static let channelConfigTypehash = function("CHANNEL_CONFIG_TYPEHASH() view returns (bytes32)")
    /// The contract's `Voucher` type hash (`BatchSettlement.TypeHash.voucher` off chain).
    public static let voucherTypehash = function("VOUCHER_TYPEHASH() view returns (bytes32)")
    /// The contract's `Refund` type hash (`BatchSettlement.TypeHash.refund` off chain).
    public static let refundTypehash = function("REFUND_TYPEHASH() view returns (bytes32)")
    /// The contract's `ClaimEntry` type hash (`BatchSettlement.TypeHash.claimEntry` off chain).
    public static let claimEntryTypehash = function("CLAIM_ENTRY_TYPEHASH() view returns (bytes32)")
    /// The contract's `ClaimBatch` type hash (`BatchSettlement.TypeHash.claimBatch` off chain).
    public static let claimBatchTypehash = function("CLAIM_BATCH_TYPEHASH() view returns (bytes32)")
    /// ERC-5267.
    public static let eip712Domain = function(
        "eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)")

    // MARK: Deposit collectors

    /// Both collectors: `collect(payer, token, amount, channelId, collectorData)`, callable only by the settlement contract.
    public static let collect = function(
        "collect(address payer, address token, uint256 amount, bytes32 channelId, bytes collectorData)")
    /// A collector's settlement-contract address, the only caller its `collect` accepts.
    public static let x402BatchSettlement = function("x402BatchSettlement() view returns (address)")
    /// The Permit2 collector's Permit2 contract (canonical `0x000000000022D473030F116dDEE9F6B43aC78BA3`).
    public static let permit2 = function("PERMIT2() view returns (address)")
    /// The Permit2 collector's witness type suffix passed to Permit2
    /// (`BatchSettlement.TypeString.depositWitnessTypeString`).
    public static let depositWitnessTypeString = function("DEPOSIT_WITNESS_TYPE_STRING() view returns (string)")
    /// The Permit2 collector's `keccak256("DepositWitness(bytes32 channelId)")`.
    public static let depositWitnessTypehash = function("DEPOSIT_WITNESS_TYPEHASH() view returns (bytes32)")

    // MARK: Token, Permit2, ERC-1271, Multicall3

    /// ERC-3009.
    public static let receiveWithAuthorization = TokenABI.receiveWithAuthorization
    /// ERC-3009 nonce state.
    public static let authorizationState = TokenABI.authorizationState
    /// ERC-20 balance of `account`, in atomic units.
    public static let balanceOf = TokenABI.balanceOf
    /// ERC-20 allowance from `owner` to `spender`; a Permit2 deposit without a gas-sponsoring extension needs
    /// `allowance(payer, Permit2) ≥ amount`.
    public static let allowance = function("allowance(address owner, address spender) view returns (uint256)")
    /// EIP-2612.
    public static let permit = function(
        "permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)")
    /// EIP-2612 nonce of `owner`.
    public static let nonces = function("nonces(address owner) view returns (uint256)")
    /// Permit2 `permitWitnessTransferFrom(PermitTransferFrom, SignatureTransferDetails, owner, witness, witnessTypeString, signature)`.
    public static let permitWitnessTransferFrom = function(
        "permitWitnessTransferFrom(((address token, uint256 amount) permitted, uint256 nonce, uint256 deadline) permit, (address to, uint256 requestedAmount) transferDetails, address owner, bytes32 witness, string witnessTypeString, bytes signature)")
    /// ERC-1271; returns the magic value `0x1626ba7e` when the signature is valid.
    public static let isValidSignature = TokenABI.isValidSignature
    /// Multicall3 `tryAggregate(requireSuccess, (target, callData)[]) returns ((success, returnData)[])`.
    public static let tryAggregate = function(
        "tryAggregate(bool requireSuccess, (address target, bytes callData)[] calls) returns ((bool success, bytes returnData)[] returnData)")
    /// Multicall3 `aggregate3((target, allowFailure, callData)[]) returns ((success, returnData)[])`.
    public static let aggregate3 = function(
        "aggregate3((address target, bool allowFailure, bytes callData)[] calls) returns ((bool success, bytes returnData)[] returnData)")

    /// Every function above.
    public static let allFunctions: [ABIFunction] = [
        deposit, claim, claimWithSignature, settle, initiateWithdraw, finalizeWithdraw, refund, refundWithSignature,
        multicall, getChannelId, getVoucherDigest, getRefundDigest, getClaimBatchDigest, channels, pendingWithdrawals,
        receivers, refundNonce, minWithdrawDelay, maxWithdrawDelay, channelConfigTypehash, voucherTypehash,
        refundTypehash, claimEntryTypehash, claimBatchTypehash, eip712Domain, collect, x402BatchSettlement, permit2,
        depositWitnessTypeString, depositWitnessTypehash, receiveWithAuthorization, authorizationState, balanceOf,
        allowance, permit, nonces, permitWitnessTransferFrom, isValidSignature, tryAggregate, aggregate3,
    ]

    /// ERC-1271 magic value returned by `isValidSignature` for a valid signature.
    public static let erc1271MagicValue: [UInt8] = TokenABI.erc1271MagicValue

    // MARK: Events

    /// Events of the settlement contract and the Permit2 collector.
    public enum Events {
        /// Emitted by `deposit` when it opens (or reopens) the channel: balance equals the deposit, nothing claimed.
        public static let channelCreated = event("ChannelCreated(bytes32 indexed channelId, \(cc) config)")
        /// Emitted when a refund or finalized withdrawal leaves the channel with zero balance and zero claimed.
        public static let channelClosed = event("ChannelClosed(bytes32 indexed channelId, \(cc) config)")
        /// Emitted by every `deposit`; `sender` is the caller (e.g. the facilitator), `newBalance` the balance after it.
        public static let deposited = event(
            "Deposited(bytes32 indexed channelId, address indexed sender, uint128 amount, uint128 newBalance)")
        /// Emitted per claim row that raised the channel's total; `claimAmount` is the increase, `sender` the caller.
        public static let claimed = event(
            "Claimed(bytes32 indexed channelId, address indexed sender, uint128 claimAmount, uint128 newTotalClaimed)")
        /// Emitted by `settle` when it transferred `amount` of `token` to `receiver`; `sender` is the caller.
        public static let settled = event(
            "Settled(address indexed receiver, address indexed token, address indexed sender, uint128 amount)")
        /// Emitted when a refund returned `amount` (after capping to the free escrow) to the payer; `sender` is the caller.
        public static let refunded = event("Refunded(bytes32 indexed channelId, address indexed sender, uint128 amount)")
        /// Emitted by `initiateWithdraw`; `finalizeAfter` is the unix time (seconds) from which `finalizeWithdraw` succeeds.
        public static let withdrawInitiated = event(
            "WithdrawInitiated(bytes32 indexed channelId, uint128 amount, uint40 finalizeAfter)")
        /// Emitted by `finalizeWithdraw` with the amount actually returned to the payer (capped to the free escrow).
        public static let withdrawFinalized = event(
            "WithdrawFinalized(bytes32 indexed channelId, address indexed sender, uint128 amount)")
        /// Permit2 collector: the best-effort EIP-2612 `permit` reverted with `Error(string)`; the deposit goes on.
        public static let eip2612PermitFailedWithReason = event(
            "EIP2612PermitFailedWithReason(address indexed token, address indexed owner, string reason)")
        /// Permit2 collector: the best-effort EIP-2612 `permit` reverted with `Panic(uint256)`; the deposit goes on.
        public static let eip2612PermitFailedWithPanic = event(
            "EIP2612PermitFailedWithPanic(address indexed token, address indexed owner, uint256 errorCode)")
        /// Permit2 collector: the best-effort EIP-2612 `permit` reverted with other or empty data; the deposit goes on.
        public static let eip2612PermitFailedWithData = event(
            "EIP2612PermitFailedWithData(address indexed token, address indexed owner, bytes data)")

        /// Every event above, for decoding logs by topic0.
        public static let all: [ABIEvent] = [
            channelCreated, channelClosed, deposited, claimed, settled, refunded, withdrawInitiated, withdrawFinalized,
            eip2612PermitFailedWithReason, eip2612PermitFailedWithPanic, eip2612PermitFailedWithData,
        ]
    }

    // MARK: Custom errors

    /// Custom errors of the settlement contract and the collectors.
    public enum Errors {
        /// `deposit` with a zero payer, receiver, receiverAuthorizer or token; `initiateWithdraw` by a non-payer.
        public static let invalidChannel = customError("InvalidChannel()")
        /// `deposit` of amount 0.
        public static let zeroDeposit = customError("ZeroDeposit()")
        /// `deposit` would push the channel balance past `uint128`.
        public static let depositOverflow = customError("DepositOverflow()")
        /// A voucher, `ClaimBatch` or `Refund` signature does not verify against its expected signer.
        public static let invalidSignature = customError("InvalidSignature()")
        /// A `claimWithSignature` row whose `receiverAuthorizer` differs from row 0's (the batch signer).
        public static let notReceiverAuthorizer = customError("NotReceiverAuthorizer()")
        /// `claim` sent by someone other than a row's `receiver` or `receiverAuthorizer`.
        public static let notAuthorizedToClaim = customError("NotAuthorizedToClaim()")
        /// `refund` sent by someone other than `receiver` or `receiverAuthorizer`.
        public static let notAuthorizedToRefund = customError("NotAuthorizedToRefund()")
        /// A claim row's `totalClaimed` exceeds its voucher's `maxClaimableAmount`.
        public static let claimExceedsCeiling = customError("ClaimExceedsCeiling()")
        /// A claim row's `totalClaimed` exceeds the channel balance.
        public static let claimExceedsBalance = customError("ClaimExceedsBalance()")
        /// `initiateWithdraw` while a withdrawal is already pending.
        public static let withdrawalAlreadyPending = customError("WithdrawalAlreadyPending()")
        /// `finalizeWithdraw` with no withdrawal pending.
        public static let withdrawalNotPending = customError("WithdrawalNotPending()")
        /// `finalizeWithdraw` sent by someone other than the payer or `payerAuthorizer`.
        public static let notAuthorizedToFinalizeWithdraw = customError("NotAuthorizedToFinalizeWithdraw()")
        /// `finalizeWithdraw` before `initiatedAt + withdrawDelay`.
        public static let withdrawDelayNotElapsed = customError("WithdrawDelayNotElapsed()")
        /// `initiateWithdraw` of amount 0.
        public static let nothingToWithdraw = customError("NothingToWithdraw()")
        /// `initiateWithdraw` of more than the free escrow (`balance − totalClaimed`).
        public static let withdrawAmountExceedsAvailable = customError("WithdrawAmountExceedsAvailable()")
        /// `deposit` with a `withdrawDelay` outside [900, 2592000] seconds.
        public static let withdrawDelayOutOfRange = customError("WithdrawDelayOutOfRange()")
        /// `claim` / `claimWithSignature` with no rows.
        public static let emptyBatch = customError("EmptyBatch()")
        /// The contract's token balance did not grow by exactly the deposit amount (e.g. a fee-on-transfer token).
        public static let depositCollectionFailed = customError("DepositCollectionFailed()")
        /// `deposit` with a zero collector address.
        public static let invalidCollector = customError("InvalidCollector()")
        /// `refundWithSignature` with a nonce other than the channel's current `refundNonce`.
        public static let invalidRefundNonce = customError("InvalidRefundNonce()")
        /// A refund of amount 0.
        public static let zeroRefund = customError("ZeroRefund()")
        /// OpenZeppelin reentrancy guard: a guarded function was re-entered (e.g. from a token callback).
        public static let reentrancyGuardReentrantCall = customError("ReentrancyGuardReentrantCall()")
        /// A collector's `collect` called by anyone but the settlement contract.
        public static let onlyX402BatchSettlement = customError("OnlyX402BatchSettlement()")
        /// A collector constructed with a zero settlement-contract address.
        public static let invalidX402BatchSettlementAddress = customError("InvalidX402BatchSettlementAddress()")
        /// The Permit2 collector constructed with a zero Permit2 address.
        public static let invalidPermit2Address = customError("InvalidPermit2Address()")
        /// Permit2 collector: the EIP-2612 segment's `value` differs from the deposit amount.
        public static let permit2612AmountMismatch = customError("Permit2612AmountMismatch()")

        /// All of them, for ``RevertReason/decode(_:known:)``.
        public static let all: [ABICustomError] = [
            invalidChannel, zeroDeposit, depositOverflow, invalidSignature, notReceiverAuthorizer, notAuthorizedToClaim,
            notAuthorizedToRefund, claimExceedsCeiling, claimExceedsBalance, withdrawalAlreadyPending,
            withdrawalNotPending, notAuthorizedToFinalizeWithdraw, withdrawDelayNotElapsed, nothingToWithdraw,
            withdrawAmountExceedsAvailable, withdrawDelayOutOfRange, emptyBatch, depositCollectionFailed,
            invalidCollector, invalidRefundNonce, zeroRefund, reentrancyGuardReentrantCall, onlyX402BatchSettlement,
            invalidX402BatchSettlementAddress, invalidPermit2Address, permit2612AmountMismatch,
        ]
    }

    /// Classifies revert data against the scheme's custom errors (plus `Error(string)` and `Panic(uint256)`).
    public static func revertReason(_ data: some Collection<UInt8>) -> RevertReason {
        RevertReason.decode(data, known: Errors.all)
    }
}

/// A decoded settlement-contract log: which event, and its values in declaration order.
public enum BatchSettlementEvent: Hashable, Sendable {
    /// `ChannelCreated`: a deposit opened (or reopened) `channelId` for `config`.
    case channelCreated(channelId: Bytes32, config: ChannelConfig)
    /// `ChannelClosed`: the channel's balance and claimed total are both zero again.
    case channelClosed(channelId: Bytes32, config: ChannelConfig)
    /// `Deposited`: caller `sender` added `amount`; `newBalance` is the channel balance after it.
    case deposited(channelId: Bytes32, sender: Address, amount: UInt128, newBalance: UInt128)
    /// `Claimed`: caller `sender` raised the channel's claimed total by `claimAmount` to `newTotalClaimed`.
    case claimed(channelId: Bytes32, sender: Address, claimAmount: UInt128, newTotalClaimed: UInt128)
    /// `Settled`: `amount` of `token` paid out to `receiver` by a `settle` call from `sender`.
    case settled(receiver: Address, token: Address, sender: Address, amount: UInt128)
    /// `Refunded`: `amount` returned to the payer by a refund sent by `sender`.
    case refunded(channelId: Bytes32, sender: Address, amount: UInt128)
    /// `WithdrawInitiated`: `amount` becomes withdrawable at unix time `finalizeAfter` (seconds).
    case withdrawInitiated(channelId: Bytes32, amount: UInt128, finalizeAfter: UInt64)
    /// `WithdrawFinalized`: `amount` returned to the payer by `sender` (payer or payerAuthorizer).
    case withdrawFinalized(channelId: Bytes32, sender: Address, amount: UInt128)

    /// Decodes a log of the settlement contract; `nil` when topic0 is not one of its events.
    /// A log with a known topic0 that does not decode is an error (fail closed).
    public static func decode(topics: [Bytes32], data: some Collection<UInt8>) throws(ABIError) -> BatchSettlementEvent? {
        typealias E = BatchSettlementABI.Events
        guard let topic0 = topics.first else { return nil }
        let mismatch = ABIError.typeMismatch(expected: "batch-settlement event")
        func values(_ event: ABIEvent) throws(ABIError) -> [ABIValue] { try event.decodeLog(topics: topics, data: data) }
        switch topic0 {
        case E.channelCreated.topic0, E.channelClosed.topic0:
            let v = try values(topic0 == E.channelCreated.topic0 ? E.channelCreated : E.channelClosed)
            guard let id = v[0].asBytes32 else { throw mismatch }
            let config = try ChannelConfig(abiValue: v[1])
            return topic0 == E.channelCreated.topic0 ? .channelCreated(channelId: id, config: config)
                : .channelClosed(channelId: id, config: config)
        case E.deposited.topic0:
            let v = try values(E.deposited)
            guard let id = v[0].asBytes32, let sender = v[1].asAddress, let a = v[2].asUInt128, let b = v[3].asUInt128 else { throw mismatch }
            return .deposited(channelId: id, sender: sender, amount: a, newBalance: b)
        case E.claimed.topic0:
            let v = try values(E.claimed)
            guard let id = v[0].asBytes32, let sender = v[1].asAddress, let a = v[2].asUInt128, let b = v[3].asUInt128 else { throw mismatch }
            return .claimed(channelId: id, sender: sender, claimAmount: a, newTotalClaimed: b)
        case E.settled.topic0:
            let v = try values(E.settled)
            guard let r = v[0].asAddress, let t = v[1].asAddress, let s = v[2].asAddress, let a = v[3].asUInt128 else { throw mismatch }
            return .settled(receiver: r, token: t, sender: s, amount: a)
        case E.refunded.topic0:
            let v = try values(E.refunded)
            guard let id = v[0].asBytes32, let sender = v[1].asAddress, let a = v[2].asUInt128 else { throw mismatch }
            return .refunded(channelId: id, sender: sender, amount: a)
        case E.withdrawInitiated.topic0:
            let v = try values(E.withdrawInitiated)
            guard let id = v[0].asBytes32, let a = v[1].asUInt128, let f = v[2].asUInt64 else { throw mismatch }
            return .withdrawInitiated(channelId: id, amount: a, finalizeAfter: f)
        case E.withdrawFinalized.topic0:
            let v = try values(E.withdrawFinalized)
            guard let id = v[0].asBytes32, let sender = v[1].asAddress, let a = v[2].asUInt128 else { throw mismatch }
            return .withdrawFinalized(channelId: id, sender: sender, amount: a)
        default:
            return nil
        }
    }
}
