import X402EVM

/// One row of `claim` / `claimWithSignature`: a payer-signed voucher and the cumulative amount to claim.
///
/// ABI: `(((address,address,address,address,address,uint40,bytes32),uint128),bytes,uint128)`.
/// Wire (B.9.3): `{"voucher":{"channel":{…},"maxClaimableAmount":"…"},"signature":"0x…","totalClaimed":"…"}`.
public struct VoucherClaim: Hashable, Sendable {
    /// The channel the voucher is for.
    public var channel: ChannelConfig
    /// The voucher's signed ceiling.
    public var maxClaimableAmount: UInt128
    /// The payer's voucher signature, raw: 65 bytes for ECDSA, any length for an ERC-1271 wallet.
    public var signature: [UInt8]
    /// Cumulative amount to have claimed after this row (≤ `maxClaimableAmount`).
    public var totalClaimed: UInt128

    /// Creates a row from its fields; `totalClaimed ≤ maxClaimableAmount` is not checked here (the contract does).
    public init(channel: ChannelConfig, maxClaimableAmount: UInt128, signature: [UInt8], totalClaimed: UInt128) {
        self.channel = channel
        self.maxClaimableAmount = maxClaimableAmount
        self.signature = signature
        self.totalClaimed = totalClaimed
    }

    /// The ABI tuple value.
    public var abiValue: ABIValue {
        .tuple([.tuple([channel.abiValue, .uint128(maxClaimableAmount)]), .bytes(signature), .uint128(totalClaimed)])
    }

    /// From a decoded `VoucherClaim` tuple.
    public init(abiValue: ABIValue) throws(ABIError) {
        let expected = BatchSettlementABI.voucherClaimType.canonical
        guard let parts = abiValue.asTuple, parts.count == 3, let voucher = parts[0].asTuple, voucher.count == 2,
              let max = voucher[1].asUInt128, case .bytes(let signature) = parts[1], let total = parts[2].asUInt128
        else { throw .typeMismatch(expected: expected) }
        self.init(channel: try ChannelConfig(abiValue: voucher[0]), maxClaimableAmount: max, signature: signature,
                  totalClaimed: total)
    }
}

extension VoucherClaim: Codable {
    enum CodingKeys: String, CodingKey { case voucher, signature, totalClaimed }
    enum VoucherKeys: String, CodingKey { case channel, maxClaimableAmount }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let v = try c.nestedContainer(keyedBy: VoucherKeys.self, forKey: .voucher)
        channel = try v.decode(ChannelConfig.self, forKey: .channel)
        maxClaimableAmount = try decodeAmount(v, .maxClaimableAmount)
        totalClaimed = try decodeAmount(c, .totalClaimed)
        let hex = try c.decode(String.self, forKey: .signature)
        do {
            signature = try Hex.decode(hex)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .signature, in: c, debugDescription: "invalid hex \(error)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        var v = c.nestedContainer(keyedBy: VoucherKeys.self, forKey: .voucher)
        try v.encode(channel, forKey: .channel)
        try v.encode(maxClaimableAmount.description, forKey: .maxClaimableAmount)
        try c.encode(Hex.encode(signature), forKey: .signature)
        try c.encode(totalClaimed.description, forKey: .totalClaimed)
    }
}

/// A decimal-string `uint128` amount (`^[0-9]+$`).
private func decodeAmount<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> UInt128 {
    let text = try c.decode(String.self, forKey: key)
    do {
        return try UInt128(decimalAmount: text)
    } catch {
        throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "invalid uint128 amount \(error)")
    }
}

extension ChannelConfig {
    /// The ABI tuple value `(payer, payerAuthorizer, receiver, receiverAuthorizer, token, withdrawDelay, salt)`.
    /// A `withdrawDelay` ≥ 2^40 makes encoding fail with ``ABIError/valueOutOfRange(type:)``.
    public var abiValue: ABIValue {
        .tuple([.address(payer), .address(payerAuthorizer), .address(receiver), .address(receiverAuthorizer),
                .address(token), .uint64(withdrawDelay), .bytes32(salt)])
    }

    /// From a decoded `ChannelConfig` tuple.
    public init(abiValue: ABIValue) throws(ABIError) {
        guard let f = abiValue.asTuple, f.count == 7, let payer = f[0].asAddress, let payerAuthorizer = f[1].asAddress,
              let receiver = f[2].asAddress, let receiverAuthorizer = f[3].asAddress, let token = f[4].asAddress,
              let delay = f[5].asUInt64, delay < 1 << 40, let salt = f[6].asBytes32
        else { throw .typeMismatch(expected: BatchSettlementABI.channelConfigType.canonical) }
        self.init(payer: payer, payerAuthorizer: payerAuthorizer, receiver: receiver,
                  receiverAuthorizer: receiverAuthorizer, token: token, withdrawDelay: delay, salt: salt)
    }
}
