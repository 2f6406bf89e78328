/// A coding key for arbitrary strings and indices.
public struct AnyCodingKey: CodingKey, Sendable {
    public var stringValue: String
    public var intValue: Int?
    public init(stringValue: String) { self.stringValue = stringValue }
    public init(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
    /// A string key.
    public init(_ s: String) { self.stringValue = s }
}

/// The coding path as a chain of parent links, materialized only when an error needs it: decoding a
/// well-formed payload then allocates nothing for paths.
final class CodingPathNode {
    let key: any CodingKey
    let parent: CodingPathNode?

    init(_ key: any CodingKey, parent: CodingPathNode?) {
        self.key = key
        self.parent = parent
    }

    static func path(_ node: CodingPathNode?) -> [any CodingKey] {
        var keys: [any CodingKey] = []
        var n = node
        while let current = n {
            keys.append(current.key)
            n = current.parent
        }
        return keys.reversed()
    }
}

/// `Decoder` over a parsed ``JSONValue``: integers are read exactly from the number text,
/// unknown keys are ignored, `null` counts as absent for `decodeIfPresent`.
struct JSONValueDecoder: Decoder {
    let value: JSONValue
    let node: CodingPathNode?
    var codingPath: [any CodingKey] { CodingPathNode.path(node) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(value: JSONValue, node: CodingPathNode? = nil) {
        self.value = value
        self.node = node
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else {
            throw DecodingError.typeMismatch(JSONObject.self, .init(codingPath: codingPath, debugDescription: "expected an object, found \(value.kindName)"))
        }
        return KeyedDecodingContainer(Keyed<Key>(object: object, node: node))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else {
            throw DecodingError.typeMismatch([JSONValue].self, .init(codingPath: codingPath, debugDescription: "expected an array, found \(value.kindName)"))
        }
        return Unkeyed(items: items, node: node)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(value: value, parent: node, key: nil) }

    // MARK: scalar conversion shared by all containers

    static func mismatch<T>(_ type: T.Type, _ value: JSONValue, _ path: [any CodingKey]) -> DecodingError {
        .typeMismatch(type, .init(codingPath: path, debugDescription: "expected \(type), found \(value.kindName)"))
    }

    static func integer<T: FixedWidthInteger>(_ type: T.Type, _ value: JSONValue, _ path: [any CodingKey]) throws -> T {
        guard case .number(let n) = value else { throw mismatch(type, value, path) }
        guard n.isInteger, let v = T(n.text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "number \(n.text) is not a \(type)"))
        }
        return v
    }

    /// Decodes `T` from `value` found under `key` of the container at `parent`. Paths are only built when
    /// needed: for a nested container, or for an error.
    static func decode<T: Decodable>(_ type: T.Type, _ value: JSONValue, parent: CodingPathNode?, key: (any CodingKey)?) throws -> T {
        if T.self == JSONValue.self { return value as! T }
        if T.self == String.self {
            guard case .string(let s) = value else { throw mismatch(type, value, path(parent, key)) }
            return s as! T
        }
        if T.self == JSONObject.self {
            guard case .object(let o) = value else { throw mismatch(type, value, path(parent, key)) }
            return o as! T
        }
        if let direct = T.self as? any JSONValueDecodable.Type {
            do {
                return try direct.init(jsonValue: value) as! T
            } catch {
                throw DecodingError.dataCorrupted(.init(codingPath: path(parent, key), debugDescription: error.message))
            }
        }
        let node = key.map { CodingPathNode($0, parent: parent) } ?? parent
        return try T(from: JSONValueDecoder(value: value, node: node))
    }

    static func path(_ parent: CodingPathNode?, _ key: (any CodingKey)?) -> [any CodingKey] {
        key.map { CodingPathNode.path(parent) + [$0] } ?? CodingPathNode.path(parent)
    }

    struct Single: SingleValueDecodingContainer {
        let value: JSONValue
        /// The container's parent path and own key (nil for a top-level single value).
        let parent: CodingPathNode?
        let key: (any CodingKey)?
        var codingPath: [any CodingKey] { JSONValueDecoder.path(parent, key) }
        func decodeNil() -> Bool { value == .null }
        func decode(_ type: Bool.Type) throws -> Bool {
            guard case .bool(let b) = value else { throw JSONValueDecoder.mismatch(type, value, codingPath) }
            return b
        }
        func decode(_ type: String.Type) throws -> String {
            guard case .string(let s) = value else { throw JSONValueDecoder.mismatch(type, value, codingPath) }
            return s
        }
        func decode(_ type: Double.Type) throws -> Double {
            guard case .number(let n) = value, let d = Double(n.text) else { throw JSONValueDecoder.mismatch(type, value, codingPath) }
            return d
        }
        func decode(_ type: Float.Type) throws -> Float {
            guard case .number(let n) = value, let d = Float(n.text) else { throw JSONValueDecoder.mismatch(type, value, codingPath) }
            return d
        }
        func decode(_ type: Int.Type) throws -> Int { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: Int8.Type) throws -> Int8 { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: Int16.Type) throws -> Int16 { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: Int32.Type) throws -> Int32 { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: Int64.Type) throws -> Int64 { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: UInt.Type) throws -> UInt { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try JSONValueDecoder.decode(type, value, parent: parent, key: key)
        }
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let object: JSONObject
        let node: CodingPathNode?
        var codingPath: [any CodingKey] { CodingPathNode.path(node) }
        func child(_ key: any CodingKey) -> CodingPathNode { CodingPathNode(key, parent: node) }
        var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }
        func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

