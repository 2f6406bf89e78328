/// The x402 protocol version this package speaks.
public let x402Version = 2

/// Describes the protected resource (protocol.md A.3). Absent optionals are omitted on encode.
public struct ResourceInfo: Codable, JSONValueDecodable, Hashable, Sendable {
    /// URL of the protected resource (required).
    public var url: String
    /// Human description of the resource; the Python server sends `""` when unset.
    public var description: String?
    /// MIME type of the resource's response; the Python server sends `""` when unset.
    public var mimeType: String?
    /// Bazaar metadata (Python SDK only).
    public var serviceName: String?
    /// Bazaar discovery tags (Python SDK only).
    public var tags: [String]?
    /// Bazaar icon URL (Python SDK only).
    public var iconUrl: String?

    /// Creates resource info; `nil` fields are omitted on the wire.
    public init(url: String, description: String? = nil, mimeType: String? = nil,
                serviceName: String? = nil, tags: [String]? = nil, iconUrl: String? = nil) {
        self.url = url
        self.description = description
        self.mimeType = mimeType
        self.serviceName = serviceName
        self.tags = tags
        self.iconUrl = iconUrl
    }

    /// Reads the resource; unknown keys are ignored.
    public init(jsonValue: JSONValue) throws(JSONValueError) {
        let f = try JSONFields(jsonValue, "a resource")
        url = try f.string("url")
        description = try f.optionalString("description")
        mimeType = try f.optionalString("mimeType")
        serviceName = try f.optionalString("serviceName")
        iconUrl = try f.optionalString("iconUrl")
        if let v = f.object["tags"], v != .null {
            guard case .array(let items) = v else { throw JSONValueError("tags: expected an array, found \(v.kindName)") }
            var tags: [String] = []
            for item in items {
                guard case .string(let t) = item else { throw JSONValueError("tags: expected strings, found \(item.kindName)") }
                tags.append(t)
            }
            self.tags = tags
        } else {
            tags = nil
        }
    }

    public init(from decoder: any Decoder) throws { self = try Self.decodeValue(from: decoder) }
}

/// One way to pay for a resource (protocol.md A.4). `amount` is atomic units as decimal text.
public struct PaymentRequirements: Codable, JSONValueDecodable, Equatable, Sendable {
    /// Payment scheme id, e.g. `"batch-settlement"`.
    public var scheme: String
    /// CAIP-2 chain id, e.g. `eip155:84532`.
    public var network: Network
    /// Token contract address (`0x` hex), compared byte-for-byte with the client's echo.
    public var asset: String
    /// Atomic token units as a decimal string; for batch-settlement the per-request maximum.
    public var amount: String
    /// Receiver address; for batch-settlement it becomes `ChannelConfig.receiver`.
    public var payTo: String
    /// JSON number of seconds a payment may take (300 by default); clients size signature validity from it.
    public var maxTimeoutSeconds: Int
    /// Scheme-specific data; unknown keys are kept. An absent `extra` decodes as `{}`.
    public var extra: JSONObject

    /// Creates a requirement; `maxTimeoutSeconds` defaults to 300, as on the Python server.
    public init(scheme: String, network: Network, asset: String, amount: String, payTo: String,
                maxTimeoutSeconds: Int = 300, extra: JSONObject = JSONObject()) {
        self.scheme = scheme
        self.network = network
        self.asset = asset
        self.amount = amount
        self.payTo = payTo
        self.maxTimeoutSeconds = maxTimeoutSeconds
        self.extra = extra
    }

    enum CodingKeys: String, CodingKey { case scheme, network, asset, amount, payTo, maxTimeoutSeconds, extra }

    // Read straight from the parsed JSON (the seller's hot path); every decoder goes through this one reader.
    public init(from decoder: any Decoder) throws { self = try Self.decodeValue(from: decoder) }

    /// Reads the requirement; an absent `extra` is `{}`.
    public init(jsonValue: JSONValue) throws(JSONValueError) {
        let f = try JSONFields(jsonValue, "a payment requirements")
        scheme = try f.string("scheme")
        network = try f.required("network")
        asset = try f.string("asset")
        amount = try f.string("amount")
        payTo = try f.string("payTo")
        maxTimeoutSeconds = try f.int("maxTimeoutSeconds")
        extra = try f.optionalObject("extra") ?? JSONObject()
    }

    /// True when `accepted` (a client's echo) matches this server requirement under the x402 rule:
    /// the six scalar fields exactly equal, and every key/value of this `extra` present (recursively)
    /// in `accepted.extra`, which may carry additional keys.
    public func isMatched(by accepted: PaymentRequirements) -> Bool {
        // Exact text equality (byte-wise, as the SDKs compare), never Unicode canonical equivalence.
        scheme.utf8Equals(accepted.scheme) && network == accepted.network && amount.utf8Equals(accepted.amount)
            && asset.utf8Equals(accepted.asset) && payTo.utf8Equals(accepted.payTo)
            && maxTimeoutSeconds == accepted.maxTimeoutSeconds
            && JSONValue.object(accepted.extra).contains(.object(extra))
    }
}

