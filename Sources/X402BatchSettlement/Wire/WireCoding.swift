import X402Core
import X402EVMMechanisms
import X402EVM

/// Raw bytes written as `0x` hex: signatures (65-byte ECDSA, ERC-1271 or ERC-6492 blobs) kept verbatim.
public struct HexBytes: Hashable, Sendable, Codable, JSONValueDecodable, CustomStringConvertible {
    /// The raw bytes.
    public var bytes: [UInt8]

    /// Wraps raw bytes.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// `0x`-prefixed hex of any case.
    public init(hex: String) throws(EVMParseError) { bytes = try Hex.decode(hex) }

    /// Lowercase `0x` hex, as the SDK writes it.
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    // Hand-written: a single `0x` hex string, not a byte array.
    public init(from decoder: any Decoder) throws { self = try Self.decodeValue(from: decoder) }

    /// Reads `0x` hex of any length.
    public init(jsonValue: JSONValue) throws(JSONValueError) {
        let text = try jsonValue.requireString("0x-prefixed hex bytes")
        do { bytes = try Hex.decode(text) } catch { throw JSONValueError("invalid hex bytes: \(error)") }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex)
    }
}

extension KeyedDecodingContainer {
    /// A decimal string, or a JSON integer given as a number, returned as text (`extra.minDeposit`, kept raw).
    func decodeDecimalText(forKey key: Key) throws -> String {
        switch try decode(JSONValue.self, forKey: key) {
        case .string(let s): return s
        case .number(let n) where n.isInteger: return n.text
        default:
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "expected a decimal string")
        }
    }

    /// A `bytes32` id or salt: canonical `0x` + 64 hex digits only (protocol.md B.11; `0X…` is rejected).
    func decodeCanonicalBytes32(forKey key: Key) throws -> Bytes32 {
        let text = try decode(String.self, forKey: key)
        do { return try Bytes32(canonicalHex: text) } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not canonical 0x bytes32 hex: \(error)")
        }
    }

    /// A JSON integer, or (leniently) a decimal string, as `UInt64` (`channelState.withdrawRequestedAt`).
    func decodeLenientUInt64(forKey key: Key) throws -> UInt64 {
        let text: String
        switch try decode(JSONValue.self, forKey: key) {
        case .number(let n) where n.isInteger: text = n.text
        case .string(let s): text = s
        default: text = ""
        }
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let v = UInt64(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "expected a non-negative integer")
        }
        return v
    }
}
