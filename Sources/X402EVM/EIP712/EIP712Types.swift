/// One member of an EIP-712 struct: `{"name": …, "type": …}` in `eth_signTypedData_v4` JSON.
public struct EIP712Field: Hashable, Sendable {
    /// The member name.
    public var name: String
    /// The member type: atomic (`uint256`, `address`, `bytes32`, …), dynamic (`bytes`, `string`),
    /// a struct name, or any of these followed by array suffixes (`T[]`, `T[3]`, `T[2][]`).
    public var type: String

    /// Creates a field.
    public init(name: String, type: String) {
        self.name = name
        self.type = type
    }
}

/// A parsed member type.
indirect enum EIP712FieldType: Hashable, Sendable {
    case uint(bits: Int)
    case int(bits: Int)
    case bool
    case address
    case fixedBytes(Int)
    case bytes
    case string
    case structure(String)
    case array(EIP712FieldType, count: Int?)

    /// Parses a type string; names that are not atomic are struct references, resolved later.
    init?(parsing text: Substring) {
        if text.hasSuffix("]") {
            guard let open = text.lastIndex(of: "["), let inner = EIP712FieldType(parsing: text[..<open]) else { return nil }
            let digits = text[text.index(after: open)..<text.index(before: text.endIndex)]
            if digits.isEmpty {
                self = .array(inner, count: nil)
            } else {
                // Plain decimal digits, bounded so that a declared length cannot be absurd.
                guard digits.count <= 7, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let count = Int(digits) else {
                    return nil
                }
                self = .array(inner, count: count)
            }
            return
        }
        if let atomic = EIP712FieldType.atomic(text) {
            self = atomic
        } else if EIP712FieldType.isIdentifier(text) {
            self = .structure(String(text))
        } else {
            return nil
        }
    }

    static func atomic(_ text: Substring) -> EIP712FieldType? {
        switch text {
        case "bool": return .bool
        case "address": return .address
        case "bytes": return .bytes
        case "string": return .string
        default: break
        }
        func width(after prefix: String) -> Int? {
            guard text.hasPrefix(prefix) else { return nil }
            let digits = text.dropFirst(prefix.count)
            // No leading zeros or signs: "uint08" is not a type.
            guard let first = digits.first, first != "0", digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return Int(digits)
        }
        if let bits = width(after: "uint"), bits % 8 == 0, (8...256).contains(bits) { return .uint(bits: bits) }
        if let bits = width(after: "int"), bits % 8 == 0, (8...256).contains(bits) { return .int(bits: bits) }
        if let count = width(after: "bytes"), (1...32).contains(count) { return .fixedBytes(count) }
        return nil
    }

    /// `[A-Za-z_$][A-Za-z0-9_$]*`, the shape of Solidity identifiers.
    static func isIdentifier(_ text: Substring) -> Bool {
        guard let first = text.utf8.first, !(0x30...0x39).contains(first) else { return false }
        return text.utf8.allSatisfy { c in
            (0x30...0x39).contains(c) || (0x41...0x5a).contains(c) || (0x61...0x7a).contains(c) || c == 0x5f || c == 0x24
        }
    }

    /// The innermost element type.
    var core: EIP712FieldType {
        if case .array(let inner, _) = self { return inner.core }
        return self
    }
}

/// The struct definitions of a typed-data document (`types`), with each struct's `encodeType` and type hash
/// prepared once.
///
/// Recursive types are allowed as EIP-712 permits (through arrays). A struct that reaches itself through
/// plain struct members only can have no finite value; hashing one reports ``EIP712Error/cyclicType(_:)``.
public struct EIP712Types: Hashable, Sendable {
    struct StructInfo: Hashable, Sendable {
        var fields: [(name: String, type: EIP712FieldType)]
        /// `encodeType`, or why the type cannot be encoded (an unknown referenced type).
        var encodedType: Result<String, EIP712Error>
        var typeHash: Result<Bytes32, EIP712Error>
        var isCyclic: Bool

        static func == (a: StructInfo, b: StructInfo) -> Bool {
            a.encodedType == b.encodedType && a.isCyclic == b.isCyclic
                && a.fields.elementsEqual(b.fields, by: { $0.name == $1.name && $0.type == $1.type })
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(encodedType)
        }
    }

    /// The definitions as given, struct name → ordered fields.
    public let definitions: [String: [EIP712Field]]
    let structs: [String: StructInfo]