        func value(_ key: Key) throws -> JSONValue {
            guard let v = object[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing key \"\(key.stringValue)\""))
            }
            return v
        }
        func single(_ key: Key) throws -> Single { Single(value: try value(key), parent: node, key: key) }

        func decodeNil(forKey key: Key) throws -> Bool { try value(key) == .null }

        // One lookup per optional field (the protocol's default does contains + decodeNil + decode).
        func present(_ key: Key) -> JSONValue? {
            guard let v = object[key.stringValue] else { return nil }
            if case .null = v { return nil }
            return v
        }
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
            guard let v = present(key) else { return nil }
            return try Single(value: v, parent: node, key: key).decode(type)
        }
        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
            guard let v = present(key) else { return nil }
            return try Single(value: v, parent: node, key: key).decode(type)
        }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
            guard let v = present(key) else { return nil }
            return try Single(value: v, parent: node, key: key).decode(type)
        }
        func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? {
            guard let v = present(key) else { return nil }
            return try Single(value: v, parent: node, key: key).decode(type)
        }
        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let v = present(key) else { return nil }
            return try JSONValueDecoder.decode(type, v, parent: node, key: key)
        }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try single(key).decode(type) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try single(key).decode(type) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try single(key).decode(type) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try single(key).decode(type) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try single(key).decode(type) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try single(key).decode(type) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try single(key).decode(type) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try single(key).decode(type) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try single(key).decode(type) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try single(key).decode(type) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try single(key).decode(type) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try single(key).decode(type) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try single(key).decode(type) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try single(key).decode(type) }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try JSONValueDecoder.decode(type, try value(key), parent: node, key: key)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try JSONValueDecoder(value: try value(key), node: child(key)).container(keyedBy: type)
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try JSONValueDecoder(value: try value(key), node: child(key)).unkeyedContainer()
        }
        func superDecoder() throws -> any Decoder {
            JSONValueDecoder(value: object["super"] ?? .null, node: child(AnyCodingKey("super")))
        }
        func superDecoder(forKey key: Key) throws -> any Decoder {
            JSONValueDecoder(value: object[key.stringValue] ?? .null, node: child(key))
        }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let items: [JSONValue]
        let node: CodingPathNode?
        var codingPath: [any CodingKey] { CodingPathNode.path(node) }
        var currentIndex = 0
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }

        init(items: [JSONValue], node: CodingPathNode?) {
            self.items = items
            self.node = node
        }

        /// The next element and its index key; the index moves past it.
        mutating func take() throws -> (value: JSONValue, key: AnyCodingKey) {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(JSONValue.self, .init(codingPath: codingPath, debugDescription: "array exhausted"))
            }
            defer { currentIndex += 1 }
            return (items[currentIndex], AnyCodingKey(intValue: currentIndex))
        }
        mutating func single() throws -> Single {
            let (v, k) = try take()
            return Single(value: v, parent: node, key: k)
        }
        /// The next element as a decoder of its own (nested containers need its path).
        mutating func next() throws -> JSONValueDecoder {
            let (v, k) = try take()
            return JSONValueDecoder(value: v, node: CodingPathNode(k, parent: node))
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, items[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }
        mutating func decode(_ type: Bool.Type) throws -> Bool { try single().decode(type) }
        mutating func decode(_ type: String.Type) throws -> String { try single().decode(type) }
        mutating func decode(_ type: Double.Type) throws -> Double { try single().decode(type) }
        mutating func decode(_ type: Float.Type) throws -> Float { try single().decode(type) }
        mutating func decode(_ type: Int.Type) throws -> Int { try single().decode(type) }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try single().decode(type) }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try single().decode(type) }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try single().decode(type) }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try single().decode(type) }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try single().decode(type) }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try single().decode(type) }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try single().decode(type) }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try single().decode(type) }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try single().decode(type) }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let (v, k) = try take()
            return try JSONValueDecoder.decode(type, v, parent: node, key: k)
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next().container(keyedBy: type)
        }
        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try next().unkeyedContainer()
        }
        mutating func superDecoder() throws -> any Decoder {
            try next()
        }
    }
}

extension JSONValue {
    /// A short name of the value's JSON type, for error messages.
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
