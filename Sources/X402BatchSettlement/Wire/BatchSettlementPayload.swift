import X402Core
import X402EVMMechanisms
import X402EVM

/// Why a `PaymentPayload.payload` object is not a batch-settlement payload.
public enum BatchSettlementPayloadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `type` is missing, not a string, or not one of the five payload types.
    case unknownType(String?)
    /// `type` is known but a key the discrimination rules require is absent.
    case missingKeys(type: BatchSettlementPayloadKind, keys: [String])
    /// The keys are there but a value is malformed (bad address, amount, signature hex, …).
    case malformed(type: BatchSettlementPayloadKind, detail: String)
    /// `voucher.channelId` is a string but not canonical `^0x[0-9a-fA-F]{64}$` (protocol.md B.11), e.g. `0X…`.
    case invalidChannelId(type: BatchSettlementPayloadKind, EVMParseError)

    /// The wire error code a verifier reports for this failure.
    public var errorCode: BatchSettlementErrorCode {
        switch self {
        case .invalidChannelId: .channelIdInvalid
        case .unknownType, .missingKeys, .malformed: .payloadType
        }
    }

    public var description: String {
        switch self {
        case .unknownType(let t): "unknown batch-settlement payload type \(t.map { "\"\($0)\"" } ?? "<none>")"
        case .missingKeys(let type, let keys): "\(type.rawValue) payload lacks \(keys.joined(separator: ", "))"
        case .malformed(let type, let detail): "malformed \(type.rawValue) payload: \(detail)"
        case .invalidChannelId(let type, let error): "\(type.rawValue) payload: voucher.channelId is not canonical 0x hex (\(error))"
        }
    }
}

/// The `type` values of batch-settlement payloads.
public enum BatchSettlementPayloadKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// `deposit`, `voucher` and `refund` come from the client; `claim` and `settle` are server-authored
    /// `/settle` payloads (protocol.md B.9.3).
    case deposit, voucher, refund, claim, settle
}

/// Every batch-settlement `payload` object, discriminated as the Python SDK does (protocol.md B.9.2):
/// deposit = `type` + `channelConfig`, `voucher`, `deposit`; voucher = `type` + `channelConfig`, `voucher`;
/// refund = `type` + `channelConfig`, `voucher`, and *enriched* when it also has `refundNonce` and
/// `claims`; claim = `type` + `claims`; settle = `type` + `receiver`, `token`. Unknown keys are ignored.
public enum BatchSettlementPayload: Hashable, Sendable {
    /// Opens or tops up the channel (ERC-3009 or Permit2) and carries the voucher for this request.
    case deposit(DepositPayload)
    /// A voucher for the new cumulative amount; verified, never sent to facilitator `/settle`.
    case voucher(VoucherPayload)
    /// A client's cooperative refund request: a voucher for the charged total and an optional `amount`.
    case refund(RefundPayload)
    /// A refund the server completed with `refundNonce`, `claims` and optional authorizer signatures,
    /// ready for facilitator `/settle`.
    case enrichedRefund(EnrichedRefundPayload)
    /// Server-authored batch of voucher claims, sent on chain with `claimWithSignature`.
    case claim(ClaimPayload)
    /// Server-authored request to pay a receiver's claimed but unsettled funds for one token.
    case settle(SettlePayload)

    /// The payload's `type`.
    public var kind: BatchSettlementPayloadKind {
        switch self {
        case .deposit: .deposit
        case .voucher: .voucher
        case .refund, .enrichedRefund: .refund
        case .claim: .claim
        case .settle: .settle
        }
    }

    /// The channel config of client-signed payloads (deposit, voucher, refund).
    public var channelConfig: ChannelConfig? {
        switch self {
        case .deposit(let p): p.channelConfig
        case .voucher(let p): p.channelConfig
        case .refund(let p): p.channelConfig
        case .enrichedRefund(let p): p.channelConfig
        case .claim, .settle: nil
        }
    }

    /// The voucher of client-signed payloads.
    public var voucher: SignedVoucher? {
        switch self {
        case .deposit(let p): p.voucher
        case .voucher(let p): p.voucher
        case .refund(let p): p.voucher
        case .enrichedRefund(let p): p.voucher
        case .claim, .settle: nil
        }
    }

    /// Discriminates and decodes a payload object.
    public init(json object: JSONObject) throws(BatchSettlementPayloadError) {
        guard case .string(let typeText)? = object["type"] else { throw .unknownType(nil) }
        guard let kind = BatchSettlementPayloadKind(rawValue: typeText) else { throw .unknownType(typeText) }
        func require(_ keys: [String]) throws(BatchSettlementPayloadError) {
            let missing = keys.filter { object[$0] == nil }
            guard missing.isEmpty else { throw .missingKeys(type: kind, keys: missing) }
        }
        let r = FieldReader(object: object, kind: kind)
        if kind == .deposit || kind == .voucher || kind == .refund { try r.checkVoucherChannelId() }
        switch kind {
        case .deposit:
            try require(["channelConfig", "voucher", "deposit"])
            self = .deposit(DepositPayload(channelConfig: try r.read("channelConfig"), voucher: try r.read("voucher"),
                                           deposit: try r.get("deposit")))
        case .voucher:
            try require(["channelConfig", "voucher"])
            self = .voucher(VoucherPayload(channelConfig: try r.read("channelConfig"), voucher: try r.read("voucher")))
        case .refund:
            try require(["channelConfig", "voucher"])
            if object["refundNonce"] != nil && object["claims"] != nil {
                let amount = TokenAmount128(try r.amount("amount"))
                self = .enrichedRefund(EnrichedRefundPayload(
                    channelConfig: try r.read("channelConfig"), voucher: try r.read("voucher"), amount: amount,
                    refundNonce: TokenAmount(try r.amount256("refundNonce")), claims: try r.get("claims"),
                    refundAuthorizerSignature: try r.optional("refundAuthorizerSignature"),
                    claimAuthorizerSignature: try r.optional("claimAuthorizerSignature")))
            } else {
                let amount: String?
                switch object["amount"] {
                case nil, .null?: amount = nil
                case .string(let s)?: amount = s
                case .number(let n)?: amount = n.text
                case let other?: throw .malformed(type: kind, detail: "amount: expected a decimal string, found \(other.kindName)")
                }
                self = .refund(RefundPayload(channelConfig: try r.read("channelConfig"), voucher: try r.read("voucher"), amount: amount))
            }
        case .claim:
            try require(["claims"])
            self = .claim(ClaimPayload(claims: try r.get("claims"), claimAuthorizerSignature: try r.optional("claimAuthorizerSignature")))
        case .settle:
            try require(["receiver", "token"])
            self = .settle(SettlePayload(receiver: try r.get("receiver"), token: try r.get("token")))
        }
    }

