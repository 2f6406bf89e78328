import X402BatchSettlement
import X402EVM
import X402JSON

/// The buyer's local state of one channel (protocol.md B.15.1), keyed by the lowercase channel id.
///
/// Amounts are exact `UInt128`; the JSON form writes them as decimal strings.
public struct ClientChannelRecord: Sendable, Hashable {
    /// The channel.
    public var channelId: Bytes32
    /// The seller's charged cumulative total as this client accepted it (next voucher: this + price).
    public var chargedCumulativeAmount: UInt128
    /// The client's view of the escrowed balance (its deposits minus its refunds, or the chain's after recovery);
    /// `nil` when unknown (a deposit is then made).
    public var balance: UInt128?
    /// The on-chain `totalClaimed` last read, when known.
    public var totalClaimed: UInt128?
    /// The ceiling of the latest voucher this client signed (or adopted from a verified corrective 402).
    public var signedMaxClaimable: UInt128?
    /// That voucher's signature (`0x` hex).
    public var signature: String?
    /// The sum of deposit amounts this client signed for the channel (checked against
    /// ``SpendingLimits/maxDepositPerChannel``).
    public var depositsAuthorized: UInt128
    /// Set when the seller misbehaved: no further vouchers or deposits are signed for this channel.
    public var distrust: ChannelDistrust?
    /// The channel's config (what a payer needs to withdraw on chain without the seller).
    public var config: ChannelConfig?
    /// The CAIP-2 network of the channel.
    public var network: String?

    /// A record from its fields.
    public init(channelId: Bytes32, chargedCumulativeAmount: UInt128 = 0, balance: UInt128? = nil, totalClaimed: UInt128? = nil,
                signedMaxClaimable: UInt128? = nil, signature: String? = nil, depositsAuthorized: UInt128 = 0,
                distrust: ChannelDistrust? = nil, config: ChannelConfig? = nil, network: String? = nil) {
        self.config = config
        self.network = network
        self.channelId = channelId
        self.chargedCumulativeAmount = chargedCumulativeAmount
        self.balance = balance
        self.totalClaimed = totalClaimed
        self.signedMaxClaimable = signedMaxClaimable
        self.signature = signature
        self.depositsAuthorized = depositsAuthorized
        self.distrust = distrust
    }

    /// The storage key: the channel id as lowercase `0x` hex.
    public var key: String { Self.key(channelId) }

    /// The storage key of `channelId` (lowercase `0x` hex).
    public static func key(_ channelId: Bytes32) -> String { channelId.hex.lowercased() }

    /// The record as a JSON object (amounts as decimal strings, absent optionals omitted).
    public var jsonValue: JSONValue {
        var pairs: [JSONObject.Element] = [
            ("channelId", .string(key)),
            ("chargedCumulativeAmount", .string(String(chargedCumulativeAmount))),
        ]
        if let balance { pairs.append(("balance", .string(String(balance)))) }
        if let totalClaimed { pairs.append(("totalClaimed", .string(String(totalClaimed)))) }
        if let signedMaxClaimable { pairs.append(("signedMaxClaimable", .string(String(signedMaxClaimable)))) }
        if let signature { pairs.append(("signature", .string(signature))) }
        pairs.append(("depositsAuthorized", .string(String(depositsAuthorized))))
        if let distrust {
            pairs.append(("distrust", .object(["kind": .string(distrust.kind.rawValue), "detail": .string(distrust.detail)])))
        }
        if let config { pairs.append(("channelConfig", config.jsonValue)) }
        if let network { pairs.append(("network", .string(network))) }
        return .object(JSONObject(pairs))
    }

    /// Reads the JSON form written by ``jsonValue``.
    public init(jsonValue: JSONValue) throws(JSONValueError) {
        let f = try JSONFields(jsonValue, "a client channel record")
        channelId = try f.required("channelId")
        func amount(_ key: String) throws(JSONValueError) -> UInt128? {
            guard let text = try f.optionalString(key) else { return nil }
            guard let value = Amounts.digits(text) else { throw JSONValueError("\(key): not a uint128 decimal") }
            return value
        }
        chargedCumulativeAmount = try amount("chargedCumulativeAmount") ?? 0
        balance = try amount("balance")
        totalClaimed = try amount("totalClaimed")
        signedMaxClaimable = try amount("signedMaxClaimable")
        signature = try f.optionalString("signature")
        depositsAuthorized = try amount("depositsAuthorized") ?? 0
        if let d = try f.optionalObject("distrust") {
            let df = try JSONFields(.object(d), "a distrust record")
            guard let kind = ChannelDistrust.Kind(rawValue: try df.string("kind")) else { throw JSONValueError("distrust.kind: unknown") }
            distrust = ChannelDistrust(kind: kind, detail: try df.string("detail"))
        } else {
            distrust = nil
        }
        if let c = try f.optionalObject("channelConfig") { config = try ChannelConfig(jsonValue: .object(c)) } else { config = nil }
        network = try f.optionalString("network")
    }
}

/// Exact amount helpers.
enum Amounts {
    /// `text` when it is `^[0-9]+$` and fits `UInt128`.
    static func digits(_ text: some StringProtocol) -> UInt128? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt128(text)
    }

    static func add(_ a: UInt128, _ b: UInt128) throws(BatchSettlementClientError) -> UInt128 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw .amountOverflow }
        return sum
    }

    static func multiply(_ a: UInt128, _ b: UInt128) throws(BatchSettlementClientError) -> UInt128 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw .amountOverflow }
        return product
    }
}
