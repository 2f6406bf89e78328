import X402EVM
import X402JSON

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

extension ChannelConfig: Codable, JSONValueDecodable {
    enum CodingKeys: String, CodingKey {
        case payer, payerAuthorizer, receiver, receiverAuthorizer, token, withdrawDelay, salt
    }

    // Read straight from the parsed JSON (the seller's hot path); every decoder goes through this one reader.
    public init(from decoder: any Decoder) throws { self = try Self.decodeValue(from: decoder) }

    /// Reads the config: five addresses, a uint40 `withdrawDelay` (JSON integer), a canonical `0x` salt.
    public init(jsonValue: JSONValue) throws(JSONValueError) {
        let f = try JSONFields(jsonValue, "a channel config")
        payer = try f.required("payer")
        payerAuthorizer = try f.required("payerAuthorizer")
        receiver = try f.required("receiver")
        receiverAuthorizer = try f.required("receiverAuthorizer")
        token = try f.required("token")
        guard case .number(let n)? = f.object["withdrawDelay"], let delay = n.uint64, n.isInteger else {
            throw JSONValueError("withdrawDelay: expected a non-negative integer")
        }
        guard delay < 1 << 40 else { throw JSONValueError("withdrawDelay: exceeds uint40") }
        withdrawDelay = delay
        salt = try f.required("salt")
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
