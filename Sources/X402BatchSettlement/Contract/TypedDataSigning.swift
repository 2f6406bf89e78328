import X402EVM

// Signing and signer recovery over the typed-data digests. `sign(with:)` goes through `Signer` (ECDSA: a
// local key, a KMS, a wallet) and the precomputed digest; `signTypedData(with:)` goes through any
// `TypedDataSigner` (smart wallets return non-ECDSA bytes) and hands it the whole document, except that a
// `PrivateKeySigner` signs the precomputed digest directly (no document built, no allocation).
// Recovery is local ECDSA (EOA signatures only: ERC-1271 wallets need an on-chain check).

extension BatchSettlement {
    /// A local key signs `digest()`; any other signer gets the document `typedData()`.
    @inline(__always)
    static func signTypedData(
        _ signer: some TypedDataSigner, digest: () -> Bytes32, typedData: () -> EIP712TypedData
    ) async throws -> SignatureBytes {
        try await signer.signTypedData(digest: digest, document: typedData)
    }
}

extension Voucher {
    /// Signs this voucher on `chainId` (the payer or its `payerAuthorizer`).
    public func sign(with signer: some Signer, chainId: UInt64) async throws -> Signature {
        try await signer.sign(digest: digest(chainId: chainId))
    }

    /// Signs this voucher under a prepared domain.
    public func sign(with signer: some Signer, in domain: BatchSettlementDomain) async throws -> Signature {
        try await signer.sign(digest: digest(in: domain))
    }

    /// Signs this voucher on `chainId` as typed data: any signer, including smart wallets (non-ECDSA bytes).
    public func signTypedData(with signer: some TypedDataSigner, chainId: UInt64) async throws -> SignatureBytes {
        try await BatchSettlement.signTypedData(signer, digest: { digest(chainId: chainId) }, typedData: { typedData(chainId: chainId) })
    }

    /// Signs this voucher as typed data under a prepared domain.
    public func signTypedData(with signer: some TypedDataSigner, in domain: BatchSettlementDomain) async throws -> SignatureBytes {
        try await BatchSettlement.signTypedData(signer, digest: { digest(in: domain) }, typedData: { typedData(chainId: domain.chainId) })
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

    /// Signs this refund on `chainId` as typed data: any signer, including smart wallets.
    public func signTypedData(with signer: some TypedDataSigner, chainId: UInt64) async throws -> SignatureBytes {
        try await BatchSettlement.signTypedData(signer, digest: { digest(chainId: chainId) }, typedData: { typedData(chainId: chainId) })
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

    /// Signs this batch on `chainId` as typed data: any signer, including smart wallets.
    public func signTypedData(with signer: some TypedDataSigner, chainId: UInt64) async throws -> SignatureBytes {
        try await BatchSettlement.signTypedData(signer, digest: { digest(chainId: chainId) }, typedData: { typedData(chainId: chainId) })
    }

    /// The address whose key produced `signature` over this batch.
    public func recoverSigner(_ signature: Signature, in domain: BatchSettlementDomain) throws(SignatureError) -> Address {
        try signature.recoverAddress(digest: digest(in: domain))
    }
}

extension PermitWitnessTransferFrom {
    /// Signs this permit on `chainId` (the payer).
    public func sign(with signer: some Signer, chainId: UInt64) async throws -> Signature {
        try await signer.sign(digest: digest(chainId: chainId))
    }

    /// Signs this permit on `chainId` as typed data: any signer, including smart wallets.
    public func signTypedData(with signer: some TypedDataSigner, chainId: UInt64) async throws -> SignatureBytes {
        try await BatchSettlement.signTypedData(signer, digest: { digest(chainId: chainId) }, typedData: { typedData(chainId: chainId) })
    }

    /// The address whose key produced `signature` over this permit.
    public func recoverSigner(_ signature: Signature, chainId: UInt64) throws(SignatureError) -> Address {
        try signature.recoverAddress(digest: digest(chainId: chainId))
    }
}

extension EIP2612Permit {
    /// Signs this permit under the token's domain as typed data (the owner): any signer, including smart wallets.
    public func signTypedData(with signer: some TypedDataSigner, in domain: ERC3009Domain) async throws -> SignatureBytes {
        try await BatchSettlement.signTypedData(signer, digest: { digest(in: domain) }, typedData: { typedData(domain: domain) })
    }

    /// The address whose key produced `signature` over this permit.
    public func recoverSigner(_ signature: Signature, in domain: ERC3009Domain) throws(SignatureError) -> Address {
        try signature.recoverAddress(digest: digest(in: domain))
    }
}