    /// Validates names and parses every member type.
    ///
    /// Throws for a malformed struct name, field name or type string, or a duplicate field. Unknown
    /// referenced types are reported when a struct that needs them is encoded.
    public init(_ definitions: [String: [EIP712Field]]) throws(EIP712Error) {
        var parsed: [String: [(name: String, type: EIP712FieldType)]] = [:]
        for (name, fields) in definitions {
            guard EIP712FieldType.isIdentifier(Substring(name)), EIP712FieldType.atomic(Substring(name)) == nil else {
                throw .invalidTypeName(name)
            }
            var seen = Set<String>()
            var list: [(name: String, type: EIP712FieldType)] = []
            for field in fields {
                guard !field.name.isEmpty,
                      !field.name.unicodeScalars.contains(where: { "(),[] \t\n\r".unicodeScalars.contains($0) }),
                      let type = EIP712FieldType(parsing: Substring(field.type))
                else { throw .invalidFieldDeclaration(type: name, field: field.name) }
                guard seen.insert(field.name).inserted else { throw .duplicateField(type: name, field: field.name) }
                list.append((field.name, type))
            }
            parsed[name] = list
        }
        var structs: [String: StructInfo] = [:]
        for (name, fields) in parsed {
            let encoded = EIP712Types.encodeType(name, parsed, definitions)
            structs[name] = StructInfo(
                fields: fields, encodedType: encoded, typeHash: encoded.map { Keccak256.hash($0) },
                isCyclic: EIP712Types.reachesItselfDirectly(name, parsed))
        }
        self.definitions = definitions
        self.structs = structs
    }

    public static func == (a: EIP712Types, b: EIP712Types) -> Bool { a.definitions == b.definitions }
    public func hash(into hasher: inout Hasher) { hasher.combine(definitions) }

    private static func encodeType(
        _ name: String, _ parsed: [String: [(name: String, type: EIP712FieldType)]], _ definitions: [String: [EIP712Field]]
    ) -> Result<String, EIP712Error> {
        // Transitive struct references, found iteratively (no recursion on hostile input).
        var found: Set<String> = [name]
        var stack = [name]
        while let next = stack.popLast() {
            for field in parsed[next] ?? [] {
                guard case .structure(let ref) = field.type.core else { continue }
                guard parsed[ref] != nil else { return .failure(.unknownType(ref)) }
                if found.insert(ref).inserted { stack.append(ref) }
            }
        }
        found.remove(name)
        var text = ""
        for type in [name] + found.sorted() {
            text += type + "("
            text += definitions[type]!.map { "\($0.type) \($0.name)" }.joined(separator: ",")
            text += ")"
        }
        return .success(text)
    }

    private static func reachesItselfDirectly(_ name: String, _ parsed: [String: [(name: String, type: EIP712FieldType)]]) -> Bool {
        var visited: Set<String> = []
        var stack = [name]
        while let next = stack.popLast() {
            for field in parsed[next] ?? [] {
                guard case .structure(let ref) = field.type else { continue }
                if ref == name { return true }
                if visited.insert(ref).inserted { stack.append(ref) }
            }
        }
        return false
    }

    private func info(_ type: String) throws(EIP712Error) -> StructInfo {
        guard let info = structs[type] else { throw .unknownType(type) }
        return info
    }

    /// `encodeType`: the struct's signature followed by every referenced struct's, sorted by name.
    public func encodeType(_ type: String) throws(EIP712Error) -> String {
        try info(type).encodedType.get()
    }

    /// `typeHash = keccak256(encodeType(type))`.
    public func typeHash(_ type: String) throws(EIP712Error) -> Bytes32 {
        try info(type).typeHash.get()
    }

    /// `encodeData`: the type hash followed by one 32-byte word per member.
    public func encodeData(_ type: String, _ value: EIP712Value) throws(EIP712Error) -> [UInt8] {
        try encodeData(type, value, depth: 0)
    }

    /// `hashStruct = keccak256(encodeData(type, value))`.
    public func hashStruct(_ type: String, _ value: EIP712Value) throws(EIP712Error) -> Bytes32 {
        Keccak256.hash(try encodeData(type, value, depth: 0))
    }

    /// Values may nest (structs and arrays) this deep; deeper is ``EIP712Error/nestingTooDeep``.
    public static let maxDepth = 64

    func encodeData(_ type: String, _ value: EIP712Value, depth: Int) throws(EIP712Error) -> [UInt8] {
        let info = try info(type)
        if info.isCyclic { throw .cyclicType(type) }
        let typeHash = try info.typeHash.get()
        guard case .object(let members) = value else { throw .invalidValue(path: "", type: type) }
        var out = [UInt8](repeating: 0, count: 32 * (info.fields.count + 1))
        out.withUnsafeMutableBytes { typeHash.write(to: $0.baseAddress!) }
        for (i, field) in info.fields.enumerated() {
            guard let member = members[field.name], member != .null else { throw .missingField(path: field.name) }
            let word: Bytes32
            do {
                word = try encodeValue(field.type, member, depth: depth + 1)
            } catch {
                throw error.prefixed(field.name)
            }
            out.withUnsafeMutableBytes { word.write(to: $0.baseAddress! + 32 * (i + 1)) }
        }
        return out
    }

