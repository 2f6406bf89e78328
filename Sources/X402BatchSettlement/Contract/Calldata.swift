import X402EVM
import X402EVMMechanisms

/// Typed calldata builders and return-data decoders for the batch-settlement contracts (protocol.md B.7).
///
/// Every builder throws ``ABIError`` for uniformity; with typed inputs the only possible failure is a
/// `ChannelConfig.withdrawDelay` ≥ 2^40.
public enum BatchSettlementCalldata {
    typealias ABIs = BatchSettlementABI

    // MARK: State-changing calls

    /// `deposit(config, amount, collector, collectorData)`.
    public static func deposit(config: ChannelConfig, amount: UInt128, collector: Address,
                               collectorData: [UInt8]) throws(ABIError) -> [UInt8] {
        try ABIs.deposit.encodeCall([config.abiValue, .uint128(amount), .address(collector), .bytes(collectorData)])
    }

    /// `claim(voucherClaims)`; the sender must be each row's receiver or receiverAuthorizer.
    public static func claim(_ claims: [VoucherClaim]) throws(ABIError) -> [UInt8] {
        try ABIs.claim.encodeCall([.array(claims.map(\.abiValue))])
    }

    /// `claimWithSignature(voucherClaims, authorizerSignature)`; the `ClaimBatch` signature of row 0's receiverAuthorizer.
    public static func claimWithSignature(_ claims: [VoucherClaim], authorizerSignature: [UInt8]) throws(ABIError) -> [UInt8] {
        try ABIs.claimWithSignature.encodeCall([.array(claims.map(\.abiValue)), .bytes(authorizerSignature)])
    }

    /// `settle(receiver, token)`.
    public static func settle(receiver: Address, token: Address) throws(ABIError) -> [UInt8] {
        try ABIs.settle.encodeCall([.address(receiver), .address(token)])
    }

    /// `initiateWithdraw(config, amount)`.
    public static func initiateWithdraw(config: ChannelConfig, amount: UInt128) throws(ABIError) -> [UInt8] {
        try ABIs.initiateWithdraw.encodeCall([config.abiValue, .uint128(amount)])
    }

    /// `finalizeWithdraw(config)`.
    public static func finalizeWithdraw(config: ChannelConfig) throws(ABIError) -> [UInt8] {
        try ABIs.finalizeWithdraw.encodeCall([config.abiValue])
    }

    /// `refund(config, amount)` by the receiver or receiverAuthorizer.
    public static func refund(config: ChannelConfig, amount: UInt128) throws(ABIError) -> [UInt8] {
        try ABIs.refund.encodeCall([config.abiValue, .uint128(amount)])
    }

    /// `refundWithSignature(config, amount, nonce, receiverAuthorizerSignature)`. Note the argument order
    /// (amount, nonce) differs from the `Refund` struct (nonce, amount).
    public static func refundWithSignature(config: ChannelConfig, amount: UInt128, nonce: UInt256,
                                           signature: [UInt8]) throws(ABIError) -> [UInt8] {
        try ABIs.refundWithSignature.encodeCall([config.abiValue, .uint128(amount), .uint(nonce), .bytes(signature)])
    }

    /// `multicall(data)`: several calls to the settlement contract in one transaction (e.g. claim + refund).
    public static func multicall(_ calls: [[UInt8]]) throws(ABIError) -> [UInt8] {
        try ABIs.multicall.encodeCall([.array(calls.map { .bytes($0) })])
    }

    // MARK: Views

    /// `getChannelId(config)`.
    public static func getChannelId(config: ChannelConfig) throws(ABIError) -> [UInt8] {
        try ABIs.getChannelId.encodeCall([config.abiValue])
    }

    /// `getVoucherDigest(channelId, maxClaimableAmount)`.
    public static func getVoucherDigest(channelId: Bytes32, maxClaimableAmount: UInt128) throws(ABIError) -> [UInt8] {
        try ABIs.getVoucherDigest.encodeCall([.bytes32(channelId), .uint128(maxClaimableAmount)])
    }

    /// `getRefundDigest(channelId, nonce, amount)`.
    public static func getRefundDigest(channelId: Bytes32, nonce: UInt256, amount: UInt128) throws(ABIError) -> [UInt8] {
        try ABIs.getRefundDigest.encodeCall([.bytes32(channelId), .uint(nonce), .uint128(amount)])
    }

