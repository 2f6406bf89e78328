/// Facilitator `/verify` result (protocol.md A.6).
public struct VerifyResponse: Codable, Equatable, Sendable {
    /// Whether the facilitator accepts the payment; when false, ``invalidReason`` says why.
    public var isValid: Bool
    /// Error code when invalid (a plain string on the wire).
    public var invalidReason: ErrorReason?
    /// Human-readable detail for ``invalidReason`` (an SDK addition to the spec).
    public var invalidMessage: String?
    /// Address of the paying wallet as the facilitator read it from the payload.
    public var payer: String?
    /// Extension data by extension key (carried by the Python SDK, not in the core spec).
    public var extensions: JSONObject?
    /// Scheme data; batch-settlement puts the channel snapshot here.
    public var extra: JSONObject?

    /// Creates a `/verify` result; nil fields are omitted from the JSON.
    public init(isValid: Bool, invalidReason: ErrorReason? = nil, invalidMessage: String? = nil, payer: String? = nil,
                extensions: JSONObject? = nil, extra: JSONObject? = nil) {
        self.isValid = isValid
        self.invalidReason = invalidReason
        self.invalidMessage = invalidMessage
        self.payer = payer
        self.extensions = extensions
        self.extra = extra
    }
}

/// Facilitator `/settle` result, also the `PAYMENT-RESPONSE` header content (protocol.md A.6, B.13).
public struct SettleResponse: Codable, Equatable, Sendable {
    /// Whether the payment settled (batch-settlement voucher: was charged); when false, ``errorReason`` says why.
    public var success: Bool
    /// Error code when unsuccessful (a plain string on the wire).
    public var errorReason: ErrorReason?
    /// Human-readable detail for ``errorReason``.
    public var errorMessage: String?
    /// Address of the paying wallet; absent from batch-settlement `claim` and `settle` results.
    public var payer: String?
    /// Transaction hash, or `""` (voucher-only charges, failures).
    public var transaction: String
    /// CAIP-2 network the settlement is on (required on the wire).
    public var network: Network
    /// Atomic amount, `""` for voucher-only charges.
    public var amount: String?
    /// Extension data by extension key (carried by the Python SDK, not in the core spec).
    public var extensions: JSONObject?
    /// Scheme data; batch-settlement puts `channelState` and `chargedAmount` here (protocol.md B.13).
    public var extra: JSONObject?

    /// Creates a `/settle` result; nil fields are omitted from the JSON, `transaction` never is.
    public init(success: Bool, errorReason: ErrorReason? = nil, errorMessage: String? = nil, payer: String? = nil,
                transaction: String = "", network: Network, amount: String? = nil,
                extensions: JSONObject? = nil, extra: JSONObject? = nil) {
        self.success = success
        self.errorReason = errorReason
        self.errorMessage = errorMessage
        self.payer = payer
        self.transaction = transaction
        self.network = network
        self.amount = amount
        self.extensions = extensions
        self.extra = extra
    }

    /// The response as JSON, exactly as `encode(to:)` writes it (nil fields left out), built directly: a seller
    /// sends one in every `PAYMENT-RESPONSE`.
    public var jsonValue: JSONValue {
        var object = JSONObject(minimumCapacity: 9)
        object["success"] = .bool(success)
        if let errorReason { object["errorReason"] = .string(errorReason.rawValue) }
        if let errorMessage { object["errorMessage"] = .string(errorMessage) }
        if let payer { object["payer"] = .string(payer) }
        object["transaction"] = .string(transaction)
        object["network"] = .string(network.rawValue)
        if let amount { object["amount"] = .string(amount) }
        if let extensions { object["extensions"] = .object(extensions) }
        if let extra { object["extra"] = .object(extra) }
        return .object(object)
    }
}

/// One payment kind a facilitator supports.
public struct SupportedKind: Codable, Equatable, Sendable {
    /// Protocol version this kind is offered for.
    public var x402Version: Int
    /// Scheme id, e.g. `exact` or `batch-settlement`.
    public var scheme: String
    /// CAIP-2 network id, e.g. `eip155:84532`.
    public var network: Network
    /// Omitted when empty (batch-settlement: `receiverAuthorizer`).
    public var extra: JSONObject?

    /// Creates a kind, by default for the current x402 version.
    public init(x402Version: Int = X402Core.x402Version, scheme: String, network: Network, extra: JSONObject? = nil) {
        self.x402Version = x402Version
        self.scheme = scheme
        self.network = network
        self.extra = extra
    }
}

/// Facilitator `GET /supported` answer (protocol.md A.7).
public struct SupportedResponse: Codable, Equatable, Sendable {
    /// Every scheme and network pair the facilitator verifies and settles.
    public var kinds: [SupportedKind]
    /// Extension ids; absent decodes as `[]`.
    public var extensions: [String]
    /// CAIP family pattern (`"eip155:*"`) → relay addresses; absent decodes as `[:]`.
    public var signers: [String: [String]]

    /// Creates an answer; `extensions` and `signers` are always encoded, as `[]`/`{}` when empty.
    public init(kinds: [SupportedKind], extensions: [String] = [], signers: [String: [String]] = [:]) {
        self.kinds = kinds
        self.extensions = extensions
        self.signers = signers
    }

    enum CodingKeys: String, CodingKey { case kinds, extensions, signers }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kinds = try c.decode([SupportedKind].self, forKey: .kinds)
        extensions = try c.decodeIfPresent([String].self, forKey: .extensions) ?? []
        signers = try c.decodeIfPresent([String: [String]].self, forKey: .signers) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kinds, forKey: .kinds)
        try c.encode(extensions, forKey: .extensions)
        // Sorted so the output is deterministic.
        var s = c.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .signers)
        for key in signers.keys.sorted() { try s.encode(signers[key]!, forKey: AnyCodingKey(key)) }
    }

    /// The kind for `scheme` on `network`, if advertised.
    public func kind(scheme: String, network: Network) -> SupportedKind? {
        kinds.first { $0.scheme == scheme && $0.network == network }
    }
}

/// Body of facilitator `POST /verify` and `POST /settle`.
public struct FacilitatorRequest: Codable, Equatable, Sendable {
    /// The payload's protocol version.
    public var x402Version: Int
    /// The payment: the client's `PAYMENT-SIGNATURE` payload, or a server-authored one
    /// (batch-settlement claim, settle, enriched refund; protocol.md B.9.3).
    public var paymentPayload: PaymentPayload
    /// The server's matching requirement.
    public var paymentRequirements: PaymentRequirements

    /// Creates a request; `x402Version` is taken from the payload.
    public init(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements) {
        self.x402Version = paymentPayload.x402Version
        self.paymentPayload = paymentPayload
        self.paymentRequirements = paymentRequirements
    }
}

extension VerifyResponse {
    /// An invalid result with `reason` and an optional human-readable `message`.
    public static func invalid(_ reason: ErrorReason, message: String? = nil, payer: String? = nil) -> VerifyResponse {
        VerifyResponse(isValid: false, invalidReason: reason, invalidMessage: message, payer: payer)
    }
}

extension SettleResponse {
    /// A failed settlement on `network` with `reason`, an optional message and an empty transaction.
    public static func failure(_ reason: ErrorReason, message: String? = nil, network: Network,
                               transaction: String = "", payer: String? = nil) -> SettleResponse {
        SettleResponse(success: false, errorReason: reason, errorMessage: message, payer: payer,
                       transaction: transaction, network: network)
    }
}
