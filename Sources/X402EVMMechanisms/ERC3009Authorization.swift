import X402EVM

// ERC-3009 authorizations signed on a token's EIP-712 domain: `TransferWithAuthorization` (the `exact`
// scheme) and `ReceiveWithAuthorization` (batch-settlement deposits). Both have the same six fields and differ
// only in their type string: one generic message, two kinds.

/// The type strings and hashes of ERC-3009 and of the token domain it is signed on.
public enum ERC3009 {
    /// The 4-field EIP-712 domain of ERC-3009 tokens (`name`, `version`, `chainId`, `verifyingContract`).
    public static let domainTypeString = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    /// `TransferWithAuthorization`, the `exact` scheme's authorization.
    public static let transferTypeString =
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    /// `ReceiveWithAuthorization`, the batch-settlement deposit authorization.
    public static let receiveTypeString =
        "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    /// `keccak256(domainTypeString)`: `0x8b73c3c6…400f`.
    public static let domainTypeHash = Keccak256.hash(domainTypeString)
    /// `keccak256(transferTypeString)`: `0x7c7c6cdb…a267`.
    public static let transferTypeHash = Keccak256.hash(transferTypeString)
    /// `keccak256(receiveTypeString)`: `0xd099cc98…3de8`.
    public static let receiveTypeHash = Keccak256.hash(receiveTypeString)
}

/// An ERC-3009 token's EIP-712 domain (`name`, `version`, `chainId`, `verifyingContract = token`), separator
/// computed once.
public struct ERC3009Domain: Hashable, Sendable {
    /// The token's EIP-712 name (`extra.name`, e.g. `"USDC"`).
    public let name: String
    /// The token's EIP-712 version (`extra.version`, e.g. `"2"`).
    public let version: String
    /// The chain id.
    public let chainId: UInt64
    /// The token contract.
    public let token: Address
    /// `hashStruct(EIP712Domain)`.
    public let separator: Bytes32

    /// Computes the separator.
    public init(name: String, version: String, chainId: UInt64, token: Address) {
        self.name = name
        self.version = version
        self.chainId = chainId
        self.token = token
        self.separator = TypedDataWords.hash(ERC3009.domainTypeHash, Keccak256.hash(name), Keccak256.hash(version),
                                             Bytes32(0, 0, 0, chainId), token.word)
    }

    /// The domain as a general EIP-712 domain.
    public var eip712Domain: EIP712Domain {
        EIP712Domain(name: name, version: version, chainId: UInt256(chainId), verifyingContract: token)
    }
}

/// Which ERC-3009 authorization an ``ERC3009Message`` is: its primary type and type hash.
public protocol ERC3009Kind: Sendable {
    /// `TransferWithAuthorization` or `ReceiveWithAuthorization`.
    static var primaryType: String { get }
    /// `keccak256` of the type string.
    static var typeHash: Bytes32 { get }
}

/// `TransferWithAuthorization`: anyone may submit it, funds go to `to` (the `exact` scheme's payment).
public enum ERC3009Transfer: ERC3009Kind {
    /// `"TransferWithAuthorization"`.
    public static let primaryType = "TransferWithAuthorization"
    /// ``ERC3009/transferTypeHash``.
    public static var typeHash: Bytes32 { ERC3009.transferTypeHash }
}

/// `ReceiveWithAuthorization`: only `to` may submit it (batch-settlement deposits, pulled by the ERC-3009 collector).
public enum ERC3009Receive: ERC3009Kind {
    /// `"ReceiveWithAuthorization"`.
    public static let primaryType = "ReceiveWithAuthorization"
    /// ``ERC3009/receiveTypeHash``.
    public static var typeHash: Bytes32 { ERC3009.receiveTypeHash }
}

/// ERC-3009 `TransferWithAuthorization`: the payer lets anyone move `value` tokens to `to` within a time window.
public typealias TransferWithAuthorization = ERC3009Message<ERC3009Transfer>
/// ERC-3009 `ReceiveWithAuthorization`: the payer lets `to` (and only `to`) pull `value` tokens within a time window.
public typealias ReceiveWithAuthorization = ERC3009Message<ERC3009Receive>

/// The six fields every ERC-3009 authorization signs, with hashing, typed data, signing and recovery.
public struct ERC3009Message<Kind: ERC3009Kind>: Hashable, Sendable {
    /// The payer whose tokens move (the signer).
    public var from: Address
    /// The recipient: the requirement's `payTo` (`exact`), the ERC-3009 collector (deposits).
    public var to: Address
    /// Tokens to transfer, in atomic units.
    public var value: UInt256
    /// Unix seconds after which the authorization is usable (0 from the SDK clients).
    public var validAfter: UInt256
    /// Unix seconds before which it must be used (now + `maxTimeoutSeconds` from the SDK clients).
    public var validBefore: UInt256
    /// Single-use nonce per payer: random (`exact`), `keccak256(channelId ‖ salt)` (deposits).
    public var nonce: Bytes32

    /// Creates an authorization with explicit fields.
    public init(from: Address, to: Address, value: UInt256, validAfter: UInt256, validBefore: UInt256, nonce: Bytes32) {
        self.from = from
        self.to = to
        self.value = value
        self.validAfter = validAfter
        self.validBefore = validBefore
        self.nonce = nonce
    }

    /// `hashStruct(message)`.
    public var structHash: Bytes32 {
        TypedDataWords.hash(count: 7) { p in
            Kind.typeHash.write(to: p)
            from.word.write(to: p + 32)
            to.word.write(to: p + 64)
            value.word.write(to: p + 96)
            validAfter.word.write(to: p + 128)
            validBefore.word.write(to: p + 160)
            nonce.write(to: p + 192)
        }
    }

    /// The digest the payer signs under the token's domain.
    public func digest(in domain: ERC3009Domain) -> Bytes32 {
        EIP712Domain.digest(domainSeparator: domain.separator, structHash: structHash)
    }

    /// The authorization as general typed data (what a wallet is shown).
    public func typedData(domain: ERC3009Domain) -> EIP712TypedData {
        let fields: [EIP712Field] = [
            .init(name: "from", type: "address"), .init(name: "to", type: "address"), .init(name: "value", type: "uint256"),
            .init(name: "validAfter", type: "uint256"), .init(name: "validBefore", type: "uint256"),
            .init(name: "nonce", type: "bytes32"),
        ]
        let message: EIP712Value = [
            "from": .address(from), "to": .address(to), "value": .uint(value), "validAfter": .uint(validAfter),
            "validBefore": .uint(validBefore), "nonce": .bytes32(nonce),
        ]
        // Constant, valid declarations: construction cannot fail.
        return try! EIP712TypedData(types: [Kind.primaryType: fields], primaryType: Kind.primaryType,
                                    domain: domain.eip712Domain, message: message)
    }

    /// Signs this authorization's digest under the token's domain (the payer, `from`).
    public func sign(with signer: some Signer, in domain: ERC3009Domain) async throws -> Signature {
        try await signer.sign(digest: digest(in: domain))
    }

    /// Signs this authorization as typed data: any signer, including smart wallets.
    public func signTypedData(with signer: some TypedDataSigner, in domain: ERC3009Domain) async throws -> SignatureBytes {
        try await signer.signTypedData(digest: { digest(in: domain) }, document: { typedData(domain: domain) })
    }

    /// The address whose key produced `signature` over this authorization.
    public func recoverSigner(_ signature: Signature, in domain: ERC3009Domain) throws(SignatureError) -> Address {
        try signature.recoverAddress(digest: digest(in: domain))
    }
}