    /// `getClaimBatchDigest(voucherClaims)`.
    public static func getClaimBatchDigest(_ claims: [VoucherClaim]) throws(ABIError) -> [UInt8] {
        try ABIs.getClaimBatchDigest.encodeCall([.array(claims.map(\.abiValue))])
    }

    /// `channels(channelId)`; decode with ``decodeChannel(_:)``.
    public static func channels(channelId: Bytes32) throws(ABIError) -> [UInt8] {
        try ABIs.channels.encodeCall([.bytes32(channelId)])
    }

    /// `pendingWithdrawals(channelId)`; decode with ``decodePendingWithdrawal(_:)``.
    public static func pendingWithdrawals(channelId: Bytes32) throws(ABIError) -> [UInt8] {
        try ABIs.pendingWithdrawals.encodeCall([.bytes32(channelId)])
    }

    /// `receivers(receiver, token)`; decode with ``decodeReceiverTotals(_:)``.
    public static func receivers(receiver: Address, token: Address) throws(ABIError) -> [UInt8] {
        try ABIs.receivers.encodeCall([.address(receiver), .address(token)])
    }

    /// `refundNonce(channelId)`; decode with ``decodeUInt256(_:)``.
    public static func refundNonce(channelId: Bytes32) throws(ABIError) -> [UInt8] {
        try ABIs.refundNonce.encodeCall([.bytes32(channelId)])
    }

    // MARK: Token and helper calls

    /// ERC-20 `balanceOf(account)`; decode with ``decodeUInt256(_:)``.
    public static func balanceOf(_ account: Address) throws(ABIError) -> [UInt8] {
        try ABIs.balanceOf.encodeCall([.address(account)])
    }

    /// ERC-20 `allowance(owner, spender)`; decode with ``decodeUInt256(_:)``.
    public static func allowance(owner: Address, spender: Address) throws(ABIError) -> [UInt8] {
        try ABIs.allowance.encodeCall([.address(owner), .address(spender)])
    }

    /// EIP-2612 `nonces(owner)`; decode with ``decodeUInt256(_:)``.
    public static func nonces(owner: Address) throws(ABIError) -> [UInt8] {
        try ABIs.nonces.encodeCall([.address(owner)])
    }

    /// ERC-1271 `isValidSignature(hash, signature)`; check the result with ``isERC1271MagicValue(_:)``.
    public static func isValidSignature(hash: Bytes32, signature: [UInt8]) throws(ABIError) -> [UInt8] {
        try ABIs.isValidSignature.encodeCall([.bytes32(hash), .bytes(signature)])
    }

    /// Multicall3 `aggregate3(calls)`; decode with ``decodeAggregate3(_:)``.
    public static func aggregate3(_ calls: [Multicall3Call]) throws(ABIError) -> [UInt8] {
        try ABIs.aggregate3.encodeCall([.array(calls.map {
            .tuple([.address($0.target), .bool($0.allowFailure), .bytes($0.callData)])
        })])
    }

    /// Multicall3 `tryAggregate(requireSuccess, calls)` (`allowFailure` of each call is ignored);
    /// decode with ``decodeAggregate3(_:)`` (same result shape).
    public static func tryAggregate(requireSuccess: Bool, _ calls: [Multicall3Call]) throws(ABIError) -> [UInt8] {
        try ABIs.tryAggregate.encodeCall([.bool(requireSuccess), .array(calls.map {
            .tuple([.address($0.target), .bytes($0.callData)])
        })])
    }

    // MARK: Return data

    /// Result of `channels(channelId)`.
    public static func decodeChannel(_ data: some Collection<UInt8>) throws(ABIError) -> OnchainChannel {
        let v = try ABIs.channels.decodeOutput(data)
        guard let balance = v[0].asUInt128, let claimed = v[1].asUInt128 else { throw .typeMismatch(expected: "(uint128,uint128)") }
        return OnchainChannel(balance: balance, totalClaimed: claimed)
    }

    /// Result of `pendingWithdrawals(channelId)`.
    public static func decodePendingWithdrawal(_ data: some Collection<UInt8>) throws(ABIError) -> PendingWithdrawal {
        let v = try ABIs.pendingWithdrawals.decodeOutput(data)
        guard let amount = v[0].asUInt128, let at = v[1].asUInt64 else { throw .typeMismatch(expected: "(uint128,uint40)") }
        return PendingWithdrawal(amount: amount, initiatedAt: at)
    }

