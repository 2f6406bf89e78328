/// Solidity contract ABI encoding and strict decoding.
public enum ABI {
    /// Deepest type nesting accepted (arrays and tuples each add a level).
    public static let maxDepth = 32
    /// Largest `n` accepted in a `T[n]` type string.
    public static let maxFixedArrayLength = 1 << 20

    /// Encodes values as a tuple of `types` (function arguments, `abi.encode`).
    public static func encode(_ values: [ABIValue], as types: [ABIType]) throws(ABIError) -> [UInt8] {
        guard values.count == types.count else {
            throw .argumentCountMismatch(expected: types.count, actual: values.count)
        }
        for t in types { try t.validate() }
        var out: [UInt8] = []
        out.reserveCapacity(Swift.min(ABIType.headSize(of: types), 1 << 16))
        try Encoder.encodeSequence(count: values.count, value: { values[$0] }, type: { types[$0] }, into: &out)
        return out
    }

    /// Encodes one value of one type (`abi.encode(x)`).
    public static func encode(_ value: ABIValue, as type: ABIType) throws(ABIError) -> [UInt8] {
        try encode([value], as: [type])
    }

    /// Decodes a tuple of `types` strictly: bounds-checked offsets and lengths, zero padding, canonical
    /// `bool` and sign extension, valid UTF-8. Bytes after the encoding are ignored, as Solidity does.
    public static func decode(_ types: [ABIType], from data: some Collection<UInt8>) throws(ABIError) -> [ABIValue] {
        for t in types { try t.validate() }
        var decoder = Decoder(data: Array(data))
        return try decoder.decodeSequence(count: types.count, type: { types[$0] }, base: 0, depth: 0)
    }

    /// Decodes one value of one type.
    public static func decode(_ type: ABIType, from data: some Collection<UInt8>) throws(ABIError) -> ABIValue {
        try decode([type], from: data)[0]
    }

    // MARK: Encoder

    enum Encoder {
        static func encodeSequence(count: Int, value: (Int) -> ABIValue, type: (Int) -> ABIType,
                                   into out: inout [UInt8]) throws(ABIError) {
            let start = out.count
            var pending: [(position: Int, index: Int)] = []
            for i in 0..<count {
                let t = type(i)
                if t.isDynamic {
                    pending.append((out.count, i))
                    out.append(contentsOf: zeroWord)
                } else {
                    try encodeValue(value(i), as: t, into: &out)
                }
            }
            for (position, i) in pending {
                writeInt(out.count - start, at: position, in: &out)
                try encodeValue(value(i), as: type(i), into: &out)
            }
        }

        static func encodeValue(_ value: ABIValue, as type: ABIType, into out: inout [UInt8]) throws(ABIError) {
            switch (type, value) {
            case (.uint(let bits), .uint(let v)):
                guard bits == 256 || v.bitWidth <= bits else { throw .valueOutOfRange(type: type.canonical) }
                out.append(contentsOf: v.word.bytes)
            case (.int(let bits), .int(let v)):
                guard v.fits(bits: bits) else { throw .valueOutOfRange(type: type.canonical) }
                out.append(contentsOf: v.bitPattern.word.bytes)
            case (.address, .address(let a)):
                out.append(contentsOf: a.word.bytes)
            case (.bool, .bool(let b)):
                out.append(contentsOf: zeroWord.dropLast())
                out.append(b ? 1 : 0)
            case (.fixedBytes(let n), .fixedBytes(let bytes)):
                guard bytes.count == n else { throw .typeMismatch(expected: type.canonical) }
                appendPadded(bytes, to: &out)
            case (.bytes, .bytes(let bytes)):
                appendInt(bytes.count, to: &out)
                appendPadded(bytes, to: &out)
            case (.string, .string(let text)):
                let bytes = Array(text.utf8)
                appendInt(bytes.count, to: &out)
                appendPadded(bytes, to: &out)
            case (.array(let element), .array(let items)):
                appendInt(items.count, to: &out)
                try encodeSequence(count: items.count, value: { items[$0] }, type: { _ in element }, into: &out)
            case (.fixedArray(let element, let n), .array(let items)):
                guard items.count == n else { throw .typeMismatch(expected: type.canonical) }
                try encodeSequence(count: n, value: { items[$0] }, type: { _ in element }, into: &out)
            case (.tuple(let types), .tuple(let items)):
                guard items.count == types.count else { throw .typeMismatch(expected: type.canonical) }
                try encodeSequence(count: items.count, value: { items[$0] }, type: { types[$0] }, into: &out)
            default:
                throw .typeMismatch(expected: type.canonical)
            }
        }

        static let zeroWord = [UInt8](repeating: 0, count: 32)

        static func appendPadded(_ bytes: [UInt8], to out: inout [UInt8]) {
            out.append(contentsOf: bytes)
            let rem = bytes.count % 32
            if rem != 0 { out.append(contentsOf: zeroWord[rem...]) }
        }

        static func appendInt(_ value: Int, to out: inout [UInt8]) {
            out.append(contentsOf: UInt256(UInt64(value)).word.bytes)
        }

        static func writeInt(_ value: Int, at position: Int, in out: inout [UInt8]) {
            var v = UInt64(value)
            for i in stride(from: position + 31, through: position + 24, by: -1) {
                out[i] = UInt8(truncatingIfNeeded: v)
                v >>= 8
            }
        }
    }

    // MARK: Decoder

    struct Decoder {
        let data: [UInt8]
        /// Words left to read; an honest encoding reads each word at most once, so aliased offsets
        /// that revisit data (exponential blow-up) run out of budget.
        var budget: Int

