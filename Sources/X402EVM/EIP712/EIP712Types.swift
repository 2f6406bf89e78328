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

    /// Why a member type string was rejected.
    enum ParseFailure: Error {
        /// Not a type string (bad suffix, bad name).
        case invalid
        /// More than the allowed number of array suffixes.
        case tooDeep
    }

    /// Parses a type string; names that are not atomic are struct references, resolved later.
    ///
    /// Array suffixes are read from the end in a loop (never by recursion), at most `maxArrayDepth` of them,
    /// so hostile input costs time linear in its length and constant stack.
    static func parse(_ text: Substring, maxArrayDepth: Int) -> Result<EIP712FieldType, ParseFailure> {
        let utf8 = text.utf8
        var end = utf8.endIndex
        // Element counts of the suffixes, outermost (last written) first.
        var counts: [Int?] = []
        while end > utf8.startIndex, utf8[utf8.index(before: end)] == UInt8(ascii: "]") {
            guard counts.count < maxArrayDepth else { return .failure(.tooDeep) }
            let close = utf8.index(before: end)
            guard let open = utf8[..<close].lastIndex(of: UInt8(ascii: "[")) else { return .failure(.invalid) }
            let digits = utf8[utf8.index(after: open)..<close]
            if digits.isEmpty {
                counts.append(nil)
            } else {
                // Plain decimal digits, bounded so that a declared length cannot be absurd.
                guard digits.count <= 7, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return .failure(.invalid) }
                counts.append(digits.reduce(0) { $0 * 10 + Int($1 - 0x30) })
            }
            end = open
        }
        let name = text[..<end]
        var type: EIP712FieldType
        if let atomic = EIP712FieldType.atomic(name) {
            type = atomic
        } else if EIP712FieldType.isIdentifier(name) {
            type = .structure(String(name))
        } else {
            return .failure(.invalid)
        }
        for count in counts.reversed() { type = .array(type, count: count) }
        return .success(type)
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
        var type = self
        while case .array(let inner, _) = type { type = inner }
        return type
    }
}

