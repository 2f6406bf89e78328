import X402EVM
import X402EVMMechanisms

// The batch-settlement EIP-712 types (protocol.md B.2–B.6), hashed directly: every struct member is one
// 32-byte word, so each hash writes its words into a stack buffer and runs Keccak once, with no general
// encoder and no heap allocation. The test suite checks every hash against X402EVM's general encoder.

extension BatchSettlement {
    /// Exact EIP-712 type strings (the input to each type hash).
    public enum TypeString {
        /// Domain of the settlement contract and of ERC-3009 tokens.
        public static let domain = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
        /// Permit2's domain, which has no `version`.
        public static let permit2Domain = "EIP712Domain(string name,uint256 chainId,address verifyingContract)"
        /// `ChannelConfig`: a channel's seven fixed parameters; its digest is the channel id.
        public static let channelConfig =
            "ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer,address token,uint40 withdrawDelay,bytes32 salt)"
        /// `Voucher`: the payer's signed cumulative ceiling for one channel.
        public static let voucher = "Voucher(bytes32 channelId,uint128 maxClaimableAmount)"
        /// `Refund`: the receiver authorizer's approval of a cooperative refund (fields channelId, nonce, amount).
        public static let refund = "Refund(bytes32 channelId,uint256 nonce,uint128 amount)"
        /// `ClaimEntry`: one row of a `ClaimBatch`.
        public static let claimEntry = "ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)"
        /// `ClaimBatch` with its referenced `ClaimEntry` type appended: the receiver authorizer's approval of a
        /// `claimWithSignature` batch.
        public static let claimBatch = "ClaimBatch(ClaimEntry[] claims)" + claimEntry
        /// ERC-3009 `ReceiveWithAuthorization`, signed on the token's domain for an `eip3009` deposit.
        public static let receiveWithAuthorization = ERC3009.receiveTypeString
        /// Permit2 `TokenPermissions` (token and amount), nested in the permit.
        public static let tokenPermissions = "TokenPermissions(address token,uint256 amount)"
        /// The witness binding a Permit2 deposit signature to one channel id.
        public static let depositWitness = "DepositWitness(bytes32 channelId)"
        /// Permit2's fixed prefix of the witness type (its `PermitWitnessTransferFrom` stub).
        public static let permit2WitnessStub =
            "PermitWitnessTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline,"
        /// `DEPOSIT_WITNESS_TYPE_STRING`, the suffix the collector passes to Permit2.
        public static let depositWitnessTypeString = "DepositWitness witness)" + depositWitness + tokenPermissions
        /// The full `PermitWitnessTransferFrom` type with the deposit witness.
        public static let permitWitnessTransferFrom = permit2WitnessStub + depositWitnessTypeString
        /// EIP-2612 `Permit`, signed on the token's domain for the `eip2612GasSponsoring` extension.
        public static let eip2612Permit = "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    }

    /// `keccak256` of each ``TypeString``.
    public enum TypeHash {
        /// Type hash of the 4-field domain (settlement contract, ERC-3009 tokens): `0x8b73c3c6…400f`.
        public static let domain = Keccak256.hash(TypeString.domain)
        /// Type hash of Permit2's 3-field domain: `0x8cad9568…a866`.
        public static let permit2Domain = Keccak256.hash(TypeString.permit2Domain)
        /// `ChannelConfig` type hash (on chain `CHANNEL_CONFIG_TYPEHASH`): `0x1c9a06ce…b308`.
        public static let channelConfig = Keccak256.hash(TypeString.channelConfig)
        /// `Voucher` type hash (on chain `VOUCHER_TYPEHASH`): `0x1e1bd6ff…9a69`.
        public static let voucher = Keccak256.hash(TypeString.voucher)
        /// `Refund` type hash (on chain `REFUND_TYPEHASH`): `0xbe23ad08…b216`.
        public static let refund = Keccak256.hash(TypeString.refund)
        /// `ClaimEntry` type hash (on chain `CLAIM_ENTRY_TYPEHASH`): `0x30b9a036…0cf5`.
        public static let claimEntry = Keccak256.hash(TypeString.claimEntry)
        /// `ClaimBatch` type hash (on chain `CLAIM_BATCH_TYPEHASH`): `0x42bd57c0…6d57`.
        public static let claimBatch = Keccak256.hash(TypeString.claimBatch)
        /// ERC-3009 `ReceiveWithAuthorization` type hash: `0xd099cc98…3de8`.
        public static let receiveWithAuthorization = ERC3009.receiveTypeHash
        /// Permit2 `TokenPermissions` type hash: `0x618358ac…06a1`.
        public static let tokenPermissions = Keccak256.hash(TypeString.tokenPermissions)
        /// `DepositWitness` type hash (the collector's `DEPOSIT_WITNESS_TYPEHASH`): `0xba000009…4479`.
        public static let depositWitness = Keccak256.hash(TypeString.depositWitness)
        /// `PermitWitnessTransferFrom` type hash with the deposit witness: `0x436a25c0…cc52`.
        public static let permitWitnessTransferFrom = Keccak256.hash(TypeString.permitWitnessTransferFrom)
        /// EIP-2612 `Permit` type hash: `0x6e71edae…6126c9`.
        public static let eip2612Permit = Keccak256.hash(TypeString.eip2612Permit)
    }

    static let domainNameHash = Keccak256.hash(domainName)
    static let domainVersionHash = Keccak256.hash(domainVersion)
    static let permit2NameHash = Keccak256.hash("Permit2")

    /// The settlement contract's domain separator on `chainId`.
    public static func domainSeparator(chainId: UInt64) -> Bytes32 {
        TypedDataWords.hash(TypeHash.domain, domainNameHash, domainVersionHash, Bytes32(0, 0, 0, chainId), settlementAddress.word)
    }

    /// The Permit2 domain separator on `chainId` (`name = "Permit2"`, no version).
    public static func permit2DomainSeparator(chainId: UInt64) -> Bytes32 {
        TypedDataWords.hash(TypeHash.permit2Domain, permit2NameHash, Bytes32(0, 0, 0, chainId), permit2Address.word)
    }
}

/// The batch-settlement EIP-712 domain on one chain, with its separator computed once.
///
/// Keep one per chain on hot paths; ``Voucher/digest(chainId:)`` and friends recompute it each call.
public struct BatchSettlementDomain: Hashable, Sendable {
    /// The chain id.
    public let chainId: UInt64
    /// `hashStruct(EIP712Domain)` for `x402 Batch Settlement`, version `1`, the settlement contract.
    public let separator: Bytes32

    /// Computes the separator for `chainId`.
    public init(chainId: UInt64) {
        self.chainId = chainId
        self.separator = BatchSettlement.domainSeparator(chainId: chainId)
    }

    /// The domain as a general EIP-712 domain (for wallets and cross-checks).
    public var eip712Domain: EIP712Domain {
        EIP712Domain(name: BatchSettlement.domainName, version: BatchSettlement.domainVersion,
                     chainId: UInt256(chainId), verifyingContract: BatchSettlement.settlementAddress)
    }

    /// `keccak256(0x1901 ‖ separator ‖ structHash)`.
    @inlinable
    public func digest(structHash: Bytes32) -> Bytes32 {
        EIP712Domain.digest(domainSeparator: separator, structHash: structHash)
    }
}
