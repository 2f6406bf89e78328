import X402EVM

/// The token-side ABI every EVM scheme calls: ERC-20 reads, the ERC-3009 entry points, ERC-1271, and the
/// ERC-20 `Transfer` event. Every selector and topic is computed from its signature string.
public enum TokenABI {
    // Compile-time constant signatures checked by the tests; a typo traps at first use in tests, never on input.
    static func function(_ signature: String) -> ABIFunction {
        do { return try ABIFunction(signature) } catch { fatalError("bad ABI signature \(signature): \(error)") }
    }

    /// ERC-3009 `transferWithAuthorization` with a split ECDSA signature (every ERC-3009 token has it).
    public static let transferWithAuthorizationVRS = function(
        "transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)")
    /// ERC-3009 `transferWithAuthorization` with signature bytes (USDC v2.2+: ERC-1271 wallets, any length).
    public static let transferWithAuthorizationBytes = function(
        "transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature)")
    /// ERC-3009 `receiveWithAuthorization` with signature bytes (only `to` may call it).
    public static let receiveWithAuthorization = function(
        "receiveWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature)")
    /// ERC-3009 nonce state: true once the authorization was used or canceled.
    public static let authorizationState = function("authorizationState(address authorizer, bytes32 nonce) view returns (bool)")
    /// ERC-20 balance of `account`, in atomic units.
    public static let balanceOf = function("balanceOf(address account) view returns (uint256)")
    /// The token's EIP-712 domain `name()` (e.g. `"USDC"`).
    public static let name = function("name() view returns (string)")
    /// The token's EIP-712 domain `version()` (e.g. `"2"`).
    public static let version = function("version() view returns (string)")
    /// ERC-1271; returns the magic value `0x1626ba7e` when the signature is valid.
    public static let isValidSignature = function("isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)")
    /// The ERC-1271 magic value `bytes4(keccak256("isValidSignature(bytes32,bytes)"))`.
    public static let erc1271MagicValue: [UInt8] = [0x16, 0x26, 0xba, 0x7e]
    /// `keccak256("Transfer(address,address,uint256)")`, topic 0 of every ERC-20 transfer log.
    public static let transferEventTopic = Keccak256.hash("Transfer(address,address,uint256)")

    /// True when `isValidSignature` returned the ERC-1271 magic value (strict `bytes4` encoding).
    public static func isERC1271MagicValue(_ data: some Collection<UInt8>) -> Bool {
        (try? ABI.decode(.fixedBytes(4), from: data))?.asBytes == erc1271MagicValue
    }
}