        init(data: [UInt8]) {
            self.data = data
            budget = data.count / 32 * 2 + 64
        }

        /// Checks that `count` bytes exist at `position`.
        func require(_ position: Int, _ count: Int) throws(ABIError) {
            let (end, overflow) = position.addingReportingOverflow(count)
            guard position >= 0, !overflow, end <= data.count else {
                throw .truncated(offset: position, needed: count, available: Swift.max(0, data.count - position))
            }
        }

        mutating func word(at position: Int) throws(ABIError) -> UInt256 {
            try require(position, 32)
            budget -= 1
            guard budget >= 0 else { throw .decodingBudgetExceeded }
            return data.withUnsafeBytes { raw in
                var high: UInt128 = 0, low: UInt128 = 0
                for i in 0..<16 { high = high << 8 | UInt128(raw[position + i]) }
                for i in 16..<32 { low = low << 8 | UInt128(raw[position + i]) }
                return UInt256(high: high, low: low)
            }
        }

        /// A word read as a non-negative `Int` (offsets, lengths); `error` when it cannot be one.
        mutating func intWord(at position: Int, error: ABIError) throws(ABIError) -> Int {
            let w = try word(at: position)
            guard w.high == 0, w.low <= UInt128(Int.max) else { throw error }
            return Int(w.low)
        }

        mutating func decodeSequence(count: Int, type: (Int) -> ABIType, base: Int, depth: Int) throws(ABIError) -> [ABIValue] {
            guard depth <= ABI.maxDepth else { throw .tooDeep }
            var values: [ABIValue] = []
            values.reserveCapacity(count)
            var head = base
            // Offsets must point past the heads (as eth_abi requires), which also rules out cycles.
            var headEnd = base
            for i in 0..<count {
                let (sum, overflow) = headEnd.addingReportingOverflow(type(i).headSize)
                headEnd = overflow ? .max : sum
            }
            for i in 0..<count {
                let t = type(i)
                if t.isDynamic {
                    let offset = try intWord(at: head, error: .invalidOffset(at: head))
                    let (target, overflow) = base.addingReportingOverflow(offset)
                    guard !overflow, target >= headEnd, target < data.count else { throw .invalidOffset(at: head) }
                    values.append(try decodeValue(t, at: target, depth: depth + 1))
                    head += 32
                } else {
                    values.append(try decodeValue(t, at: head, depth: depth + 1))
                    head += t.headSize  // Finite: decodeValue checked the whole static size exists.
                }
            }
            return values
        }

        mutating func decodeValue(_ type: ABIType, at position: Int, depth: Int) throws(ABIError) -> ABIValue {
            if !type.isDynamic { try require(position, type.headSize) }
            switch type {
            case .uint(let bits):
                let v = try word(at: position)
                guard bits == 256 || v.bitWidth <= bits else { throw .nonZeroPadding(at: position) }
                return .uint(v)
            case .int(let bits):
                let v = Int256(bitPattern: try word(at: position))
                guard v.fits(bits: bits) else { throw .nonZeroPadding(at: position) }
                return .int(v)
            case .address:
                let v = try word(at: position)
                guard v.bitWidth <= 160 else { throw .nonZeroPadding(at: position) }
                return .address(Address(word: v.word))
            case .bool:
                let v = try word(at: position)
                guard v.high == 0, v.low <= 1 else { throw .invalidBool(at: position) }
                return .bool(v.low == 1)
            case .fixedBytes(let n):
                _ = try word(at: position)
                guard data[(position + n)..<(position + 32)].allSatisfy({ $0 == 0 }) else {
                    throw .nonZeroPadding(at: position)
                }
                return .fixedBytes(Array(data[position..<(position + n)]))
            case .bytes:
                return .bytes(try byteString(at: position))
            case .string:
                let bytes = try byteString(at: position)
                guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8(at: position) }
                return .string(text)
            case .array(let element):
                let count = try intWord(at: position, error: .invalidLength(at: position))
                let start = position + 32
                // Each element needs at least its head: a length word cannot claim more than the data holds.
                guard count <= (data.count - start) / element.headSize else { throw .invalidLength(at: position) }
                return .array(try decodeSequence(count: count, type: { _ in element }, base: start, depth: depth))
            case .fixedArray(let element, let n):
                if type.isDynamic {
                    guard n <= (data.count - position) / 32 else { throw .invalidLength(at: position) }
                }
                return .array(try decodeSequence(count: n, type: { _ in element }, base: position, depth: depth))
            case .tuple(let types):
                return .tuple(try decodeSequence(count: types.count, type: { types[$0] }, base: position, depth: depth))
            }
        }

        /// Length-prefixed `bytes`/`string` contents; the padding to a full word must be present and zero.
        mutating func byteString(at position: Int) throws(ABIError) -> [UInt8] {
            let length = try intWord(at: position, error: .invalidLength(at: position))
            let start = position + 32
            guard length <= data.count - start else { throw .invalidLength(at: position) }
            let padded = length % 32 == 0 ? length : length + (32 - length % 32)
            try require(start, padded)
            guard data[(start + length)..<(start + padded)].allSatisfy({ $0 == 0 }) else {
                throw .nonZeroPadding(at: start + length)
            }
            // Long strings are charged by their words so aliasing them cannot amplify work.
            budget -= padded / 32
            guard budget >= 0 else { throw .decodingBudgetExceeded }
            return Array(data[start..<(start + length)])
        }
    }
}
