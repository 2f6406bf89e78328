import X402Core
import X402EVM
import X402EVMMechanisms

extension Exact {
    /// Uniswap Permit2, at its canonical address on every chain.
    public static let permit2Address = try! Address(hex: "0x000000000022D473030F116dDEE9F6B43aC78BA3")
    /// `x402ExactPermit2Proxy`: the only spender an `exact` Permit2 payment may name; it sends the permitted amount to
    /// the witness's `to` and nowhere else.
    public static let permit2ProxyAddress = try! Address(hex: "0x402085c248EeA27D92E8b30b2C58ed07f9E20001")
    /// `extra.assetTransferMethod` of a requirement paid through Permit2.
    public static let permit2TransferMethod = "permit2"
}

/// A Permit2 `PermitWitnessTransferFrom` with the `exact` witness `Witness(address to, uint256 validAfter)`, signed on
/// Permit2's version-less domain (Python SDK `ExactPermit2Authorization`).
public struct ExactPermit2Authorization: Sendable, Hashable {
    /// The payer (the token owner).
    public var from: Address
    /// `permitted.token`.
    public var token: Address
    /// `permitted.amount`.
    public var amount: UInt256
    /// Who may execute the transfer: ``Exact/permit2ProxyAddress``.
    public var spender: Address
    /// Permit2's unordered nonce (random; a decimal string on the wire).
    public var nonce: UInt256
    /// Unix seconds after which Permit2 refuses the signature.
    public var deadline: UInt256
    /// `witness.to`: the only destination the proxy sends to.
    public var to: Address
    /// `witness.validAfter`: unix seconds before which the proxy refuses to settle.
    public var validAfter: UInt256

    /// An authorization from its fields.
    public init(from: Address, token: Address, amount: UInt256, spender: Address = Exact.permit2ProxyAddress, nonce: UInt256,
                deadline: UInt256, to: Address, validAfter: UInt256 = .zero) {
        self.from = from
        self.token = token
        self.amount = amount
        self.spender = spender
        self.nonce = nonce
        self.deadline = deadline
        self.to = to
        self.validAfter = validAfter
    }

    /// The permit as typed data on `chainId` (Permit2 at its canonical address).
    public func typedData(chainId: UInt64) -> EIP712TypedData {
        let types: [String: [EIP712Field]] = [
            "PermitWitnessTransferFrom": [
                .init(name: "permitted", type: "TokenPermissions"), .init(name: "spender", type: "address"),
                .init(name: "nonce", type: "uint256"), .init(name: "deadline", type: "uint256"),
                .init(name: "witness", type: "Witness"),
            ],
            "TokenPermissions": [.init(name: "token", type: "address"), .init(name: "amount", type: "uint256")],
            "Witness": [.init(name: "to", type: "address"), .init(name: "validAfter", type: "uint256")],
        ]
        let message: EIP712Value = [
            "permitted": ["token": .address(token), "amount": .uint(amount)], "spender": .address(spender),
            "nonce": .uint(nonce), "deadline": .uint(deadline), "witness": ["to": .address(to), "validAfter": .uint(validAfter)],
        ]
        let domain = EIP712Domain(name: "Permit2", chainId: UInt256(chainId), verifyingContract: Exact.permit2Address)
        // Constant, valid declarations: construction cannot fail.
        return try! EIP712TypedData(types: types, primaryType: "PermitWitnessTransferFrom", domain: domain, message: message)
    }

    /// The digest the payer signs on `chainId`.
    public func digest(chainId: UInt64) -> Bytes32 {
        // The values match their declared types: hashing cannot fail.
        try! typedData(chainId: chainId).digest()
    }
}

/// The Permit2 `exact` payload (`PaymentPayload.payload`): `{"permit2Authorization": {from, permitted: {token, amount},
/// spender, nonce, deadline, witness: {to, validAfter}}, "signature": "0x…"}`; amounts, nonce, deadline and
/// `validAfter` as decimal strings.
public struct ExactPermit2Payload: Sendable, Hashable {
    /// The signed permit.
    public var authorization: ExactPermit2Authorization
    /// The payer's signature (65-byte ECDSA, or a smart wallet's bytes); empty when absent.
    public var signature: [UInt8]

    /// A payload from its parts.
    public init(authorization: ExactPermit2Authorization, signature: [UInt8]) {
        self.authorization = authorization
        self.signature = signature
    }

    /// Whether a scheme payload is a Permit2 one (it has `permit2Authorization`), as the SDK tells them apart.
    public static func isPermit2(_ payload: JSONObject) -> Bool { payload["permit2Authorization"] != nil }

    /// Reads the scheme payload of a `PaymentPayload`; an absent or `null` signature reads as empty.
    public init(_ payload: JSONObject) throws(ExactPayloadError) {
        guard case .object(let auth)? = payload["permit2Authorization"] else {
            throw ExactPayloadError(field: "permit2Authorization", problem: "expected an object")
        }
        func object(_ key: String) throws(ExactPayloadError) -> JSONObject {
            guard case .object(let o)? = auth[key] else {
                throw ExactPayloadError(field: "permit2Authorization.\(key)", problem: "expected an object")
            }
            return o
        }
        func text(_ o: JSONObject, _ key: String, _ path: String) throws(ExactPayloadError) -> String {
            guard case .string(let s)? = o[key] else { throw ExactPayloadError(field: path, problem: "expected a string") }
            return s
        }
        func address(_ o: JSONObject, _ key: String, _ path: String) throws(ExactPayloadError) -> Address {
            let s = try text(o, key, path)
            do { return try Address(hex: s) } catch { throw ExactPayloadError(field: path, problem: "not an address: \(error)") }
        }
        func number(_ o: JSONObject, _ key: String, _ path: String) throws(ExactPayloadError) -> UInt256 {
            guard let value = TokenAmount(decimal: try text(o, key, path)) else {
                throw ExactPayloadError(field: path, problem: "not a uint256 decimal string")
            }
            return value.value
        }
        let permitted = try object("permitted")
        let witness = try object("witness")
        let p = "permit2Authorization"
        authorization = ExactPermit2Authorization(
            from: try address(auth, "from", "\(p).from"), token: try address(permitted, "token", "\(p).permitted.token"),
            amount: try number(permitted, "amount", "\(p).permitted.amount"), spender: try address(auth, "spender", "\(p).spender"),
            nonce: try number(auth, "nonce", "\(p).nonce"), deadline: try number(auth, "deadline", "\(p).deadline"),
            to: try address(witness, "to", "\(p).witness.to"), validAfter: try number(witness, "validAfter", "\(p).witness.validAfter"))
        signature = try ExactPayload.signature(in: payload)
    }

    /// The wire object, in the SDK's key order; addresses checksummed, numbers as decimal strings.
    public var jsonObject: JSONObject {
        let a = authorization
        var object: JSONObject = [
            "permit2Authorization": [
                "from": .string(a.from.checksummed),
                "permitted": ["token": .string(a.token.checksummed), "amount": .string(a.amount.description)],
                "spender": .string(a.spender.checksummed), "nonce": .string(a.nonce.description),
                "deadline": .string(a.deadline.description),
                "witness": ["to": .string(a.to.checksummed), "validAfter": .string(a.validAfter.description)],
            ],
        ]
        if !signature.isEmpty { object["signature"] = .string(Hex.encode(signature)) }
        return object
    }
}
