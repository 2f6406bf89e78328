import X402EVM

/// The immutable configuration of a payment channel; its EIP-712 hash is the channel id (protocol.md B.4).
///
/// On the wire: addresses EIP-55 checksummed, `withdrawDelay` a JSON number, `salt` `0x` + 64 hex.
public struct ChannelConfig: Hashable, Sendable {
    /// The buyer whose tokens are escrowed.
    public var payer: Address
    /// Signs vouchers for the payer; zero means the payer itself (ECDSA or ERC-1271).
    public var payerAuthorizer: Address
    /// The seller (`payTo`).
    public var receiver: Address
    /// Signs claim batches and refunds for the receiver; never zero.
    public var receiverAuthorizer: Address
    /// The ERC-20 token (`asset`).
    public var token: Address
    /// Seconds between `initiateWithdraw` and `finalizeWithdraw`; a `uint40` on chain.
    public var withdrawDelay: UInt64
    /// Distinguishes channels with otherwise equal fields.
    public var salt: Bytes32

    /// Creates a configuration; `withdrawDelay` is range-checked by ``validate()`` and by the contract.
    public init(payer: Address, payerAuthorizer: Address, receiver: Address, receiverAuthorizer: Address,
                token: Address, withdrawDelay: UInt64, salt: Bytes32 = .zero) {
        self.payer = payer
        self.payerAuthorizer = payerAuthorizer
        self.receiver = receiver
        self.receiverAuthorizer = receiverAuthorizer
        self.token = token
        self.withdrawDelay = withdrawDelay
        self.salt = salt
    }
}

extension ChannelConfig: Codable {
    enum CodingKeys: String, CodingKey {
        case payer, payerAuthorizer, receiver, receiverAuthorizer, token, withdrawDelay, salt
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        payer = try c.decode(Address.self, forKey: .payer)
        payerAuthorizer = try c.decode(Address.self, forKey: .payerAuthorizer)
        receiver = try c.decode(Address.self, forKey: .receiver)
        receiverAuthorizer = try c.decode(Address.self, forKey: .receiverAuthorizer)
        token = try c.decode(Address.self, forKey: .token)
        withdrawDelay = try c.decode(UInt64.self, forKey: .withdrawDelay)
        guard withdrawDelay < 1 << 40 else {
            throw DecodingError.dataCorruptedError(forKey: .withdrawDelay, in: c, debugDescription: "withdrawDelay exceeds uint40")
        }
        salt = try c.decodeCanonicalBytes32(forKey: .salt)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(payer, forKey: .payer)
        try c.encode(payerAuthorizer, forKey: .payerAuthorizer)
        try c.encode(receiver, forKey: .receiver)
        try c.encode(receiverAuthorizer, forKey: .receiverAuthorizer)
        try c.encode(token, forKey: .token)
        try c.encode(withdrawDelay, forKey: .withdrawDelay)
        try c.encode(salt, forKey: .salt)
    }
}
