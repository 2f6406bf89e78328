import X402EVM
import X402EVMMechanisms

// Deposit authorizations: ERC-3009 `ReceiveWithAuthorization` (protocol.md B.5) and Permit2
// `PermitWitnessTransferFrom` with the `DepositWitness` witness (B.6).

extension BatchSettlement {
    /// The ERC-3009 nonce of a deposit: `keccak256(channelId ‖ salt)`, binding the authorization to one channel.
    /// `salt` is the wire `erc3009Authorization.salt` (32 bytes, read on chain as a `uint256`).
    public static func erc3009DepositNonce(channelId: Bytes32, salt: Bytes32) -> Bytes32 {
        TypedDataWords.hash(channelId, salt)
    }
}

extension ReceiveWithAuthorization {
    /// The authorization of a batch-settlement deposit: `to` the ERC-3009 collector, `validAfter = 0`,
    /// nonce ``BatchSettlement/erc3009DepositNonce(channelId:salt:)``.
    public static func deposit(payer: Address, amount: UInt128, validBefore: UInt64, channelId: Bytes32, salt: Bytes32)
        -> ReceiveWithAuthorization
    {
        ReceiveWithAuthorization(from: payer, to: BatchSettlement.erc3009CollectorAddress, value: UInt256(amount),
                                 validAfter: .zero, validBefore: UInt256(validBefore),
                                 nonce: BatchSettlement.erc3009DepositNonce(channelId: channelId, salt: salt))
    }
}

/// Permit2 `PermitWitnessTransferFrom` with the batch-settlement `DepositWitness(bytes32 channelId)` witness,
/// signed on Permit2's version-less domain.
public struct PermitWitnessTransferFrom: Hashable, Sendable {
    /// `permitted.token`: the ERC-20.
    public var token: Address
    /// `permitted.amount`: the deposit.
    public var amount: UInt256
    /// Who may execute the transfer: the Permit2 deposit collector.
    public var spender: Address
    /// Permit2's unordered nonce (random; a decimal string on the wire).
    public var nonce: UInt256
    /// Unix seconds after which Permit2 rejects the signature.
    public var deadline: UInt256
    /// `witness.channelId`.
    public var channelId: Bytes32

    /// Creates a permit; `spender` defaults to the canonical Permit2 deposit collector.
    public init(token: Address, amount: UInt256, spender: Address = BatchSettlement.permit2CollectorAddress,
                nonce: UInt256, deadline: UInt256, channelId: Bytes32) {
        self.token = token
        self.amount = amount
        self.spender = spender
        self.nonce = nonce
        self.deadline = deadline
        self.channelId = channelId
    }

    /// `hashStruct(DepositWitness)`, the `witness` argument the collector passes to Permit2.
    public static func depositWitnessHash(channelId: Bytes32) -> Bytes32 {
        TypedDataWords.hash(BatchSettlement.TypeHash.depositWitness, channelId)
    }

    /// `hashStruct(PermitWitnessTransferFrom)` with the deposit witness.
    public var structHash: Bytes32 {
        let permitted = TypedDataWords.hash(BatchSettlement.TypeHash.tokenPermissions, token.word, amount.word)
        let witness = Self.depositWitnessHash(channelId: channelId)
        return TypedDataWords.hash(count: 6) { p in
            BatchSettlement.TypeHash.permitWitnessTransferFrom.write(to: p)
            permitted.write(to: p + 32)
            spender.word.write(to: p + 64)
            nonce.word.write(to: p + 96)
            deadline.word.write(to: p + 128)
            witness.write(to: p + 160)
        }
    }

    /// The digest the payer signs on `chainId` (Permit2 at its canonical address).
    public func digest(chainId: UInt64) -> Bytes32 {
        EIP712Domain.digest(domainSeparator: BatchSettlement.permit2DomainSeparator(chainId: chainId), structHash: structHash)
    }

    /// The permit as general typed data.
    public func typedData(chainId: UInt64) -> EIP712TypedData {
        let types: [String: [EIP712Field]] = [
            "PermitWitnessTransferFrom": [
                .init(name: "permitted", type: "TokenPermissions"), .init(name: "spender", type: "address"),
                .init(name: "nonce", type: "uint256"), .init(name: "deadline", type: "uint256"),
                .init(name: "witness", type: "DepositWitness"),
            ],
            "TokenPermissions": [.init(name: "token", type: "address"), .init(name: "amount", type: "uint256")],
            "DepositWitness": [.init(name: "channelId", type: "bytes32")],
        ]
        let message: EIP712Value = [
            "permitted": ["token": .address(token), "amount": .uint(amount)], "spender": .address(spender),
            "nonce": .uint(nonce), "deadline": .uint(deadline), "witness": ["channelId": .bytes32(channelId)],
        ]
        let domain = EIP712Domain(name: "Permit2", chainId: UInt256(chainId), verifyingContract: BatchSettlement.permit2Address)
        // Constant, valid declarations: construction cannot fail.
        return try! EIP712TypedData(types: types, primaryType: "PermitWitnessTransferFrom", domain: domain, message: message)
    }
}

/// EIP-2612 `Permit(owner, spender, value, nonce, deadline)` on the token's own domain: the payer's off-chain
/// approval that the `eip2612GasSponsoring` extension carries, so the Permit2 collector can run `permit` before
/// the transfer and a payer without a Permit2 allowance sends no transaction (protocol.md B.6).
public struct EIP2612Permit: Hashable, Sendable {
    /// The token holder (the payer).
    public var owner: Address
    /// Who may spend: Permit2 (its canonical address) for gas sponsoring.
    public var spender: Address
    /// The allowance granted; must equal the deposit amount.
    public var value: UInt256
    /// The token's `nonces(owner)`.
    public var nonce: UInt256
    /// Unix seconds after which the token rejects the permit.
    public var deadline: UInt256

    /// Creates a permit; `spender` defaults to Permit2.
    public init(owner: Address, spender: Address = BatchSettlement.permit2Address, value: UInt256, nonce: UInt256, deadline: UInt256) {
        self.owner = owner
        self.spender = spender
        self.value = value
        self.nonce = nonce
        self.deadline = deadline
    }

    /// `hashStruct(Permit)`.
    public var structHash: Bytes32 {
        TypedDataWords.hash(count: 6) { p in
            BatchSettlement.TypeHash.eip2612Permit.write(to: p)
            owner.word.write(to: p + 32)
            spender.word.write(to: p + 64)
            value.word.write(to: p + 96)
            nonce.word.write(to: p + 128)
            deadline.word.write(to: p + 160)
        }
    }

    /// The digest the owner signs under the token's domain (`name`, `version`, `chainId`, token).
    public func digest(in domain: ERC3009Domain) -> Bytes32 {
        EIP712Domain.digest(domainSeparator: domain.separator, structHash: structHash)
    }

    /// The permit as general typed data.
    public func typedData(domain: ERC3009Domain) -> EIP712TypedData {
        let fields: [EIP712Field] = [
            .init(name: "owner", type: "address"), .init(name: "spender", type: "address"), .init(name: "value", type: "uint256"),
            .init(name: "nonce", type: "uint256"), .init(name: "deadline", type: "uint256"),
        ]
        let message: EIP712Value = [
            "owner": .address(owner), "spender": .address(spender), "value": .uint(value), "nonce": .uint(nonce),
            "deadline": .uint(deadline),
        ]
        // Constant, valid declarations: construction cannot fail.
        return try! EIP712TypedData(types: ["Permit": fields], primaryType: "Permit", domain: domain.eip712Domain, message: message)
    }
}
