/// A Recursive Length Prefix value: a byte string or a list of values.
public enum RLPItem: Hashable, Sendable {
    /// A byte string (an integer is its minimal big-endian bytes; zero is empty).
    case bytes([UInt8])
    /// A list of items (e.g. a transaction's fields).
    case list([RLPItem])

    /// An unsigned integer as its minimal big-endian bytes (zero is the empty string).
    public static func uint(_ value: UInt256) -> RLPItem { .bytes(value.minimalBigEndianBytes) }

    /// An unsigned integer as its minimal big-endian bytes (zero is the empty string).
    public static func uint(_ value: UInt64) -> RLPItem { uint(UInt256(value)) }

    /// An address as 20 bytes, or the empty string for `nil` (contract creation).
    public static func address(_ address: Address?) -> RLPItem { .bytes(address?.bytes ?? []) }

    /// A 32-byte word as 32 bytes.
    public static func word(_ word: Bytes32) -> RLPItem { .bytes(word.bytes) }

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(encodedCount)
        encode(into: &out)
        return out
    }

    /// The number of bytes `encoded` produces.
    public var encodedCount: Int {
        switch self {
        case .bytes(let bytes):
            if bytes.count == 1 && bytes[0] < 0x80 { return 1 }
            return RLP.headerCount(bytes.count) + bytes.count
        case .list(let items):
            let payload = items.reduce(0) { $0 + $1.encodedCount }
            return RLP.headerCount(payload) + payload
        }
    }

    /// Appends the canonical encoding to `out`.
    public func encode(into out: inout [UInt8]) {
        switch self {
        case .bytes(let bytes):
            if bytes.count == 1 && bytes[0] < 0x80 {
                out.append(bytes[0])
            } else {
                RLP.appendHeader(count: bytes.count, offset: 0x80, to: &out)
                out.append(contentsOf: bytes)
            }
        case .list(let items):
            RLP.appendHeader(count: items.reduce(0) { $0 + $1.encodedCount }, offset: 0xc0, to: &out)
            for item in items { item.encode(into: &out) }
        }
    }

    // MARK: Typed access (for decoders)

    /// The byte string, or `expectedBytes` for a list.
    public func bytes() throws(RLPError) -> [UInt8] {
        guard case .bytes(let bytes) = self else { throw .expectedBytes }
        return bytes
    }

    /// The list items, or `expectedList` for a byte string.
    public func list() throws(RLPError) -> [RLPItem] {
        guard case .list(let items) = self else { throw .expectedList }
        return items
    }

    /// The list items, requiring exactly `count` of them.
    public func list(count: Int) throws(RLPError) -> [RLPItem] {
        let items = try list()
        guard items.count == count else { throw .unexpectedItemCount(expected: count, actual: items.count) }
        return items
    }

    /// A canonical unsigned integer: no leading zero byte, at most 32 bytes.
    public func uint256() throws(RLPError) -> UInt256 {
        let bytes = try bytes()
        guard bytes.first != 0 else { throw .nonCanonicalInteger }
        guard bytes.count <= 32 else { throw .integerOverflow }
        // Cannot fail: at most 32 bytes.
        return (try? UInt256(bigEndian: bytes)) ?? .zero
    }

    /// A canonical unsigned integer that fits in 64 bits.
    public func uint64() throws(RLPError) -> UInt64 {
        let value = try uint256()
        guard let small = value.uint128, small <= UInt128(UInt64.max) else { throw .integerOverflow }
        return UInt64(small)
    }

    /// A 20-byte address, or `nil` for the empty string.
    public func optionalAddress() throws(RLPError) -> Address? {
        let bytes = try bytes()
        if bytes.isEmpty { return nil }
        guard bytes.count == 20 else { throw .invalidLength(expected: 20, actual: bytes.count) }
        return try? Address(bytes)
    }

    /// Exactly 32 bytes.
    public func word() throws(RLPError) -> Bytes32 {
        let bytes = try bytes()
        guard bytes.count == 32, let word = try? Bytes32(bytes) else {
            throw .invalidLength(expected: 32, actual: bytes.count)
        }
        return word
    }
}

