import X402BatchSettlement
import X402Core
import X402EVM

/// The requirement fields the facilitator checks, read leniently: server-authored claim/settle jobs send
/// `extra: {}`, and the SDK accepts `withdrawDelay` as a number or a digit string.
struct RequirementFields {
    var payTo: Address?
    var asset: Address?
    var amount: UInt128
    var receiverAuthorizer: Address?
    var withdrawDelay: UInt64?
    var name: String?
    var version: String?
    var assetTransferMethod: String?

    init(_ requirements: PaymentRequirements) {
        payTo = try? Address(hex: requirements.payTo)
        asset = try? Address(hex: requirements.asset)
        amount = TokenAmount128(decimal: requirements.amount)?.value ?? 0
        let extra = requirements.extra
        if case .string(let text)? = extra["receiverAuthorizer"] { receiverAuthorizer = try? Address(hex: text) }
        switch extra["withdrawDelay"] {
        case .number(let n)?: withdrawDelay = UInt64(n.text) ?? UInt64.max
        case .string(let s)?: withdrawDelay = UInt64(s) ?? UInt64.max
        case nil, .null?: withdrawDelay = nil
        default: withdrawDelay = UInt64.max
        }
        if case .string(let s)? = extra["name"] { name = s }
        if case .string(let s)? = extra["version"] { version = s }
        if case .string(let s)? = extra["assetTransferMethod"] { assetTransferMethod = s }
    }
}

/// protocol.md B.17.1: the channel config against the voucher's channel id and the requirement, in order.
func checkChannelConfig(_ config: ChannelConfig, channelId: Bytes32, fields: RequirementFields,
                        domain: BatchSettlementDomain) -> BatchSettlementErrorCode? {
    if config.channelId(in: domain) != channelId { return .channelIdMismatch }
    if fields.payTo != config.receiver { return .receiverMismatch }
    guard let authorizer = fields.receiverAuthorizer, authorizer != .zero, authorizer == config.receiverAuthorizer else {
        return .receiverAuthorizerMismatch
    }
    if fields.asset != config.token { return .tokenMismatch }
    if let delay = fields.withdrawDelay, delay != config.withdrawDelay { return .withdrawDelayMismatch }
    if config.withdrawDelay < BatchSettlement.minWithdrawDelay || config.withdrawDelay > BatchSettlement.maxWithdrawDelay {
        return .withdrawDelayOutOfRange
    }
    return nil
}

/// The voucher signature: ECDSA against `payerAuthorizer` when set, else strict SignatureChecker
/// semantics against `payer` (ecrecover for an account without code, ERC-1271 with code, no fallback).
func voucherSignatureIsValid(config: ChannelConfig, channelId: Bytes32, maxClaimableAmount: UInt128, signature: [UInt8],
                             domain: BatchSettlementDomain, reads: OnchainReads) async -> Bool {
    let digest = Voucher(channelId: channelId, maxClaimableAmount: maxClaimableAmount).digest(in: domain)
    return await signatureIsValid(digest: digest, signature: signature, ecdsaSigner: config.payerAuthorizer == .zero ? nil : config.payerAuthorizer,
                                  account: config.payer, reads: reads)
}

/// ECDSA recovery against `ecdsaSigner` when given; otherwise SignatureChecker against `account`.
func signatureIsValid(digest: Bytes32, signature: [UInt8], ecdsaSigner: Address?, account: Address,
                      reads: OnchainReads) async -> Bool {
    if let signer = ecdsaSigner {
        return recovers(digest: digest, signature: signature, to: signer)
    }
    guard let code = try? await reads.code(account) else { return false }
    if code.isEmpty { return recovers(digest: digest, signature: signature, to: account) }
    guard let call = try? BatchSettlementCalldata.isValidSignature(hash: digest, signature: signature),
          let answer = try? await reads.relayer.call(to: account, data: call) else { return false }
    return BatchSettlementCalldata.isERC1271MagicValue(answer)
}

func recovers(digest: Bytes32, signature: [UInt8], to expected: Address) -> Bool {
    guard signature.count == 65, let sig = try? Signature(signature), let signer = try? sig.recoverAddress(digest: digest) else {
        return false
    }
    return signer == expected
}