/// The struct definitions of a typed-data document (`types`), with each struct's `encodeType` and type hash
/// prepared once.
///
/// Recursive types are allowed as EIP-712 permits (through arrays). A struct that reaches itself through
/// plain struct members only can have no finite value; hashing one reports ``EIP712Error/cyclicType(_:)``.
///
/// Setup is near-linear in the size of the declarations: each struct's dependency set is computed once
/// (strongly connected components, then one pass in dependency order), and a document may declare at most
/// ``maxTypes`` structs of ``maxFieldsPerType`` fields whose `encodeType` strings total at most
/// ``maxEncodedTypeBytes``, so a hostile document is rejected in about the time it takes to read it.
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

    /// A document may declare at most this many structs (including `EIP712Domain`); more is
    /// ``EIP712Error/tooManyTypes(limit:)``. Real documents (Permit2, ERC-3009, Seaport) declare about 20.
    public static let maxTypes = 256

    /// A struct may declare at most this many fields; more is ``EIP712Error/tooManyFields(type:limit:)``.
    public static let maxFieldsPerType = 256

    /// The `encodeType` strings of all declared structs together may hold at most this many UTF-8 bytes;
    /// more is ``EIP712Error/encodedTypesTooLong(limit:)``.
    public static let maxEncodedTypeBytes = 1 << 20

    /// Validates names and parses every member type.
    ///
    /// Throws for a malformed struct name, field name or type string, a duplicate field, a type with more
    /// than ``maxDepth`` array suffixes, or a document beyond ``maxTypes``, ``maxFieldsPerType`` or
    /// ``maxEncodedTypeBytes``. Unknown referenced types are reported when a struct that needs them is encoded.
    public init(_ definitions: [String: [EIP712Field]]) throws(EIP712Error) {
        guard definitions.count <= Self.maxTypes else { throw .tooManyTypes(limit: Self.maxTypes) }
        // Index structs in `encodeType` order (names are ASCII identifiers, so byte order is the sort order).
        let names = definitions.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var index: [String: Int] = [:]
        index.reserveCapacity(names.count)
        for (i, name) in names.enumerated() { index[name] = i }

        var parsed: [[(name: String, type: EIP712FieldType)]] = []
        parsed.reserveCapacity(names.count)
        for name in names {
            let fields = definitions[name]!
            guard EIP712FieldType.isIdentifier(Substring(name)), EIP712FieldType.atomic(Substring(name)) == nil else {
                throw .invalidTypeName(name)
            }
            guard fields.count <= Self.maxFieldsPerType else { throw .tooManyFields(type: name, limit: Self.maxFieldsPerType) }
            var seen = Set<String>()
            var list: [(name: String, type: EIP712FieldType)] = []
            list.reserveCapacity(fields.count)
            for field in fields {
                guard !field.name.isEmpty,
                      !field.name.unicodeScalars.contains(where: { "(),[] \t\n\r".unicodeScalars.contains($0) })
                else { throw .invalidFieldDeclaration(type: name, field: field.name) }
                let type: EIP712FieldType
                switch EIP712FieldType.parse(Substring(field.type), maxArrayDepth: Self.maxDepth) {
                case .success(let t): type = t
                case .failure(.tooDeep): throw .arrayNestingTooDeep(type: name, field: field.name)
                case .failure(.invalid): throw .invalidFieldDeclaration(type: name, field: field.name)
                }
                guard seen.insert(field.name).inserted else { throw .duplicateField(type: name, field: field.name) }
                list.append((field.name, type))
            }
            parsed.append(list)
        }

        // References between structs: through any member (for `encodeType`), and through plain struct
        // members only (for cycles no finite value can satisfy).
        let n = names.count
        var edges = [[Int]](repeating: [], count: n)
        var plainEdges = [[Int]](repeating: [], count: n)
        var unknown = [String?](repeating: nil, count: n)
        for (i, fields) in parsed.enumerated() {
            for field in fields {
                guard case .structure(let ref) = field.type.core else { continue }
                guard let j = index[ref] else {
                    if unknown[i] == nil { unknown[i] = ref }
                    continue
                }
                edges[i].append(j)
                if case .structure = field.type { plainEdges[i].append(j) }
            }
        }

        // Dependency sets (bit sets over the sorted indices, self included), one pass over the components
        // in dependency order: every member of a component shares the component's set.
        let (component, componentCount) = Self.stronglyConnectedComponents(edges)
        var members = [[Int]](repeating: [], count: componentCount)
        for v in 0..<n { members[component[v]].append(v) }
        let words = (n + 63) / 64
        var deps = [UInt64](repeating: 0, count: componentCount * words)
        var componentUnknown = [String?](repeating: nil, count: componentCount)
        for c in 0..<componentCount {
            for v in members[c] {
                deps[c * words + v / 64] |= 1 << UInt64(v % 64)
                if componentUnknown[c] == nil { componentUnknown[c] = unknown[v] }
                for w in edges[v] where component[w] != c {
                    // `component[w] < c`: finished already (components come out dependencies first).
                    let d = component[w]
                    for k in 0..<words { deps[c * words + k] |= deps[d * words + k] }
                    if componentUnknown[c] == nil { componentUnknown[c] = componentUnknown[d] }
                }
            }
        }

        // Each struct's own signature, `Name(type name,…)`, as written.
        let signatures = names.map { name in
            name + "(" + definitions[name]!.map { $0.type + " " + $0.name }.joined(separator: ",") + ")"
        }
        func forEachDependency(of c: Int, _ body: (Int) -> Void) {
            for k in 0..<words {
                var word = deps[c * words + k]
                while word != 0 {
                    body(k * 64 + word.trailingZeroBitCount)
                    word &= word &- 1
                }
            }
        }

        // Bound the total output before building any of it.
        var componentLength = [Int](repeating: 0, count: componentCount)
        var total = 0
        for c in 0..<componentCount where componentUnknown[c] == nil {
            var length = 0
            forEachDependency(of: c) { length += signatures[$0].utf8.count }
            componentLength[c] = length
            total += length * members[c].count
            guard total <= Self.maxEncodedTypeBytes else { throw .encodedTypesTooLong(limit: Self.maxEncodedTypeBytes) }
        }

        let cyclic = Self.cyclicVertices(plainEdges)
        var structs: [String: StructInfo] = [:]
        structs.reserveCapacity(n)
        for (i, name) in names.enumerated() {
            let c = component[i]
            let encoded: Result<String, EIP712Error>
            if let missing = componentUnknown[c] {
                encoded = .failure(.unknownType(missing))
            } else {
                var text = signatures[i]
                text.reserveCapacity(componentLength[c])
                forEachDependency(of: c) { j in if j != i { text += signatures[j] } }
                encoded = .success(text)
            }
            structs[name] = StructInfo(
                fields: parsed[i], encodedType: encoded, typeHash: encoded.map { Keccak256.hash($0) },
                isCyclic: cyclic[i])
        }
        self.definitions = definitions
        self.structs = structs
    }

    public static func == (a: EIP712Types, b: EIP712Types) -> Bool { a.definitions == b.definitions }
    public func hash(into hasher: inout Hasher) { hasher.combine(definitions) }

    /// Tarjan's strongly connected components of the graph on `0..<edges.count`, without recursion.
    ///
    /// Components are numbered in the order they complete, so every component a vertex reaches has a number
    /// no larger than its own.
    static func stronglyConnectedComponents(_ edges: [[Int]]) -> (component: [Int], count: Int) {
        let n = edges.count
        var order = [Int](repeating: -1, count: n)
        var low = [Int](repeating: 0, count: n)
        var onStack = [Bool](repeating: false, count: n)
        var stack: [Int] = []
        var component = [Int](repeating: -1, count: n)
        var count = 0
        var visited = 0
        var frames: [(vertex: Int, edge: Int)] = []
        for root in 0..<n where order[root] < 0 {
            order[root] = visited
            low[root] = visited
            visited += 1
            stack.append(root)
            onStack[root] = true
            frames.append((root, 0))
            while let (v, e) = frames.last {
                if e < edges[v].count {
                    frames[frames.count - 1].edge = e + 1
                    let w = edges[v][e]
                    if order[w] < 0 {
                        order[w] = visited
                        low[w] = visited
                        visited += 1
                        stack.append(w)
                        onStack[w] = true
                        frames.append((w, 0))
                    } else if onStack[w] {
                        low[v] = min(low[v], order[w])
                    }
                    continue
                }
                frames.removeLast()
                if let parent = frames.last?.vertex { low[parent] = min(low[parent], low[v]) }
                guard low[v] == order[v] else { continue }
                while let w = stack.popLast() {
                    onStack[w] = false
                    component[w] = count
                    if w == v { break }
                }
                count += 1
            }
        }
        return (component, count)
    }

    /// The vertices that lie on a cycle: in a component of two or more, or with an edge to themselves.
    static func cyclicVertices(_ edges: [[Int]]) -> [Bool] {
        let (component, count) = stronglyConnectedComponents(edges)
        var size = [Int](repeating: 0, count: count)
        for c in component { size[c] += 1 }
        return edges.indices.map { v in size[component[v]] > 1 || edges[v].contains(v) }
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

    /// Values may nest (structs and arrays) this deep; deeper is ``EIP712Error/nestingTooDeep``. A field type
    /// may have at most this many array suffixes (``EIP712Error/arrayNestingTooDeep(type:field:)``).
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
