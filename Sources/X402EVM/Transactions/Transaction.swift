/// An EIP-2930 access-list entry (used by EIP-1559 transactions).
public struct AccessListEntry: Hashable, Sendable {
    /// A contract the transaction pre-warms (EIP-2930).
    public var address: Address
    /// Storage slots of `address` to pre-warm.
    public var storageKeys: [Bytes32]

    /// An entry for `address`, optionally with storage slots.
    public init(address: Address, storageKeys: [Bytes32] = []) {
        self.address = address
        self.storageKeys = storageKeys
    }

    var rlp: RLPItem { .list([.address(address), .list(storageKeys.map(RLPItem.word))]) }

    init(rlp item: RLPItem) throws(RLPError) {
        let fields = try item.list(count: 2)
        guard let address = try fields[0].optionalAddress() else { throw .invalidLength(expected: 20, actual: 0) }
        var keys: [Bytes32] = []
        for key in try fields[1].list() { keys.append(try key.word()) }
        self.init(address: address, storageKeys: keys)
    }
}

/// A pre-EIP-2718 transaction: EIP-155 replay-protected when `chainId` is set, unprotected (Homestead) when nil.
public struct LegacyTransaction: Hashable, Sendable {
    /// EIP-155 chain id folded into `v`; `nil` signs an unprotected (pre-EIP-155) transaction.
    public var chainId: UInt64?
    /// The sender's next unused account nonce.
    public var nonce: UInt64
    /// Price per unit of gas, in wei.
    public var gasPrice: UInt256
    /// Maximum gas the transaction may use.
    public var gasLimit: UInt64
    /// `nil` creates a contract.
    public var to: Address?
    /// Wei transferred to `to` with the call.
    public var value: UInt256
    /// Calldata (selector ‖ ABI arguments), or init code when `to` is `nil`.
    public var data: [UInt8]

    /// An unsigned legacy transaction; `value` and `data` default to none.
    public init(
        chainId: UInt64?, nonce: UInt64, gasPrice: UInt256, gasLimit: UInt64, to: Address?, value: UInt256 = .zero,
        data: [UInt8] = []
    ) {
        self.chainId = chainId
        self.nonce = nonce
        self.gasPrice = gasPrice
        self.gasLimit = gasLimit
        self.to = to
        self.value = value
        self.data = data
    }

    var payloadFields: [RLPItem] {
        [.uint(nonce), .uint(gasPrice), .uint(gasLimit), .address(to), .uint(value), .bytes(data)]
    }

    /// The digest the sender signs: keccak of `rlp([nonce, gasPrice, gas, to, value, data(, chainId, 0, 0)])`.
    public var signingHash: Bytes32 {
        var fields = payloadFields
        if let chainId { fields += [.uint(chainId), .bytes([]), .bytes([])] }
        return Keccak256.hash(RLPItem.list(fields).encoded)
    }

    /// Signs with a local key.
    public func signed(with key: PrivateKey) -> SignedTransaction {
        SignedTransaction(uncheckedTransaction: .legacy(self), signature: key.sign(digest: signingHash))
    }

    /// Signs through a `Signer`, checking that the signature recovers to the signer's address.
    public func signed(by signer: some Signer) async throws -> SignedTransaction {
        try await Transaction.legacy(self).signed(by: signer)
    }
}

/// An EIP-1559 (type 2) transaction.
public struct EIP1559Transaction: Hashable, Sendable {
    /// Chain id the transaction is valid on (always replay-protected).
    public var chainId: UInt64
    /// The sender's next unused account nonce.
    public var nonce: UInt64
    /// Tip per gas for the block producer, in wei (paid up to `maxFeePerGas − baseFee`).
    public var maxPriorityFeePerGas: UInt256
    /// Most the sender pays per gas, base fee plus tip, in wei.
    public var maxFeePerGas: UInt256
    /// Maximum gas the transaction may use.
    public var gasLimit: UInt64
    /// `nil` creates a contract.
    public var to: Address?
    /// Wei transferred to `to` with the call.
    public var value: UInt256
    /// Calldata (selector ‖ ABI arguments), or init code when `to` is `nil`.
    public var data: [UInt8]
    /// EIP-2930 addresses and storage slots to pre-warm; usually empty.
    public var accessList: [AccessListEntry]

