/// Mutable tree built while encoding; containers hold references so nested containers can fill
/// their slot after being handed out (the `Encoder` protocol requires this).
final class EncodingNode {
    enum Storage {
        case empty
        case value(JSONValue)
        case object([(String, EncodingNode)])
        case array([EncodingNode])
    }
    var storage: Storage = .empty

    func materialize() -> JSONValue {
        switch storage {
        case .empty: return .object(JSONObject())
        case .value(let v): return v
        case .object(let entries):
            return .object(JSONObject(uniqueEntries: entries.map { (key: $0.0, value: $0.1.materialize()) }))
        case .array(let items): return .array(items.map { $0.materialize() })
        }
    }

    /// Child node for `key`; a repeated key reuses its slot so the first position is kept.
    func child(forKey key: String) -> EncodingNode {
        if case .empty = storage { storage = .object([]) }
        guard case .object(var entries) = storage else {
            // Mixing container kinds is a programming error; keep going with a fresh object.
            let node = EncodingNode()
            storage = .object([(key, node)])
            return node
        }
        if let existing = entries.first(where: { $0.0.utf8Equals(key) }) {
            existing.1.storage = .empty
            return existing.1
        }
        let node = EncodingNode()
        storage = .empty  // release the array so the append below does not copy it
        entries.append((key, node))
        storage = .object(entries)
        return node
    }

    func appendChild() -> EncodingNode {
        if case .empty = storage { storage = .array([]) }
        let node = EncodingNode()
        guard case .array(var items) = storage else {
            storage = .array([node])
            return node
        }
        storage = .empty
        items.append(node)
        storage = .array(items)
        return node
    }

    var arrayCount: Int { if case .array(let a) = storage { a.count } else { 0 } }
}

