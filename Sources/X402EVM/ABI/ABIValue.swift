/// A value to encode as, or decoded from, an ``ABIType``.
///
/// Fixed arrays and dynamic arrays both use ``array(_:)``; the type decides the encoding.
public indirect enum ABIValue: Hashable, Sendable {
    /// Any `uintN`, held in 256 bits.
    case uint(UInt256)
    /// Any `intN`, sign-extended to 256 bits.
    case int(Int256)
    /// An `address` (20 bytes, left-padded to a word).
    case address(Address)
    /// A `bool` (a word holding 0 or 1).
    case bool(Bool)
    /// `bytesN`: exactly N bytes.
    case fixedBytes([UInt8])
    /// Dynamic `bytes`.
    case bytes([UInt8])
    /// A `string`, encoded as its UTF-8 bytes.
    case string(String)
    /// Elements of a `T[]` or `T[k]`.
    case array([ABIValue])
    /// Components of a tuple (a Solidity struct), in declaration order.
    case tuple([ABIValue])

    /// A `uintN` value from a 128-bit amount.
    public static func uint128(_ value: UInt128) -> ABIValue { .uint(UInt256(value)) }
    /// A `uintN` value from a 64-bit integer.
    public static func uint64(_ value: UInt64) -> ABIValue { .uint(UInt256(value)) }
    /// A `bytes32` value.
    public static func bytes32(_ value: Bytes32) -> ABIValue { .fixedBytes(value.bytes) }

    /// The unsigned integer, if this is `.uint`.
    public var asUInt256: UInt256? {
        if case .uint(let v) = self { return v }
        return nil
    }

    /// The unsigned integer when it is a `.uint` that fits 128 bits.
    public var asUInt128: UInt128? { asUInt256?.uint128 }

    /// The unsigned integer when it is a `.uint` that fits 64 bits.
    public var asUInt64: UInt64? {
        guard let v = asUInt256, v.high == 0, v.low <= UInt128(UInt64.max) else { return nil }
        return UInt64(v.low)
    }

    /// The signed integer, if this is `.int`.
    public var asInt256: Int256? {
        if case .int(let v) = self { return v }
        return nil
    }

    /// The address, if this is `.address`.
    public var asAddress: Address? {
        if case .address(let v) = self { return v }
        return nil
    }

    /// The flag, if this is `.bool`.
    public var asBool: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    /// The bytes of a `.bytes` or `.fixedBytes` value.
    public var asBytes: [UInt8]? {
        switch self {
        case .bytes(let v), .fixedBytes(let v): return v
        default: return nil
        }
    }

    /// A `.fixedBytes` value of exactly 32 bytes.
    public var asBytes32: Bytes32? {
        guard case .fixedBytes(let v) = self, v.count == 32 else { return nil }
        return try? Bytes32(v)
    }

    /// The text, if this is `.string`.
    public var asString: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    /// Elements of an `.array` value.
    public var asArray: [ABIValue]? {
        if case .array(let v) = self { return v }
        return nil
    }

    /// Components of a `.tuple` value.
    public var asTuple: [ABIValue]? {
        if case .tuple(let v) = self { return v }
        return nil
    }
}
