/// x402 HTTP header names (protocol.md A.1). HTTP header names are case-insensitive; compare with
/// ``matches(_:_:)`` or look values up with ``value(of:in:)``.
public enum X402Header {
    /// Server → client on a 402: base64 (standard, padded) JSON ``PaymentRequired``.
    public static let paymentRequired = "PAYMENT-REQUIRED"
    /// Client → server on the paid retry: base64 JSON ``PaymentPayload``.
    public static let paymentSignature = "PAYMENT-SIGNATURE"
    /// Server → client after settlement (200, or 402 when it failed): base64 JSON ``SettleResponse``.
    public static let paymentResponse = "PAYMENT-RESPONSE"
    /// Set by a resource handler, stripped by the middleware before the response leaves (B.14).
    public static let settlementOverrides = "Settlement-Overrides"
    /// Optional facilitator → resource server side channel: base64 JSON object keyed by extension id.
    public static let extensionResponses = "EXTENSION-RESPONSES"
    /// v1 legacy names.
    public static let xPayment = "X-PAYMENT"
    /// v1 legacy name of ``paymentResponse``.
    public static let xPaymentResponse = "X-PAYMENT-RESPONSE"

    /// ASCII case-insensitive header-name equality.
    public static func matches(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        return zip(x, y).allSatisfy { lower($0) == lower($1) }
    }

    /// The first value whose name matches `name` case-insensitively.
    public static func value(of name: String, in headers: some Sequence<(String, String)>) -> String? {
        for (k, v) in headers where matches(k, name) { return v }
        return nil
    }

    /// The first value whose name matches `name` case-insensitively.
    public static func value(of name: String, in headers: [String: String]) -> String? {
        if let v = headers[name] { return v }
        return value(of: name, in: headers.lazy.map { ($0.key, $0.value) })
    }

    @inline(__always) static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
}

/// Why an x402 header value was rejected.
public enum HeaderCodecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The value is empty (after trimming spaces/tabs).
    case empty
    /// The value is longer than the limit (``HeaderCodec/maxEncodedLength`` by default).
    case tooLarge(length: Int, limit: Int)
    /// Not strict padded standard base64.
    case invalidBase64(Base64Error)
    /// The decoded bytes are not UTF-8.
    case invalidUTF8
    /// The decoded text is not well-formed JSON.
    case malformedJSON(JSONParseError)
    /// Well-formed JSON that does not have the expected shape.
    case invalidShape(String)
    /// `x402Version` other than 2 (v1 payloads use other shapes).
    case unsupportedVersion(Int)

    public var description: String {
        switch self {
        case .empty: "empty header value"
        case .tooLarge(let length, let limit): "header value of \(length) bytes exceeds the \(limit)-byte limit"
        case .invalidBase64(let e): "invalid base64: \(e)"
        case .invalidUTF8: "decoded header is not UTF-8"
        case .malformedJSON(let e): "malformed JSON: \(e)"
        case .invalidShape(let s): "unexpected JSON shape: \(s)"
        case .unsupportedVersion(let v): "unsupported x402Version \(v)"
        }
    }
}

/// Encodes and decodes the base64(JSON) header values of protocol.md A.1.
///
/// Encoding writes compact JSON in the SDK's key order, so a payload built here is byte-identical to the
/// Python client's. Decoding accepts only strict padded standard base64 of at most ``maxEncodedLength``
/// bytes, surrounded by optional spaces/tabs.
public enum HeaderCodec {
    /// Default limit on the encoded header length: 64 KiB. Real payloads are 1–4 KiB; common HTTP
    /// servers cap a whole header block at 8–64 KiB, so anything larger is not a real x402 header.
    public static let maxEncodedLength = 64 * 1024

    /// `base64(compact JSON of value)`.
    public static func encode<T: Encodable>(_ value: T) throws(EncodingError) -> String {
        Base64.encode(try X402JSON.encode(value))
    }

    /// Decodes a header value into `T`.
    public static func decode<T: Decodable>(_ type: T.Type, from header: String,
                                            maxLength: Int = maxEncodedLength) throws(HeaderCodecError) -> T {
        try decode(type, from: try decodeJSON(header, maxLength: maxLength))
    }