/// `Encoder` producing a ``JSONValue``: keys in encode order, integers as exact text.
struct JSONValueEncoder: Encoder {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .empty = node.storage { node.storage = .object([]) }
        return KeyedEncodingContainer(Keyed<Key>(node: node, codingPath: codingPath))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .empty = node.storage { node.storage = .array([]) }
        return Unkeyed(node: node, codingPath: codingPath)
    }
    func singleValueContainer() -> any SingleValueEncodingContainer { Single(node: node, codingPath: codingPath) }

    static func encode<T: Encodable>(_ value: T, into node: EncodingNode, path: [any CodingKey]) throws {
        if let v = value as? JSONValue { node.storage = .value(v); return }
        if let o = value as? JSONObject { node.storage = .value(.object(o)); return }
        try value.encode(to: JSONValueEncoder(node: node, codingPath: path))
    }

    struct Single: SingleValueEncodingContainer {
        let node: EncodingNode
        let codingPath: [any CodingKey]
        func set(_ v: JSONValue) { node.storage = .value(v) }
        func encodeNil() throws { set(.null) }
        func encode(_ value: Bool) throws { set(.bool(value)) }
        func encode(_ value: String) throws { set(.string(value)) }
        func encode(_ value: Double) throws { try set(JSONValueEncoder.float(value, codingPath)) }
        func encode(_ value: Float) throws { try set(JSONValueEncoder.float(Double(value), codingPath)) }
        func encode(_ value: Int) throws { set(.number(JSONNumber(value))) }
        func encode(_ value: Int8) throws { set(.number(JSONNumber(value))) }
        func encode(_ value: Int16) throws { set(.number(JSONNumber(value))) }
        func encode(_ value: Int32) throws { set(.number(JSONNumber(value))) }
        func encode(_ value: Int64) throws { set(.number(JSONNumber(value))) }
        func encode(_ value: UInt) throws { set(.number(JSONNumber(value))) }
        func encode(_ value: UInt8) throws { set(.number(JSONNumber(value))) }
        func encode(_ value: UInt16) throws { set(.number(JSONNumber(value))) }
        func encode(_ value: UInt32) throws { set(.number(JSONNumber(value))) }
        func encode(_ value: UInt64) throws { set(.number(JSONNumber(value))) }
        func encode<T: Encodable>(_ value: T) throws { try JSONValueEncoder.encode(value, into: node, path: codingPath) }
    }

    static func float(_ d: Double, _ path: [any CodingKey]) throws -> JSONValue {
        guard d.isFinite else {
            throw EncodingError.invalidValue(d, .init(codingPath: path, debugDescription: "JSON has no NaN or infinity"))
        }
        // Swift prints the shortest round-trip digits; `1e+16` style is valid JSON once `+` is kept.
        return .number(JSONNumber(unchecked: d.description))
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: EncodingNode
        let codingPath: [any CodingKey]
        func single(_ key: Key) -> Single { Single(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key]) }

        mutating func encodeNil(forKey key: Key) throws { try single(key).encodeNil() }
        mutating func encode(_ value: Bool, forKey key: Key) throws { try single(key).encode(value) }
        mutating func encode(_ value: String, forKey key: Key) throws { try single(key).encode(value) }
        mutating func encode(_ value: Double, forKey key: Key) throws { try single(key).encode(value) }
        mutating func encode(_ value: Float, forKey key: Key) throws { try single(key).encode(value) }
        mutating func encode(_ value: Int, forKey key: Key) throws { try single(key).encode(value) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { try single(key).encode(value) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { try single(key).encode(value) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { try single(key).encode(value) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { try single(key).encode(value) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { try single(key).encode(value) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { try single(key).encode(value) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { try single(key).encode(value) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { try single(key).encode(value) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { try single(key).encode(value) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try JSONValueEncoder.encode(value, into: node.child(forKey: key.stringValue), path: codingPath + [key])
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            JSONValueEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            JSONValueEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder {
            JSONValueEncoder(node: node.child(forKey: "super"), codingPath: codingPath + [AnyCodingKey("super")])
        }
        mutating func superEncoder(forKey key: Key) -> any Encoder {
            JSONValueEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: EncodingNode
        let codingPath: [any CodingKey]
        var count: Int { node.arrayCount }
        func single() -> Single {
            let path = codingPath + [AnyCodingKey(intValue: node.arrayCount)]
            return Single(node: node.appendChild(), codingPath: path)
        }
        mutating func encodeNil() throws { try single().encodeNil() }
        mutating func encode(_ value: Bool) throws { try single().encode(value) }
        mutating func encode(_ value: String) throws { try single().encode(value) }
        mutating func encode(_ value: Double) throws { try single().encode(value) }
        mutating func encode(_ value: Float) throws { try single().encode(value) }
        mutating func encode(_ value: Int) throws { try single().encode(value) }
        mutating func encode(_ value: Int8) throws { try single().encode(value) }
        mutating func encode(_ value: Int16) throws { try single().encode(value) }
        mutating func encode(_ value: Int32) throws { try single().encode(value) }
        mutating func encode(_ value: Int64) throws { try single().encode(value) }
        mutating func encode(_ value: UInt) throws { try single().encode(value) }
        mutating func encode(_ value: UInt8) throws { try single().encode(value) }
        mutating func encode(_ value: UInt16) throws { try single().encode(value) }
        mutating func encode(_ value: UInt32) throws { try single().encode(value) }
        mutating func encode(_ value: UInt64) throws { try single().encode(value) }
        mutating func encode<T: Encodable>(_ value: T) throws { try single().encode(value) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let path = codingPath + [AnyCodingKey(intValue: node.arrayCount)]
            return JSONValueEncoder(node: node.appendChild(), codingPath: path).container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let path = codingPath + [AnyCodingKey(intValue: node.arrayCount)]
            return JSONValueEncoder(node: node.appendChild(), codingPath: path).unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder {
            let path = codingPath + [AnyCodingKey(intValue: node.arrayCount)]
            return JSONValueEncoder(node: node.appendChild(), codingPath: path)
        }
    }
}
