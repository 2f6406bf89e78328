import X402EVM

// Signing and signer recovery over the typed-data digests. Signing goes through `Signer` (a local key, a
// KMS, a wallet); recovery is local ECDSA (EOA signatures only: ERC-1271 wallets need an on-chain check).

extension Voucher {
    /// Signs this voucher on `chainId` (the payer or its `payerAuthorizer`).
    public func sign(with signer: some Signer, chainId: UInt64) async throws -> Signature {
        try await signer.sign(digest: digest(chainId: chainId))
    }

    /// Signs this voucher under a prepared domain.
    public func sign(with signer: some Signer, in domain: BatchSettlementDomain) async throws -> Signature {
        try await signer.sign(digest: digest(in: domain))
    }

    /// The address whose key produced `signature` over this voucher.
    public func recoverSigner(_ signature: Signature, in domain: BatchSettlementDomain) throws(SignatureError) -> Address {
        try signature.recoverAddress(digest: digest(in: domain))
    }
}

extension Refund {
    /// Signs this refund on `chainId` (the receiver authorizer).
    public func sign(with signer: some Signer, chainId: UInt64) async throws -> Signature {
        try await signer.sign(digest: digest(chainId: chainId))
    }

    /// The address whose key produced `signature` over this refund.
    public func recoverSigner(_ signature: Signature, in domain: BatchSettlementDomain) throws(SignatureError) -> Address {
        try signature.recoverAddress(digest: digest(in: domain))
    }
}

extension ClaimBatch {
    /// Signs this batch on `chainId` (the receiver authorizer).
    public func sign(with signer: some Signer, chainId: UInt64) async throws -> Signature {
        try await signer.sign(digest: digest(chainId: chainId))
    }

    /// The address whose key produced `signature` over this batch.
    public func recoverSigner(_ signature: Signature, in domain: BatchSettlementDomain) throws(SignatureError) -> Address {
        try signature.recoverAddress(digest: digest(in: domain))
    }
}

extension ReceiveWithAuthorization {
    /// Signs this authorization under the token's domain (the payer, `from`).
    public func sign(with signer: some Signer, in domain: ERC3009Domain) async throws -> Signature {
        try await signer.sign(digest: digest(in: domain))
    }

    /// The address whose key produced `signature` over this authorization.
    public func recoverSigner(_ signature: Signature, in domain: ERC3009Domain) throws(SignatureError) -> Address {
        try signature.recoverAddress(digest: digest(in: domain))
    }
}

extension PermitWitnessTransferFrom {
    /// Signs this permit on `chainId` (the payer).
    public func sign(with signer: some Signer, chainId: UInt64) async throws -> Signature {
        try await signer.sign(digest: digest(chainId: chainId))
    }

    /// The address whose key produced `signature` over this permit.
    public func recoverSigner(_ signature: Signature, chainId: UInt64) throws(SignatureError) -> Address {
        try signature.recoverAddress(digest: digest(chainId: chainId))
    }
}
