import X402EVM
import X402EVMMechanisms
import X402EVMRPC
import X402Exact

/// Calldata, revert-reason mapping and receipt checks of `transferWithAuthorization` (the SDK's
/// `eip3009_utils.py`, rebuilt).
enum ExactTokenCalls {
    /// The signature as the token takes it: a 65-byte ECDSA signature with `v` 0/1 moved to 27/28; other bytes
    /// unchanged.
    static func normalized(_ signature: [UInt8]) -> [UInt8] {
        guard signature.count == 65, signature[64] < 2 else { return signature }
        var s = signature
        s[64] += 27
        return s
    }

    /// `transferWithAuthorization` calldata: the `v, r, s` overload for a 65-byte signature (every ERC-3009
    /// token), the `bytes` overload for anything else (ERC-1271 wallets).
    static func transfer(_ auth: TransferWithAuthorization, signature: [UInt8]) throws(ABIError) -> [UInt8] {
        let head: [ABIValue] = [.address(auth.from), .address(auth.to), .uint(auth.value), .uint(auth.validAfter),
                                .uint(auth.validBefore), .bytes32(auth.nonce)]
        let sig = normalized(signature)
        if sig.count == 65 {
            return try TokenABI.transferWithAuthorizationVRS.encodeCall(
                head + [.uint(UInt256(UInt64(sig[64]))), .fixedBytes(Array(sig[0..<32])), .fixedBytes(Array(sig[32..<64]))])
        }
        return try TokenABI.transferWithAuthorizationBytes.encodeCall(head + [.bytes(sig)])
    }

    /// The SDK's mapping of a token revert to a code (`parse_eip3009_transfer_error`); ``ExactErrorCode/transactionFailed``
    /// when the reason is not recognised.
    static func code(forRevert text: String) -> ExactErrorCode {
        let msg = text.lowercased()
        if msg.contains("authorization is expired") || msg.contains("authorizationexpired") { return .authorizationValidBefore }
        if msg.contains("authorization is not yet valid") || msg.contains("authorizationnotyetvalid") { return .authorizationValidAfter }
        if msg.contains("authorization is used") || msg.contains("authorizationalreadyused") || msg.contains("authorizationusedorcanceled") {
            return .nonceAlreadyUsed
        }
        if msg.contains("transfer amount exceeds balance") || msg.contains("erc20insufficientbalance") { return .insufficientBalance }
        if msg.contains("invalid signature") || msg.contains("signermismatch") || msg.contains("invalidsignaturev")
            || msg.contains("invalidsignatures") {
            return .invalidSignature
        }
        return .transactionFailed
    }

    /// Whether `receipt` carries the token's ERC-20 `Transfer(from, to, value)` (the settlement's evidence).
    static func hasTransfer(_ receipt: TransactionReceipt, token: Address, from: Address, to: Address, value: UInt256) -> Bool {
        receipt.logs.contains { log in
            log.address == token && log.topics.count == 3 && log.topics[0] == TokenABI.transferEventTopic
                && log.topics[1] == from.word && log.topics[2] == to.word
                && log.data.count >= 32 && (try? Bytes32(log.data.suffix(32))).map { UInt256(word: $0) } == value
        }
    }
}