    /// The 32-byte word for one member value.
    func encodeValue(_ type: EIP712FieldType, _ value: EIP712Value, depth: Int) throws(EIP712Error) -> Bytes32 {
        guard depth <= Self.maxDepth else { throw .nestingTooDeep }
        switch type {
        case .structure(let name):
            return Keccak256.hash(try encodeData(name, value, depth: depth))
        case .array(let element, let count):
            guard case .array(let elements) = value else { throw .invalidValue(path: "", type: type.description) }
            if let count, elements.count != count {
                throw .arrayLengthMismatch(path: "", expected: count, actual: elements.count)
            }
            var concatenated = [UInt8](repeating: 0, count: 32 * elements.count)
            for (i, item) in elements.enumerated() {
                let word: Bytes32
                do {
                    word = try encodeValue(element, item, depth: depth + 1)
                } catch {
                    throw error.prefixed("[\(i)]")
                }
                concatenated.withUnsafeMutableBytes { word.write(to: $0.baseAddress! + 32 * i) }
            }
            return Keccak256.hash(concatenated)
        case .string:
            guard case .string(let text) = value else { throw .invalidValue(path: "", type: "string") }
            return Keccak256.hash(text)
        case .bytes:
            return Keccak256.hash(try Self.bytes(value, type: type))
        case .fixedBytes(let count):
            let bytes = try Self.bytes(value, type: type)
            guard bytes.count == count else { throw .invalidValue(path: "", type: type.description) }
            // Left-aligned, zero-padded on the right.
            var word = [UInt8](repeating: 0, count: 32)
            word.replaceSubrange(0..<count, with: bytes)
            return try! Bytes32(word)
        case .address:
            let bytes = try Self.bytes(value, type: type)
            guard bytes.count == 20 else { throw .invalidValue(path: "", type: "address") }
            return try! Address(bytes).word
        case .bool:
            guard case .bool(let flag) = value else { throw .invalidValue(path: "", type: "bool") }
            return Bytes32(0, 0, 0, flag ? 1 : 0)
        case .uint(let bits):
            let (negative, magnitude) = try Self.integer(value, type: type)
            guard !negative || magnitude == .zero, bits == 256 || magnitude < powerOfTwo(bits) else {
                throw .valueOutOfRange(path: "", type: type.description)
            }
            return magnitude.word
        case .int(let bits):
            let (negative, magnitude) = try Self.integer(value, type: type)
            let limit = powerOfTwo(bits - 1)
            guard negative ? magnitude <= limit : magnitude < limit else {
                throw .valueOutOfRange(path: "", type: type.description)
            }
            // Two's complement over 256 bits.
            guard negative, magnitude != .zero else { return magnitude.word }
            return UInt256(high: ~magnitude.high, low: ~magnitude.low).addingReportingOverflow(UInt256(1 as UInt64)).partialValue.word
        }
    }

    /// Hex text or raw bytes.
    private static func bytes(_ value: EIP712Value, type: EIP712FieldType) throws(EIP712Error) -> [UInt8] {
        switch value {
        case .bytes(let bytes): return bytes
        case .string(let text):
            do {
                return try Hex.decode(text)
            } catch {
                throw .invalidValue(path: "", type: type.description)
            }
        default: throw .invalidValue(path: "", type: type.description)
        }
    }

    /// An integer, or decimal (optionally negative) / `0x` hex text.
    private static func integer(_ value: EIP712Value, type: EIP712FieldType) throws(EIP712Error) -> (Bool, UInt256) {
        switch value {
        case .integer(let negative, let magnitude):
            return (negative, magnitude)
        case .string(let text):
            do {
                if text.hasPrefix("0x") || text.hasPrefix("0X") {
                    return (false, try UInt256(hexQuantity: text))
                }
                if text.hasPrefix("-") {
                    return (true, try UInt256(decimal: text.dropFirst()))
                }
                return (false, try UInt256(decimal: text))
            } catch .overflow {
                throw .valueOutOfRange(path: "", type: type.description)
            } catch {
                throw .invalidValue(path: "", type: type.description)
            }
        default:
            throw .invalidValue(path: "", type: type.description)
        }
    }
}

extension EIP712FieldType: CustomStringConvertible {
    var description: String {
        switch self {
        case .uint(let bits): return "uint\(bits)"
        case .int(let bits): return "int\(bits)"
        case .bool: return "bool"
        case .address: return "address"
        case .fixedBytes(let count): return "bytes\(count)"
        case .bytes: return "bytes"
        case .string: return "string"
        case .structure(let name): return name
        case .array(let inner, let count): return inner.description + "[" + (count.map(String.init) ?? "") + "]"
        }
    }
}

/// 2^bits for 0 < bits < 256 (integer range limits).
private func powerOfTwo(_ bits: Int) -> UInt256 {
    bits >= 128 ? UInt256(high: 1 << (bits - 128), low: 0) : UInt256(high: 0, low: 1 << bits)
}