/// Content of the `PAYMENT-REQUIRED` header (protocol.md A.3).
public struct PaymentRequired: Codable, Equatable, Sendable {
    /// Protocol version, a JSON number (2; assumed when absent).
    public var x402Version: Int
    /// Human text (`"Payment required"`) or, after a failed verification, exactly the error code.
    public var error: String?
    /// The protected resource; clients copy it into their ``PaymentPayload``.
    public var resource: ResourceInfo?
    /// The acceptable ways to pay (at least one).
    public var accepts: [PaymentRequirements]
    /// Extension offers keyed by id (`{"info": …, "schema": …}`); clients must echo them in their payload.
    public var extensions: JSONObject?

    /// Creates a `PAYMENT-REQUIRED` body for the current protocol version.
    public init(x402Version: Int = X402Core.x402Version, error: String? = nil, resource: ResourceInfo? = nil,
                accepts: [PaymentRequirements], extensions: JSONObject? = nil) {
        self.x402Version = x402Version
        self.error = error
        self.resource = resource
        self.accepts = accepts
        self.extensions = extensions
    }

    enum CodingKeys: String, CodingKey { case x402Version, error, resource, accepts, extensions }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        x402Version = try c.decodeIfPresent(Int.self, forKey: .x402Version) ?? X402Core.x402Version
        error = try c.decodeIfPresent(String.self, forKey: .error)
        resource = try c.decodeIfPresent(ResourceInfo.self, forKey: .resource)
        accepts = try c.decode([PaymentRequirements].self, forKey: .accepts)
        extensions = try c.decodeIfPresent(JSONObject.self, forKey: .extensions)
    }
}

/// Content of the `PAYMENT-SIGNATURE` header (protocol.md A.5). Encodes in the SDK's field order.
public struct PaymentPayload: Codable, JSONValueDecodable, Equatable, Sendable {
    /// Protocol version, a JSON number (2; assumed when absent).
    public var x402Version: Int
    /// Scheme-specific payload (for batch-settlement see `BatchSettlementPayload`).
    public var payload: JSONObject
    /// The requirement the client chose, copied verbatim.
    public var accepted: PaymentRequirements
    /// Copied by the client from the ``PaymentRequired`` it answers; optional.
    public var resource: ResourceInfo?
    /// The server's extension offers echoed back, possibly with client data added (e.g. `eip2612GasSponsoring`).
    public var extensions: JSONObject?

    /// Creates a `PAYMENT-SIGNATURE` body for the current protocol version.
    public init(x402Version: Int = X402Core.x402Version, payload: JSONObject, accepted: PaymentRequirements,
                resource: ResourceInfo? = nil, extensions: JSONObject? = nil) {
        self.x402Version = x402Version
        self.payload = payload
        self.accepted = accepted
        self.resource = resource
        self.extensions = extensions
    }

    enum CodingKeys: String, CodingKey { case x402Version, payload, accepted, resource, extensions }

    // Read straight from the parsed JSON (the seller's hot path); every decoder goes through this one reader.
    public init(from decoder: any Decoder) throws { self = try Self.decodeValue(from: decoder) }

    /// Reads the payload; an absent `x402Version` is 2 (as the Python SDK reads it).
    public init(jsonValue: JSONValue) throws(JSONValueError) {
        let f = try JSONFields(jsonValue, "a payment payload")
        x402Version = f.object["x402Version"] == nil ? X402Core.x402Version : try f.int("x402Version")
        payload = try f.requiredObject("payload")
        accepted = try f.required("accepted")
        resource = try f.optional("resource")
        extensions = try f.optionalObject("extensions")
    }
}

/// An explicit price: atomic `amount` of `asset`, with scheme `extra` (e.g. the token's EIP-712 domain).
public struct AssetAmount: Codable, Equatable, Sendable {
    /// Atomic token units as a decimal string (`"10000"` is $0.01 of a 6-decimal USDC).
    public var amount: String
    /// Token contract address (`0x` hex).
    public var asset: String
    /// Scheme data for the requirement's `extra` (e.g. the token's EIP-712 `name`, `version`); `nil` for none.
    public var extra: JSONObject?

    /// Creates an explicit price; `amount` must already be in atomic units.
    public init(amount: String, asset: String, extra: JSONObject? = nil) {
        self.amount = amount
        self.asset = asset
        self.extra = extra
    }
}
