import X402Primitives

// MARK: Word hashing

/// Keccak over a few 32-byte words in a stack buffer (the whole encoding of these structs).
package enum TypedDataWords {
    @inline(__always)
    package static func hash(count: Int, _ fill: (UnsafeMutableRawPointer) -> Void) -> Bytes32 {
        withUnsafeTemporaryAllocation(byteCount: 32 * count, alignment: 8) { buffer in
            fill(buffer.baseAddress!)
            return Keccak256.hash(UnsafeRawBufferPointer(buffer))
        }
    }

    @inline(__always)
    package static func hash(_ a: Bytes32, _ b: Bytes32) -> Bytes32 {
        hash(count: 2) { p in a.write(to: p); b.write(to: p + 32) }
    }

    @inline(__always)
    package static func hash(_ a: Bytes32, _ b: Bytes32, _ c: Bytes32) -> Bytes32 {
        hash(count: 3) { p in a.write(to: p); b.write(to: p + 32); c.write(to: p + 64) }
    }

    @inline(__always)
    package static func hash(_ a: Bytes32, _ b: Bytes32, _ c: Bytes32, _ d: Bytes32) -> Bytes32 {
        hash(count: 4) { p in a.write(to: p); b.write(to: p + 32); c.write(to: p + 64); d.write(to: p + 96) }
    }

    @inline(__always)
    package static func hash(_ a: Bytes32, _ b: Bytes32, _ c: Bytes32, _ d: Bytes32, _ e: Bytes32) -> Bytes32 {
        hash(count: 5) { p in
            a.write(to: p); b.write(to: p + 32); c.write(to: p + 64); d.write(to: p + 96); e.write(to: p + 128)
        }
    }

    /// An unsigned integer as a big-endian word (ABI `uint128`, `uint40`, `uint256` low half).
    @inline(__always)
    package static func word(_ value: UInt128) -> Bytes32 {
        Bytes32(0, 0, UInt64(truncatingIfNeeded: value >> 64), UInt64(truncatingIfNeeded: value))
    }
}