    /// An unsigned type-2 transaction; `value`, `data` and `accessList` default to empty.
    public init(
        chainId: UInt64, nonce: UInt64, maxPriorityFeePerGas: UInt256, maxFeePerGas: UInt256, gasLimit: UInt64,
        to: Address?, value: UInt256 = .zero, data: [UInt8] = [], accessList: [AccessListEntry] = []
    ) {
        self.chainId = chainId
        self.nonce = nonce
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
        self.maxFeePerGas = maxFeePerGas
        self.gasLimit = gasLimit
        self.to = to
        self.value = value
        self.data = data
        self.accessList = accessList
    }

    /// The EIP-2718 type byte.
    public static let type: UInt8 = 0x02

    var payloadFields: [RLPItem] {
        [.uint(chainId), .uint(nonce), .uint(maxPriorityFeePerGas), .uint(maxFeePerGas), .uint(gasLimit),
         .address(to), .uint(value), .bytes(data), .list(accessList.map(\.rlp))]
    }

    /// The digest the sender signs: `keccak(0x02 ‖ rlp([chainId, nonce, …, accessList]))`.
    public var signingHash: Bytes32 {
        Keccak256.hash([Self.type] + RLPItem.list(payloadFields).encoded)
    }

    /// Signs with a local key.
    public func signed(with key: PrivateKey) -> SignedTransaction {
        SignedTransaction(uncheckedTransaction: .eip1559(self), signature: key.sign(digest: signingHash))
    }

    /// Signs through a `Signer`, checking that the signature recovers to the signer's address.
    public func signed(by signer: some Signer) async throws -> SignedTransaction {
        try await Transaction.eip1559(self).signed(by: signer)
    }
}

/// An unsigned transaction of any supported type.
public enum Transaction: Hashable, Sendable {
    /// A legacy (untyped) transaction, EIP-155 protected when it has a chain id.
    case legacy(LegacyTransaction)
    /// An EIP-1559 (type 2) transaction.
    case eip1559(EIP1559Transaction)

    /// The digest the sender signs.
    public var signingHash: Bytes32 {
        switch self {
        case .legacy(let tx): tx.signingHash
        case .eip1559(let tx): tx.signingHash
        }
    }

    /// The chain id, when replay-protected.
    public var chainId: UInt64? {
        switch self {
        case .legacy(let tx): tx.chainId
        case .eip1559(let tx): tx.chainId
        }
    }

    /// Signs with a local key.
    public func signed(with key: PrivateKey) -> SignedTransaction {
        SignedTransaction(uncheckedTransaction: self, signature: key.sign(digest: signingHash))
    }

    /// Signs through a `Signer`, checking that the signature recovers to the signer's address.
    public func signed(by signer: some Signer) async throws -> SignedTransaction {
        let signature = try await signer.sign(digest: signingHash)
        let signed = try SignedTransaction(transaction: self, signature: signature)
        let sender = try signed.recoverSender()
        guard sender == signer.address else { throw TransactionError.signerMismatch(expected: signer.address, actual: sender) }
        return signed
    }
}

/// Why a transaction could not be decoded, signed or attributed to a sender.
public enum TransactionError: Error, Equatable, Sendable {
    /// No bytes.
    case empty
    /// An EIP-2718 type this library does not handle (only legacy and type 2 are supported).
    case unsupportedType(UInt8)
    /// The RLP body is malformed or has the wrong shape.
    case rlp(RLPError)
    /// A legacy `v` that is neither 27/28 nor a valid EIP-155 value, or a type-2 `yParity` other than 0/1.
    case invalidV
    /// The signature is unusable (high-s, zero scalar, no recoverable key).
    case signature(SignatureError)
    /// A signer returned a signature for another address.
    case signerMismatch(expected: Address, actual: Address)
    /// Hex text could not be decoded.
    case invalidHex(EVMParseError)
}