    /// Result of `receivers(receiver, token)`.
    public static func decodeReceiverTotals(_ data: some Collection<UInt8>) throws(ABIError) -> ReceiverTotals {
        let v = try ABIs.receivers.decodeOutput(data)
        guard let claimed = v[0].asUInt128, let settled = v[1].asUInt128 else { throw .typeMismatch(expected: "(uint128,uint128)") }
        return ReceiverTotals(totalClaimed: claimed, totalSettled: settled)
    }

    /// A single `uint256` result (`refundNonce`, `balanceOf`, `allowance`, `nonces`).
    public static func decodeUInt256(_ data: some Collection<UInt8>) throws(ABIError) -> UInt256 {
        guard let v = try ABI.decode(.uint256, from: data).asUInt256 else { throw .typeMismatch(expected: "uint256") }
        return v
    }

    /// A single `bytes32` result (`getChannelId`, the digest views, typehash getters).
    public static func decodeBytes32(_ data: some Collection<UInt8>) throws(ABIError) -> Bytes32 {
        guard let v = try ABI.decode(.bytes32, from: data).asBytes32 else { throw .typeMismatch(expected: "bytes32") }
        return v
    }

    /// True when `isValidSignature` returned the ERC-1271 magic value `0x1626ba7e` (strict `bytes4` encoding).
    public static func isERC1271MagicValue(_ data: some Collection<UInt8>) -> Bool {
        TokenABI.isERC1271MagicValue(data)
    }

    /// Results of `multicall(data)`.
    public static func decodeMulticall(_ data: some Collection<UInt8>) throws(ABIError) -> [[UInt8]] {
        guard let items = try ABIs.multicall.decodeOutput(data)[0].asArray else { throw .typeMismatch(expected: "bytes[]") }
        return try items.map { (item: ABIValue) throws(ABIError) -> [UInt8] in
            guard let b = item.asBytes else { throw .typeMismatch(expected: "bytes") }
            return b
        }
    }

    /// Results of Multicall3 `aggregate3` or `tryAggregate`: `(bool success, bytes returnData)[]`.
    public static func decodeAggregate3(_ data: some Collection<UInt8>) throws(ABIError) -> [Multicall3Result] {
        guard let items = try ABIs.aggregate3.decodeOutput(data)[0].asArray else { throw .typeMismatch(expected: "(bool,bytes)[]") }
        return try items.map { (item: ABIValue) throws(ABIError) -> Multicall3Result in
            guard let t = item.asTuple, t.count == 2, let ok = t[0].asBool, let d = t[1].asBytes else {
                throw .typeMismatch(expected: "(bool,bytes)")
            }
            return Multicall3Result(success: ok, returnData: d)
        }
    }

    // MARK: Decoding calldata (facilitator checks, fakes)

    /// Arguments of `deposit` calldata.
    public static func decodeDeposit(_ calldata: some Collection<UInt8>) throws(ABIError)
        -> (config: ChannelConfig, amount: UInt128, collector: Address, collectorData: [UInt8]) {
        let v = try ABIs.deposit.decodeCall(calldata)
        guard let amount = v[1].asUInt128, let collector = v[2].asAddress, let data = v[3].asBytes else {
            throw .typeMismatch(expected: ABIs.deposit.signature)
        }
        return (try ChannelConfig(abiValue: v[0]), amount, collector, data)
    }

    /// Arguments of `claimWithSignature` calldata.
    public static func decodeClaimWithSignature(_ calldata: some Collection<UInt8>) throws(ABIError)
        -> (claims: [VoucherClaim], authorizerSignature: [UInt8]) {
        let v = try ABIs.claimWithSignature.decodeCall(calldata)
        guard let rows = v[0].asArray, let sig = v[1].asBytes else { throw .typeMismatch(expected: ABIs.claimWithSignature.signature) }
        return (try rows.map { (row: ABIValue) throws(ABIError) in try VoucherClaim(abiValue: row) }, sig)
    }

