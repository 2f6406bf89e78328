import X402EVM
import X402JSON

// The JSON form of the seller's records, shared by the file storage (its log lines) and the PostgreSQL storage
// (the config column). Amounts are decimal strings: exact at any size, never a floating-point number.

extension ChannelConfig {
    /// The config as JSON, in its wire form (the inverse of ``init(jsonValue:)``).
    public var jsonValue: JSONValue {
        .object(JSONObject([
            ("payer", .string(payer.checksummed)),
            ("payerAuthorizer", .string(payerAuthorizer.checksummed)),
            ("receiver", .string(receiver.checksummed)),
            ("receiverAuthorizer", .string(receiverAuthorizer.checksummed)),
            ("token", .string(token.checksummed)),
            ("withdrawDelay", .number(JSONNumber(withdrawDelay))),
            ("salt", .string(salt.hex)),
        ]))
    }
}

extension SellerChannel {
    /// The record as JSON: amounts as decimal strings, the signature as `0x` hex, `onchainSyncedAt` omitted when nil.
    public var jsonValue: JSONValue {
        var pairs: [JSONObject.Element] = [
            ("channelId", .string(channelId.hex)),
            ("config", config.jsonValue),
            ("chargedCumulativeAmount", .string(chargedCumulativeAmount.description)),
            ("signedMaxClaimable", .string(signedMaxClaimable.description)),
            ("signature", .string(Hex.encode(signature))),
            ("balance", .string(balance.description)),
            ("totalClaimed", .string(totalClaimed.description)),
            ("withdrawRequestedAt", .string(withdrawRequestedAt.description)),
            ("refundNonce", .string(refundNonce.description)),
            ("lastRequestTimestamp", .string(lastRequestTimestamp.description)),
        ]
        if let onchainSyncedAt { pairs.append(("onchainSyncedAt", .string(onchainSyncedAt.description))) }
        return .object(JSONObject(pairs))
    }

    /// Reads a record written by ``jsonValue``.
    public init(jsonValue: JSONValue) throws(JSONValueError) {
        let f = try JSONFields(jsonValue, "a seller channel")
        guard let config = f.object["config"] else { throw JSONValueError("config: missing") }
        self.init(
            channelId: try f.required("channelId"),
            config: try ChannelConfig(jsonValue: config),
            chargedCumulativeAmount: try StoredNumber.decimal(f, "chargedCumulativeAmount"),
            signedMaxClaimable: try StoredNumber.decimal(f, "signedMaxClaimable"),
            signature: try StoredNumber.hexBytes(f, "signature"),
            balance: try StoredNumber.decimal(f, "balance"),
            totalClaimed: try StoredNumber.decimal(f, "totalClaimed"),
            withdrawRequestedAt: try StoredNumber.decimal(f, "withdrawRequestedAt"),
            refundNonce: try StoredNumber.uint256(f, "refundNonce"),
            onchainSyncedAt: f.object["onchainSyncedAt"] == nil ? nil : try StoredNumber.decimal(f, "onchainSyncedAt"),
            lastRequestTimestamp: try StoredNumber.decimal(f, "lastRequestTimestamp"))
    }
}

extension ChannelReservation {
    /// The reservation as JSON (amount and time as decimal strings).
    public var jsonValue: JSONValue {
        .object(JSONObject([
            ("pendingId", .string(pendingId)),
            ("signedMaxClaimable", .string(signedMaxClaimable.description)),
            ("expiresAt", .string(expiresAt.description)),
        ]))
    }

    /// Reads a reservation written by ``jsonValue``.
    public init(jsonValue: JSONValue) throws(JSONValueError) {
        let f = try JSONFields(jsonValue, "a channel reservation")
        self.init(pendingId: try f.string("pendingId"), signedMaxClaimable: try StoredNumber.decimal(f, "signedMaxClaimable"),
                  expiresAt: try StoredNumber.decimal(f, "expiresAt"))
    }
}

/// Readers of the stored decimal strings.
enum StoredNumber {
    static func decimal<T: FixedWidthInteger & UnsignedInteger>(_ f: JSONFields, _ key: String) throws(JSONValueError) -> T {
        let text = try f.string(key)
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = T(text) else {
            throw JSONValueError("\(key): expected a decimal integer of at most \(T.bitWidth) bits")
        }
        return value
    }

    static func uint256(_ f: JSONFields, _ key: String) throws(JSONValueError) -> UInt256 {
        let text = try f.string(key)
        do { return try UInt256(decimal: text) } catch { throw JSONValueError("\(key): \(error)") }
    }

    static func hexBytes(_ f: JSONFields, _ key: String) throws(JSONValueError) -> [UInt8] {
        let text = try f.string(key)
        do { return try Hex.decode(text) } catch { throw JSONValueError("\(key): \(error)") }
    }
}
