/// A Solidity ABI type.
///
/// Build one directly or parse a canonical string such as `((address,uint256)[],bytes)`.
public indirect enum ABIType: Hashable, Sendable, CustomStringConvertible {
    /// `uintN`, N in 8…256 by 8.
    case uint(Int)
    /// `intN` (two's complement), N in 8…256 by 8.
    case int(Int)
    /// `address`: 20 bytes, left-padded with zeros to a 32-byte word.
    case address
    /// `bool`: one word holding 0 or 1.
    case bool
    /// `bytesN`, N in 1…32.
    case fixedBytes(Int)
    /// Dynamic `bytes`.
    case bytes
    /// Dynamic UTF-8 `string`.
    case string
    /// `T[]`.
    case array(ABIType)
    /// `T[n]`, n ≥ 1.
    case fixedArray(ABIType, Int)
    /// `(T1,T2,…)`, at least one component.
    case tuple([ABIType])

    /// `uint256`.
    public static let uint256 = ABIType.uint(256)
    /// `bytes32`.
    public static let bytes32 = ABIType.fixedBytes(32)

    /// Parses a type string: canonical form, plus whitespace, component names inside tuples and the
    /// aliases `uint`/`int` (= 256 bits).
    public init(parsing text: String) throws(ABIError) {
        var parser = SignatureParser(text)
        let type = try parser.parseType()
        parser.skipSpaces()
        guard parser.atEnd else { throw parser.error() }
        try type.validate()
        self = type
    }

    /// The canonical string used in signatures (`uint256`, `(address,bytes)[]`).
    public var canonical: String {
        switch self {
        case .uint(let n): return "uint\(n)"
        case .int(let n): return "int\(n)"
        case .address: return "address"
        case .bool: return "bool"
        case .fixedBytes(let n): return "bytes\(n)"
        case .bytes: return "bytes"
        case .string: return "string"
        case .array(let t): return t.canonical + "[]"
        case .fixedArray(let t, let n): return t.canonical + "[\(n)]"
        case .tuple(let ts): return "(" + ts.map(\.canonical).joined(separator: ",") + ")"
        }
    }

    public var description: String { canonical }

    /// True when the encoding has a variable size (and is therefore referenced by an offset).
    public var isDynamic: Bool {
        switch self {
        case .bytes, .string, .array: return true
        case .fixedArray(let t, _): return t.isDynamic
        case .tuple(let ts): return ts.contains { $0.isDynamic }
        default: return false
        }
    }

    /// Bytes this type occupies in the head of its enclosing tuple: 32 for dynamic types, else its full size.
    /// Saturates at `Int.max` instead of overflowing (huge fixed arrays).
    public var headSize: Int {
        if isDynamic { return 32 }
        switch self {
        case .fixedArray(let t, let n):
            let (size, overflow) = t.headSize.multipliedReportingOverflow(by: n)
            return overflow ? .max : size
        case .tuple(let ts):
            return ABIType.headSize(of: ts)
        default:
            return 32
        }
    }

    /// Sum of the head sizes of a list of types, saturating at `Int.max`.
    static func headSize(of types: [ABIType]) -> Int {
        var total = 0
        for t in types {
            let (sum, overflow) = total.addingReportingOverflow(t.headSize)
            if overflow { return .max }
            total = sum
        }
        return total
    }

    /// Nesting depth (1 for an elementary type).
    var depth: Int {
        switch self {
        case .array(let t), .fixedArray(let t, _): return 1 + t.depth
        case .tuple(let ts): return 1 + (ts.map(\.depth).max() ?? 0)
        default: return 1
        }
    }

    /// Checks widths, counts and nesting depth.
    public func validate() throws(ABIError) {
        try validate(depth: 1)
    }

    private func validate(depth: Int) throws(ABIError) {
        guard depth <= ABI.maxDepth else { throw .tooDeep }
        switch self {
        case .uint(let n), .int(let n):
            guard n >= 8, n <= 256, n % 8 == 0 else { throw .invalidType(canonical) }
        case .fixedBytes(let n):
            guard n >= 1, n <= 32 else { throw .invalidType(canonical) }
        case .address, .bool, .bytes, .string:
            break
        case .array(let t):
            try t.validate(depth: depth + 1)
        case .fixedArray(let t, let n):
            guard n >= 1 else { throw .invalidType(canonical) }
            try t.validate(depth: depth + 1)
        case .tuple(let ts):
            // Empty tuples have size 0, which would let a length word claim unbounded elements.
            guard !ts.isEmpty else { throw .invalidType("()") }
            for t in ts { try t.validate(depth: depth + 1) }
        }
    }
}