    /// Arguments of `claim` calldata.
    public static func decodeClaim(_ calldata: some Collection<UInt8>) throws(ABIError) -> [VoucherClaim] {
        guard let rows = try ABIs.claim.decodeCall(calldata)[0].asArray else { throw .typeMismatch(expected: ABIs.claim.signature) }
        return try rows.map { (row: ABIValue) throws(ABIError) in try VoucherClaim(abiValue: row) }
    }

    /// Arguments of `refundWithSignature` calldata.
    public static func decodeRefundWithSignature(_ calldata: some Collection<UInt8>) throws(ABIError)
        -> (config: ChannelConfig, amount: UInt128, nonce: UInt256, signature: [UInt8]) {
        let v = try ABIs.refundWithSignature.decodeCall(calldata)
        guard let amount = v[1].asUInt128, let nonce = v[2].asUInt256, let sig = v[3].asBytes else {
            throw .typeMismatch(expected: ABIs.refundWithSignature.signature)
        }
        return (try ChannelConfig(abiValue: v[0]), amount, nonce, sig)
    }

    /// Inner calls of `multicall` calldata.
    public static func decodeMulticallCall(_ calldata: some Collection<UInt8>) throws(ABIError) -> [[UInt8]] {
        guard let items = try ABIs.multicall.decodeCall(calldata)[0].asArray else { throw .typeMismatch(expected: "bytes[]") }
        return try items.map { (item: ABIValue) throws(ABIError) -> [UInt8] in
            guard let b = item.asBytes else { throw .typeMismatch(expected: "bytes") }
            return b
        }
    }
}

/// `channels(channelId)`: deposits − withdrawals − refunds, and the cumulative claimed amount.
/// Free escrow is `balance − totalClaimed` (claims do not reduce `balance`).
public struct OnchainChannel: Hashable, Sendable {
    /// Deposits − withdrawals − refunds, in atomic token units (claims do not lower it).
    public var balance: UInt128
    /// Cumulative amount claimed from the channel; a claim row must exceed it to take effect.
    public var totalClaimed: UInt128
    /// Wraps the two values returned by `channels(channelId)`.
    public init(balance: UInt128, totalClaimed: UInt128) {
        self.balance = balance
        self.totalClaimed = totalClaimed
    }
}

/// `pendingWithdrawals(channelId)`; `initiatedAt == 0` means none pending.
public struct PendingWithdrawal: Hashable, Sendable {
    /// Requested amount in atomic units; finalizing pays at most the free escrow, and refunds reduce it.
    public var amount: UInt128
    /// Unix seconds (`uint40`).
    public var initiatedAt: UInt64
    /// Wraps the two values returned by `pendingWithdrawals(channelId)`.
    public init(amount: UInt128, initiatedAt: UInt64) {
        self.amount = amount
        self.initiatedAt = initiatedAt
    }
}

/// `receivers(receiver, token)`: claimed and settled totals of one receiver for one token.
public struct ReceiverTotals: Hashable, Sendable {
    /// Cumulative amount credited to the receiver by claims on all its channels in this token.
    public var totalClaimed: UInt128
    /// The part of `totalClaimed` already transferred by `settle`; the next `settle` pays the difference.
    public var totalSettled: UInt128
    /// Wraps the two values returned by `receivers(receiver, token)`.
    public init(totalClaimed: UInt128, totalSettled: UInt128) {
        self.totalClaimed = totalClaimed
        self.totalSettled = totalSettled
    }
}

/// One Multicall3 call.
public struct Multicall3Call: Hashable, Sendable {
    /// The contract called (e.g. the settlement contract or a token).
    public var target: Address
    /// Only used by `aggregate3`.
    public var allowFailure: Bool
    /// ABI calldata for `target`: selector ‖ encoded arguments.
    public var callData: [UInt8]
    /// A call to `target`; with `allowFailure` (the default) `aggregate3` reports a revert instead of propagating it.
    public init(target: Address, allowFailure: Bool = true, callData: [UInt8]) {
        self.target = target
        self.allowFailure = allowFailure
        self.callData = callData
    }
}

/// One Multicall3 result.
public struct Multicall3Result: Hashable, Sendable {
    /// False when the call reverted.
    public var success: Bool
    /// The call's return data, or its revert data when `success` is false.
    public var returnData: [UInt8]
    /// A result as decoded from `tryAggregate` or `aggregate3`.
    public init(success: Bool, returnData: [UInt8]) {
        self.success = success
        self.returnData = returnData
    }
}
