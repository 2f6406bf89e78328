/// The keys of x402 and batch-settlement messages, returned as shared immortal strings when parsed:
/// no allocation, no validation, no reference counting for the most frequent strings of a payload.
enum KnownKeys {
    @inline(__always)
    static func equal(_ b: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
        let p = s.utf8Start
        for i in 0..<b.count where b[i] != p[i] { return false }
        return true
    }

    /// The shared string equal to `b`, when `b` (unescaped key bytes) is a known key.
    static func lookup(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        switch b.count {
        case 3:
            if equal(b, "url") { return "url" }
        case 4:
            if equal(b, "from") { return "from" }
            if equal(b, "info") { return "info" }
            if equal(b, "name") { return "name" }
            if equal(b, "salt") { return "salt" }
            if equal(b, "tags") { return "tags" }
            if equal(b, "type") { return "type" }
        case 5:
            if equal(b, "asset") { return "asset" }
            if equal(b, "error") { return "error" }
            if equal(b, "extra") { return "extra" }
            if equal(b, "kinds") { return "kinds" }
            if equal(b, "nonce") { return "nonce" }
            if equal(b, "payTo") { return "payTo" }
            if equal(b, "payer") { return "payer" }
            if equal(b, "token") { return "token" }
        case 6:
            if equal(b, "amount") { return "amount" }
            if equal(b, "claims") { return "claims" }
            if equal(b, "schema") { return "schema" }
            if equal(b, "scheme") { return "scheme" }
        case 7:
            if equal(b, "accepts") { return "accepts" }
            if equal(b, "balance") { return "balance" }
            if equal(b, "channel") { return "channel" }
            if equal(b, "deposit") { return "deposit" }
            if equal(b, "iconUrl") { return "iconUrl" }
            if equal(b, "isValid") { return "isValid" }
            if equal(b, "network") { return "network" }
            if equal(b, "payload") { return "payload" }
            if equal(b, "signers") { return "signers" }
            if equal(b, "spender") { return "spender" }
            if equal(b, "success") { return "success" }
            if equal(b, "version") { return "version" }
            if equal(b, "voucher") { return "voucher" }
            if equal(b, "witness") { return "witness" }
        case 8:
            if equal(b, "accepted") { return "accepted" }
            if equal(b, "deadline") { return "deadline" }
            if equal(b, "mimeType") { return "mimeType" }
            if equal(b, "receiver") { return "receiver" }
            if equal(b, "resource") { return "resource" }
        case 9:
            if equal(b, "channelId") { return "channelId" }
            if equal(b, "permitted") { return "permitted" }
            if equal(b, "signature") { return "signature" }
        case 10:
            if equal(b, "extensions") { return "extensions" }
            if equal(b, "minDeposit") { return "minDeposit" }
            if equal(b, "validAfter") { return "validAfter" }
        case 11:
            if equal(b, "description") { return "description" }
            if equal(b, "errorReason") { return "errorReason" }
            if equal(b, "refundNonce") { return "refundNonce" }
            if equal(b, "serviceName") { return "serviceName" }
            if equal(b, "transaction") { return "transaction" }
            if equal(b, "validBefore") { return "validBefore" }
            if equal(b, "x402Version") { return "x402Version" }
        case 12:
            if equal(b, "channelState") { return "channelState" }
            if equal(b, "errorMessage") { return "errorMessage" }
            if equal(b, "totalClaimed") { return "totalClaimed" }
            if equal(b, "voucherState") { return "voucherState" }
        case 13:
            if equal(b, "authorization") { return "authorization" }
            if equal(b, "channelConfig") { return "channelConfig" }
            if equal(b, "chargedAmount") { return "chargedAmount" }
            if equal(b, "invalidReason") { return "invalidReason" }
            if equal(b, "withdrawDelay") { return "withdrawDelay" }
        case 14:
            if equal(b, "invalidMessage") { return "invalidMessage" }
            if equal(b, "paymentPayload") { return "paymentPayload" }
        case 15:
            if equal(b, "payerAuthorizer") { return "payerAuthorizer" }
        case 17:
            if equal(b, "maxTimeoutSeconds") { return "maxTimeoutSeconds" }
        case 18:
            if equal(b, "maxClaimableAmount") { return "maxClaimableAmount" }
            if equal(b, "receiverAuthorizer") { return "receiverAuthorizer" }
            if equal(b, "signedMaxClaimable") { return "signedMaxClaimable" }
        case 19:
            if equal(b, "assetTransferMethod") { return "assetTransferMethod" }
            if equal(b, "paymentRequirements") { return "paymentRequirements" }
            if equal(b, "withdrawRequestedAt") { return "withdrawRequestedAt" }
        case 20:
            if equal(b, "erc3009Authorization") { return "erc3009Authorization" }
            if equal(b, "permit2Authorization") { return "permit2Authorization" }
        case 23:
            if equal(b, "chargedCumulativeAmount") { return "chargedCumulativeAmount" }
        case 24:
            if equal(b, "claimAuthorizerSignature") { return "claimAuthorizerSignature" }
        case 25:
            if equal(b, "refundAuthorizerSignature") { return "refundAuthorizerSignature" }
        default: break
        }
        return nil
    }
}
