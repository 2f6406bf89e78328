import X402EVM

/// `collectorData` for `ERC3009DepositCollector.collect`:
/// `abi.encode(uint256 validAfter, uint256 validBefore, uint256 salt, bytes signature)` (protocol.md B.5, C.8).
public struct ERC3009CollectorData: Hashable, Sendable {
    /// Unix seconds after which the ERC-3009 authorization is usable (clients sign 0).
    public var validAfter: UInt256
    /// Unix seconds before which it must be used (clients sign now + `maxTimeoutSeconds`).
    public var validBefore: UInt256
    /// The authorization salt (wire `erc3009Authorization.salt`), encoded as a big-endian `uint256`.
    public var salt: Bytes32
    /// The `ReceiveWithAuthorization` signature (inner signature only, never ERC-6492-wrapped).
    public var signature: [UInt8]

    static let types: [ABIType] = [.uint256, .uint256, .uint256, .bytes]

    /// Creates the data from a deposit's `erc3009Authorization` fields.
    public init(validAfter: UInt256, validBefore: UInt256, salt: Bytes32, signature: [UInt8]) {
        self.validAfter = validAfter
        self.validBefore = validBefore
        self.salt = salt
        self.signature = signature
    }

    /// The ABI encoding (256 bytes for a 65-byte signature).
    public func encoded() throws(ABIError) -> [UInt8] {
        try ABI.encode([.uint(validAfter), .uint(validBefore), .uint(UInt256(word: salt)), .bytes(signature)], as: Self.types)
    }

    /// Strictly decodes `collectorData`.
    public init(decoding data: some Collection<UInt8>) throws(ABIError) {
        let v = try ABI.decode(Self.types, from: data)
        guard let a = v[0].asUInt256, let b = v[1].asUInt256, let salt = v[2].asUInt256, let sig = v[3].asBytes else {
            throw .typeMismatch(expected: "(uint256,uint256,uint256,bytes)")
        }
        self.init(validAfter: a, validBefore: b, salt: salt.word, signature: sig)
    }
}

/// `collectorData` for `Permit2DepositCollector.collect`:
/// `abi.encode(uint256 nonce, uint256 deadline, bytes permit2Signature, bytes eip2612PermitData)` (B.6, C.9).
public struct Permit2CollectorData: Hashable, Sendable {
    /// Permit2 signature-transfer nonce: a random `uint256`, a decimal string on the wire.
    public var nonce: UInt256
    /// Unix seconds after which Permit2 rejects the signature (clients sign now + `maxTimeoutSeconds`).
    public var deadline: UInt256
    /// The `PermitWitnessTransferFrom` signature.
    public var signature: [UInt8]
    /// The EIP-2612 permit the collector tries first (gas-sponsoring extension); `nil` encodes as empty bytes.
    public var eip2612Permit: EIP2612PermitData?

    static let types: [ABIType] = [.uint256, .uint256, .bytes, .bytes]

    /// Creates the data from a deposit's `permit2Authorization`; `eip2612Permit` only with gas sponsoring.
    public init(nonce: UInt256, deadline: UInt256, signature: [UInt8], eip2612Permit: EIP2612PermitData? = nil) {
        self.nonce = nonce
        self.deadline = deadline
        self.signature = signature
        self.eip2612Permit = eip2612Permit
    }

    /// The ABI encoding (288 bytes for a 65-byte signature and no permit).
    public func encoded() throws(ABIError) -> [UInt8] {
        let permitData = try eip2612Permit?.encoded() ?? []
        return try ABI.encode([.uint(nonce), .uint(deadline), .bytes(signature), .bytes(permitData)], as: Self.types)
    }

    /// Strictly decodes `collectorData`, including a non-empty EIP-2612 segment.
    public init(decoding data: some Collection<UInt8>) throws(ABIError) {
        let v = try ABI.decode(Self.types, from: data)
        guard let nonce = v[0].asUInt256, let deadline = v[1].asUInt256, let sig = v[2].asBytes,
              let permitData = v[3].asBytes
        else { throw .typeMismatch(expected: "(uint256,uint256,bytes,bytes)") }
        self.init(nonce: nonce, deadline: deadline, signature: sig,
                  eip2612Permit: permitData.isEmpty ? nil : try EIP2612PermitData(decoding: permitData))
    }
}

/// The EIP-2612 segment inside Permit2 `collectorData`:
/// `abi.encode(uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)`.
public struct EIP2612PermitData: Hashable, Sendable {
    /// Must equal the deposit amount (else the collector reverts `Permit2612AmountMismatch`).
    public var value: UInt256
    /// Unix seconds after which the token rejects the `permit`.
    public var deadline: UInt256
    /// 27 or 28.
    public var v: UInt8
    /// ECDSA `r` of the owner's `permit` signature.
    public var r: Bytes32
    /// ECDSA `s` of the owner's `permit` signature.
    public var s: Bytes32

    static let types: [ABIType] = [.uint256, .uint256, .uint(8), .bytes32, .bytes32]

    /// From signature components; `v` is stored as given, so pass 27 or 28.
    public init(value: UInt256, deadline: UInt256, v: UInt8, r: Bytes32, s: Bytes32) {
        self.value = value
        self.deadline = deadline
        self.v = v
        self.r = r
        self.s = s
    }

    /// Splits a 65-byte `r ‖ s ‖ v` signature, normalising `v` 0/1 to 27/28.
    public init(value: UInt256, deadline: UInt256, signature: [UInt8]) throws(ABIError) {
        guard signature.count == 65, let r = try? Bytes32(signature[0..<32]), let s = try? Bytes32(signature[32..<64]) else {
            throw .typeMismatch(expected: "65-byte signature")
        }
        let v = signature[64] < 27 ? signature[64] &+ 27 : signature[64]
        self.init(value: value, deadline: deadline, v: v, r: r, s: s)
    }

    /// The 160-byte ABI encoding.
    public func encoded() throws(ABIError) -> [UInt8] {
        try ABI.encode([.uint(value), .uint(deadline), .uint64(UInt64(v)), .bytes32(r), .bytes32(s)], as: Self.types)
    }

    /// Strictly decodes exactly 160 bytes.
    public init(decoding data: some Collection<UInt8>) throws(ABIError) {
        guard data.count == 160 else { throw .invalidLength(at: 0) }
        let f = try ABI.decode(Self.types, from: data)
        guard let value = f[0].asUInt256, let deadline = f[1].asUInt256, let v = f[2].asUInt64,
              let r = f[3].asBytes32, let s = f[4].asBytes32
        else { throw .typeMismatch(expected: "(uint256,uint256,uint8,bytes32,bytes32)") }
        self.init(value: value, deadline: deadline, v: UInt8(truncatingIfNeeded: v), r: r, s: s)
    }
}
