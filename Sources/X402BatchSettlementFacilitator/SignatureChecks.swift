import X402BatchSettlement
import X402Core
import X402EVM

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
    return await AccountSignature.isValid(digest: digest, signature: signature, account: account,
                                          code: { try await reads.code(account) },
                                          call: { try await reads.relayer.call(to: account, data: $0) })
}