/// A parameter of a function, event or error: its type, optional name and (events only) `indexed` flag.
public struct ABIParameter: Hashable, Sendable {
    /// The parameter's ABI type; only this enters selectors and event topics.
    public var type: ABIType
    /// The parameter name, or empty; informational only, never hashed into selectors or topics.
    public var name: String
    /// Events only: the value is a topic rather than part of the log data.
    public var indexed: Bool

    /// Creates a parameter; unnamed and not indexed by default.
    public init(_ type: ABIType, name: String = "", indexed: Bool = false) {
        self.type = type
        self.name = name
        self.indexed = indexed
    }
}

/// Recursive-descent parser for type strings and `name(params)` signatures.
struct SignatureParser {
    let bytes: [UInt8]
    var position = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var atEnd: Bool { position >= bytes.count }

    func error() -> ABIError {
        .invalidTypeString(String(decoding: bytes, as: UTF8.self), position: position)
    }

    mutating func skipSpaces() {
        while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09 || bytes[position] == 0x0a {
            position += 1
        }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        skipSpaces()
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    static func isIdentifierByte(_ b: UInt8, first: Bool) -> Bool {
        switch b {
        case 0x41...0x5a, 0x61...0x7a, 0x5f, 0x24: return true
        case 0x30...0x39: return !first
        default: return false
        }
    }

    mutating func identifier() -> String? {
        skipSpaces()
        let start = position
        while position < bytes.count, Self.isIdentifierByte(bytes[position], first: position == start) {
            position += 1
        }
        return position > start ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
    }

    /// Parses one type with array suffixes.
    ///
    /// `depth` is the nesting level the type starts at (1 at the top). Depth is bounded before anything deeper
    /// is built: parentheses recurse at most ``ABI/maxDepth`` levels, and array suffixes are counted in the
    /// loop that reads them, so hostile strings (`T[][]…`, `((((…))))`) fail with ``ABIError/tooDeep``
    /// using constant stack instead of building a type too deep to validate or free.
    mutating func parseType(depth: Int = 1) throws(ABIError) -> ABIType {
        guard depth <= ABI.maxDepth else { throw .tooDeep }
        skipSpaces()
        var type: ABIType
        // Levels from this type down to its deepest leaf (components were bounded while parsing them).
        var height = 1
        if consume(0x28) {  // "("
            let params = try parseParameterList(depth: depth, allowIndexed: false)
            type = .tuple(params.map(\.type))
            height = type.depth
        } else {
            let start = position
            guard let name = identifier() else { throw error() }
            guard let elementary = Self.elementary(name) else {
                position = start
                throw error()
            }
            type = elementary
        }
        // Suffixes bind tightly (no space before "[" in canonical strings, tolerated here).
        while consume(0x5b) {  // "["
            height += 1
            guard depth - 1 + height <= ABI.maxDepth else { throw .tooDeep }
            skipSpaces()
            let start = position
            var n = 0
            while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int(bytes[position] - 0x30))
                guard !o1, !o2, s <= ABI.maxFixedArrayLength else { throw error() }
                n = s
                position += 1
            }
            let hasDigits = position > start
            guard consume(0x5d) else { throw error() }  // "]"
            type = hasDigits ? .fixedArray(type, n) : .array(type)
        }
        return type
    }

    /// Parses `T [indexed] [name], …)` after an opening parenthesis, consuming the closing one.
    mutating func parseParameterList(depth: Int, allowIndexed: Bool) throws(ABIError) -> [ABIParameter] {
        var params: [ABIParameter] = []
        if consume(0x29) { return params }  // ")"
        repeat {
            let type = try parseType(depth: depth + 1)
            var indexed = false
            var name = ""
            let save = position
            if let word = identifier() {
                if word == "indexed", allowIndexed {
                    indexed = true
                    let save2 = position
                    if let next = identifier() { name = next } else { position = save2 }
                } else if word == "indexed" {
                    position = save
                    throw error()
                } else {
                    name = word
                }
            }
            params.append(ABIParameter(type, name: name, indexed: indexed))
        } while consume(0x2c)  // ","
        guard consume(0x29) else { throw error() }
        return params
    }

    static func elementary(_ name: String) -> ABIType? {
        switch name {
        case "address": return .address
        case "bool": return .bool
        case "bytes": return .bytes
        case "string": return .string
        case "uint": return .uint(256)
        case "int": return .int(256)
        default: break
        }
        for (prefix, make) in [("uint", ABIType.uint), ("int", ABIType.int), ("bytes", ABIType.fixedBytes)] {
            guard name.hasPrefix(prefix) else { continue }
            let digits = name.dropFirst(prefix.count)
            // No leading zeros: "uint08" is not a Solidity type.
            guard !digits.isEmpty, digits.count <= 3, digits.first != "0", let n = Int(digits) else { return nil }
            return make(n)
        }
        return nil
    }
}