    /// Decodes a header value to its JSON value (base64 → UTF-8 → JSON).
    public static func decodeJSON(_ header: String, maxLength: Int = maxEncodedLength) throws(HeaderCodecError) -> JSONValue {
        let bytes = try decodedBytes(header, maxLength: maxLength)
        // Python decodes with UTF-8 before parsing; reject invalid UTF-8 anywhere, not only inside strings.
        guard bytes.withUnsafeBufferPointer({ JSONParser.isValidUTF8($0) }) else { throw .invalidUTF8 }
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw .malformedJSON(error)
        }
    }

    /// The bytes a header value carries: trimmed of spaces and tabs, at most `maxLength` long, strict base64.
    static func decodedBytes(_ header: String, maxLength: Int = maxEncodedLength) throws(HeaderCodecError) -> [UInt8] {
        var header = header
        return try header.withUTF8 { (raw: UnsafeBufferPointer<UInt8>) -> Result<[UInt8], HeaderCodecError> in
            var lo = 0, hi = raw.count
            while lo < hi, raw[lo] == 0x20 || raw[lo] == 0x09 { lo += 1 }
            while hi > lo, raw[hi - 1] == 0x20 || raw[hi - 1] == 0x09 { hi -= 1 }
            guard hi > lo else { return .failure(.empty) }
            guard hi - lo <= maxLength else { return .failure(.tooLarge(length: hi - lo, limit: maxLength)) }
            return Base64.decodeResult(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: raw[lo..<hi]))).mapError { .invalidBase64($0) }
        }.get()
    }

    static func decode<T: Decodable>(_ type: T.Type, from json: JSONValue) throws(HeaderCodecError) -> T {
        do {
            return try X402JSON.decode(type, from: json)
        } catch {
            switch error {
            case .malformed(let e): throw .malformedJSON(e)
            case .invalidShape(let s): throw .invalidShape(s)
            }
        }
    }

    static func checkVersion(_ json: JSONValue) throws(HeaderCodecError) {
        // Python treats a missing version as 2.
        guard case .object(let o) = json, let v = o["x402Version"] else { return }
        guard case .number(let n) = v, let version = n.int64.flatMap({ Int(exactly: $0) }) else {
            throw .invalidShape("x402Version: expected an integer")
        }
        guard version == 2 else { throw .unsupportedVersion(version) }
    }

    /// Encodes a `PAYMENT-REQUIRED` value.
    public static func encodePaymentRequired(_ value: PaymentRequired) throws(EncodingError) -> String { try encode(value) }

    /// Decodes a `PAYMENT-REQUIRED` value; only v2 is accepted.
    public static func decodePaymentRequired(_ header: String) throws(HeaderCodecError) -> PaymentRequired {
        let json = try decodeJSON(header)
        try checkVersion(json)
        return try decode(PaymentRequired.self, from: json)
    }

    /// Encodes a `PAYMENT-SIGNATURE` value.
    public static func encodePaymentSignature(_ value: PaymentPayload) throws(EncodingError) -> String { try encode(value) }

    /// Decodes a `PAYMENT-SIGNATURE` value; only v2 is accepted.
    public static func decodePaymentSignature(_ header: String) throws(HeaderCodecError) -> PaymentPayload {
        let json = try decodeJSON(header)
        try checkVersion(json)
        // Straight through the payload's JSON reader (the seller's per-request path), same errors as decode.
        do { return try PaymentPayload(jsonValue: json) } catch { throw .invalidShape(error.message) }
    }

    /// Encodes a `PAYMENT-RESPONSE` value (compact; Python adds spaces, which parsers ignore).
    public static func encodePaymentResponse(_ value: SettleResponse) throws(EncodingError) -> String {
        Base64.encode(JSONSerializer.serialize(value.jsonValue))
    }

    /// Decodes a `PAYMENT-RESPONSE` value.
    public static func decodePaymentResponse(_ header: String) throws(HeaderCodecError) -> SettleResponse {
        try decode(SettleResponse.self, from: header)
    }
}