    /// Decodes the `payload` of a `PaymentPayload`.
    public init(_ paymentPayload: PaymentPayload) throws(BatchSettlementPayloadError) {
        try self.init(json: paymentPayload.payload)
    }

    /// The wire object, `type` first, other keys in the SDK's order; absent optionals omitted.
    public func jsonObject() -> JSONObject {
        var o: JSONObject = ["type": .string(kind.rawValue)]
        func put(_ key: String, _ value: some Encodable) {
            // The wire types here encode infallibly (no floats, no foreign encoders).
            o[key] = try? X402JSON.encodeValue(value)
        }
        switch self {
        case .deposit(let p):
            put("channelConfig", p.channelConfig)
            put("voucher", p.voucher)
            put("deposit", p.deposit)
        case .voucher(let p):
            put("channelConfig", p.channelConfig)
            put("voucher", p.voucher)
        case .refund(let p):
            put("channelConfig", p.channelConfig)
            put("voucher", p.voucher)
            if let amount = p.amount { o["amount"] = .string(amount) }
        case .enrichedRefund(let p):
            put("channelConfig", p.channelConfig)
            put("voucher", p.voucher)
            o["amount"] = .string(String(p.amount))
            o["refundNonce"] = .string(p.refundNonce.description)
            put("claims", p.claims)
            if let s = p.refundAuthorizerSignature { put("refundAuthorizerSignature", s) }
            if let s = p.claimAuthorizerSignature { put("claimAuthorizerSignature", s) }
        case .claim(let p):
            put("claims", p.claims)
            if let s = p.claimAuthorizerSignature { put("claimAuthorizerSignature", s) }
        case .settle(let p):
            put("receiver", p.receiver)
            put("token", p.token)
        }
        return o
    }

    /// Reads typed fields, mapping failures to ``BatchSettlementPayloadError/malformed(type:detail:)``.
    struct FieldReader {
        let object: JSONObject
        let kind: BatchSettlementPayloadKind

        func get<T: Decodable>(_ key: String) throws(BatchSettlementPayloadError) -> T {
            guard let v = object[key] else { throw .missingKeys(type: kind, keys: [key]) }
            do { return try X402JSON.decode(T.self, from: v) } catch {
                throw .malformed(type: kind, detail: "\(key): \(error)")
            }
        }

        /// Types that read themselves from JSON skip the `Decoder` machinery (the voucher hot path).
        func read<T: JSONValueDecodable>(_ key: String) throws(BatchSettlementPayloadError) -> T {
            guard let v = object[key] else { throw .missingKeys(type: kind, keys: [key]) }
            do { return try T(jsonValue: v) } catch {
                throw .malformed(type: kind, detail: "\(key): \(X402JSONError.invalidShape(error.message))")
            }
        }

        func optional<T: Decodable>(_ key: String) throws(BatchSettlementPayloadError) -> T? {
            guard let v = object[key], v != .null else { return nil }
            do { return try X402JSON.decode(T.self, from: v) } catch {
                throw .malformed(type: kind, detail: "\(key): \(error)")
            }
        }

        /// protocol.md B.11: a `voucher.channelId` string must be canonical (`0X…`, short or long ids are
        /// ``BatchSettlementPayloadError/invalidChannelId(type:_:)``); other shapes are left to decoding.
        func checkVoucherChannelId() throws(BatchSettlementPayloadError) {
            guard case .string(let text)? = object["voucher"]?["channelId"] else { return }
            do { _ = try Bytes32(canonicalHex: text) } catch { throw .invalidChannelId(type: kind, error) }
        }

        func decimalText(_ key: String) throws(BatchSettlementPayloadError) -> String {
            switch object[key] {
            case .string(let s)?: return s
            case .number(let n)? where n.isInteger: return n.text
            case nil: throw .missingKeys(type: kind, keys: [key])
            default: throw .malformed(type: kind, detail: "\(key): expected a decimal string")
            }
        }

        func amount(_ key: String) throws(BatchSettlementPayloadError) -> UInt128 {
            let text = try decimalText(key)
            do { return try UInt128(decimalAmount: text) } catch { throw .malformed(type: kind, detail: "\(key): \(error)") }
        }

        func amount256(_ key: String) throws(BatchSettlementPayloadError) -> UInt256 {
            let text = try decimalText(key)
            do { return try UInt256(decimal: text) } catch { throw .malformed(type: kind, detail: "\(key): \(error)") }
        }
    }
}

extension BatchSettlementPayload: Codable {
    public init(from decoder: any Decoder) throws {
        let object = try JSONObject(from: decoder)
        do {
            try self.init(json: object)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try jsonObject().encode(to: encoder)
    }
}
