/// Keccak-256 as used by Ethereum (original Keccak padding `0x01`, not SHA3's `0x06`).
///
/// The state lives in a stack-allocated buffer: hashing does not allocate on the heap.
public enum Keccak256 {
    /// Rate in bytes (1088 bits).
    public static let rate = 136

    /// Hashes raw bytes.
    @inlinable
    public static func hash(_ input: UnsafeRawBufferPointer) -> Bytes32 {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 25 + 17) { buffer in
            let state = buffer.baseAddress!
            state.initialize(repeating: 0, count: 25 + 17)
            var offset = 0
            let count = input.count
            // Full blocks straight from the input.
            while count - offset >= rate {
                for lane in 0..<17 {
                    state[lane] ^= UInt64(littleEndian: input.loadUnaligned(fromByteOffset: offset + lane * 8, as: UInt64.self))
                }
                keccakF1600(state)
                offset += rate
            }
            // Last partial block, padded, in the 17 scratch lanes after the state.
            let block = UnsafeMutableRawPointer(state + 25)
            let rest = count - offset
            if rest > 0 {
                block.copyMemory(from: input.baseAddress! + offset, byteCount: rest)
            }
            block.storeBytes(of: 0x01, toByteOffset: rest, as: UInt8.self)
            let last = block.load(fromByteOffset: rate - 1, as: UInt8.self)
            block.storeBytes(of: last | 0x80, toByteOffset: rate - 1, as: UInt8.self)
            for lane in 0..<17 {
                state[lane] ^= UInt64(littleEndian: block.load(fromByteOffset: lane * 8, as: UInt64.self))
            }
            keccakF1600(state)
            return Bytes32(
                UInt64(littleEndian: state[0]).bigEndian,
                UInt64(littleEndian: state[1]).bigEndian,
                UInt64(littleEndian: state[2]).bigEndian,
                UInt64(littleEndian: state[3]).bigEndian)
        }
    }

    /// Hashes a byte array.
    @inlinable
    public static func hash(_ bytes: [UInt8]) -> Bytes32 {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// Hashes the UTF-8 bytes of a string (type strings, selectors).
    @inlinable
    public static func hash(_ text: String) -> Bytes32 {
        var text = text
        return text.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }
}
