import X402Core
import X402EVM
import X402EVMMechanisms

/// Why an `exact` payload could not be read.
public struct ExactPayloadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field that failed (`authorization.value`, `signature`, ...).
    public var field: String
    /// What is wrong with it.
    public var problem: String

    /// An error about `field`.
    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    /// The code sent for a malformed payload: `invalid_payload`.
    public var reason: ErrorReason { .invalidPayload }

    /// `field: problem`.
    public var description: String { "\(field): \(problem)" }
}

/// The `exact` EVM payload (`PaymentPayload.payload`): `{"signature": "0x…", "authorization": {from, to, value,
/// validAfter, validBefore, nonce}}`, amounts and times as decimal strings, the nonce as `0x` + 64 hex digits.
public struct ExactPayload: Sendable, Hashable {
    /// The signed ERC-3009 `TransferWithAuthorization` fields.
    public var authorization: TransferWithAuthorization
    /// The payer's signature: 65-byte ECDSA `r ‖ s ‖ v`, or a smart wallet's bytes. Empty when absent.
    public var signature: [UInt8]

    /// A payload from its parts.
    public init(authorization: TransferWithAuthorization, signature: [UInt8]) {
        self.authorization = authorization
        self.signature = signature
    }

    /// Reads the scheme payload of a `PaymentPayload`. An absent or `null` signature reads as empty (the
    /// facilitator then answers `invalid_exact_evm_payload_signature`, as the SDK does).
    public init(_ payload: JSONObject) throws(ExactPayloadError) {
        guard case .object(let auth)? = payload["authorization"] else {
            throw ExactPayloadError(field: "authorization", problem: "expected an object")
        }
        func text(_ key: String) throws(ExactPayloadError) -> String {
            guard case .string(let s)? = auth[key] else {
                throw ExactPayloadError(field: "authorization.\(key)", problem: "expected a string")
            }
            return s
        }
        func address(_ key: String) throws(ExactPayloadError) -> Address {
            do { return try Address(hex: try text(key)) } catch let e as ExactPayloadError { throw e } catch {
                throw ExactPayloadError(field: "authorization.\(key)", problem: "not an address: \(error)")
            }
        }
        func amount(_ key: String) throws(ExactPayloadError) -> UInt256 {
            guard let value = TokenAmount(decimal: try text(key)) else {
                throw ExactPayloadError(field: "authorization.\(key)", problem: "not a uint256 decimal string")
            }
            return value.value
        }
        let nonce: Bytes32
        do { nonce = try Bytes32(hex: try text("nonce")) } catch let e as ExactPayloadError { throw e } catch {
            throw ExactPayloadError(field: "authorization.nonce", problem: "not 32 bytes of 0x hex: \(error)")
        }
        authorization = TransferWithAuthorization(from: try address("from"), to: try address("to"), value: try amount("value"),
                                                  validAfter: try amount("validAfter"), validBefore: try amount("validBefore"),
                                                  nonce: nonce)
        signature = try Self.signature(in: payload)
    }

    /// `payload.signature` as bytes: empty when absent or `null`, else `0x` hex (both `exact` payload kinds).
    static func signature(in payload: JSONObject) throws(ExactPayloadError) -> [UInt8] {
        switch payload["signature"] {
        case nil, .null?:
            return []
        case .string(let hex)?:
            do { return try Hex.decode(hex) } catch {
                throw ExactPayloadError(field: "signature", problem: "not 0x hex: \(error)")
            }
        default:
            throw ExactPayloadError(field: "signature", problem: "expected a string")
        }
    }

    /// The payload as the SDK writes it: addresses EIP-55, amounts decimal, nonce and signature lowercase hex; the
    /// signature is left out when empty.
    public var jsonObject: JSONObject {
        let a = authorization
        var object: JSONObject = [
            "authorization": [
                "from": .string(a.from.checksummed), "to": .string(a.to.checksummed), "value": .string(a.value.description),
                "validAfter": .string(a.validAfter.description), "validBefore": .string(a.validBefore.description),
                "nonce": .string(a.nonce.hex),
            ],
        ]
        if !signature.isEmpty { object["signature"] = .string(Hex.encode(signature)) }
        return object
    }
}