/// Why RLP input was rejected. The decoder accepts only the canonical encoding.
public enum RLPError: Error, Equatable, Sendable {
    /// No bytes where an item was expected.
    case empty
    /// A declared length runs past the end of the input (or of the enclosing list).
    case truncated
    /// Bytes remain after the top-level item.
    case trailingBytes(Int)
    /// A single byte below 0x80 must be encoded as itself, not as a one-byte string.
    case nonCanonicalSingleByte
    /// The long form was used for a length below 56, or a length has leading zero bytes.
    case nonCanonicalLength
    /// Lists nest deeper than the decoder's limit.
    case tooDeep(limit: Int)
    /// A byte string was expected, found a list.
    case expectedBytes
    /// A list was expected, found a byte string.
    case expectedList
    /// A list has the wrong number of items.
    case unexpectedItemCount(expected: Int, actual: Int)
    /// An integer has a leading zero byte.
    case nonCanonicalInteger
    /// An integer does not fit the target type.
    case integerOverflow
    /// A fixed-size field has the wrong length.
    case invalidLength(expected: Int, actual: Int)
}

/// Strict RLP decoding.
public enum RLP {
    /// The default nesting limit: far above any transaction (depth 4) and low enough to bound recursion.
    public static let defaultMaxDepth = 64

    /// Decodes exactly one canonical item spanning all of `input`.
    public static func decode(_ input: [UInt8], maxDepth: Int = defaultMaxDepth) throws(RLPError) -> RLPItem {
        try input.withUnsafeBufferPointer { buffer throws(RLPError) in
            var position = 0
            let item = try decodeItem(buffer, at: &position, end: buffer.count, depth: 0, maxDepth: maxDepth)
            guard position == buffer.count else { throw .trailingBytes(buffer.count - position) }
            return item
        }
    }

    /// Reads one item starting at `position` and ending at or before `end`; advances `position` past it.
    static func decodeItem(
        _ input: UnsafeBufferPointer<UInt8>, at position: inout Int, end: Int, depth: Int, maxDepth: Int
    ) throws(RLPError) -> RLPItem {
        guard position < end else { throw position < input.count ? .truncated : .empty }
        let prefix = input[position]
        if prefix < 0x80 {
            position += 1
            return .bytes([prefix])
        }
        let isList = prefix >= 0xc0
        let base: UInt8 = isList ? 0xc0 : 0x80
        let payloadStart: Int
        let payloadCount: Int
        if prefix - base <= 55 {
            payloadCount = Int(prefix - base)
            payloadStart = position + 1
        } else {
            let lengthCount = Int(prefix - base - 55)  // 1...8
            let lengthStart = position + 1
            guard lengthCount <= end - lengthStart else { throw .truncated }
            guard input[lengthStart] != 0 else { throw .nonCanonicalLength }
            var length: UInt64 = 0
            for i in 0..<lengthCount { length = length << 8 | UInt64(input[lengthStart + i]) }
            guard length >= 56 else { throw .nonCanonicalLength }
            payloadStart = lengthStart + lengthCount
            guard length <= UInt64(end - payloadStart) else { throw .truncated }
            payloadCount = Int(length)
        }
        guard payloadCount <= end - payloadStart else { throw .truncated }
        let payloadEnd = payloadStart + payloadCount
        position = payloadEnd
        if !isList {
            if payloadCount == 1 && input[payloadStart] < 0x80 { throw .nonCanonicalSingleByte }
            return .bytes(Array(UnsafeBufferPointer(rebasing: input[payloadStart..<payloadEnd])))
        }
        guard depth < maxDepth else { throw .tooDeep(limit: maxDepth) }
        var items: [RLPItem] = []
        var cursor = payloadStart
        while cursor < payloadEnd {
            items.append(try decodeItem(input, at: &cursor, end: payloadEnd, depth: depth + 1, maxDepth: maxDepth))
        }
        return .list(items)
    }

    static func headerCount(_ count: Int) -> Int {
        count <= 55 ? 1 : 1 + (Int.bitWidth - count.leadingZeroBitCount + 7) / 8
    }

    static func appendHeader(count: Int, offset: UInt8, to out: inout [UInt8]) {
        if count <= 55 {
            out.append(offset + UInt8(count))
            return
        }
        let lengthCount = (Int.bitWidth - count.leadingZeroBitCount + 7) / 8
        out.append(offset + 55 + UInt8(lengthCount))
        for i in stride(from: lengthCount - 1, through: 0, by: -1) {
            out.append(UInt8(truncatingIfNeeded: count >> (8 * i)))
        }
    }
}
