/// A JSON number kept exactly as its decimal text, so big integers never pass through `Double`.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number's JSON text, e.g. `"900"`, `"-1.5e3"`.
    public let text: String

    /// Wraps text already known to match the JSON number grammar (internal: the parser checks it).
    init(unchecked text: String) { self.text = text }

    /// Validates `text` against the JSON number grammar.
    public init(_ text: String) throws(JSONParseError) {
        var copy = text
        let ok = copy.withUTF8 { JSONNumber.scan($0, from: 0) == $0.count && !$0.isEmpty }
        guard ok else { throw JSONParseError(.invalidNumber, offset: 0) }
        self.text = text
    }

    /// An integer value.
    public init<I: BinaryInteger>(_ value: I) { self.text = String(value) }

    /// True when the text is a plain integer (no fraction, no exponent).
    public var isInteger: Bool { !text.utf8.contains { $0 == 0x2E || $0 == 0x65 || $0 == 0x45 } }

    /// The value as an `Int64` when the text is an integer that fits.
    public var int64: Int64? { isInteger ? Int64(text) : nil }
    /// The value as a `UInt64` when the text is a non-negative integer that fits.
    public var uint64: UInt64? { isInteger ? UInt64(text) : nil }

    public var description: String { text }

    /// Returns the end offset of a JSON number starting at `start`, or `start` when none is there.
    static func scan(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        let n = b.count
        @inline(__always) func isDigit(_ i: Int) -> Bool { i < n && b[i] >= 0x30 && b[i] <= 0x39 }
        if i < n && b[i] == 0x2D { i += 1 }
        guard isDigit(i) else { return start }
        if b[i] == 0x30 { i += 1 } else { while isDigit(i) { i += 1 } }
        if i < n && b[i] == 0x2E {
            guard isDigit(i + 1) else { return start }
            i += 1
            while isDigit(i) { i += 1 }
        }
        if i < n && (b[i] == 0x65 || b[i] == 0x45) {
            var j = i + 1
            if j < n && (b[j] == 0x2B || b[j] == 0x2D) { j += 1 }
            guard isDigit(j) else { return start }
            while isDigit(j) { j += 1 }
            i = j
        }
        return i
    }
}

/// Any JSON value. Objects keep their key order; numbers keep their exact text.
public enum JSONValue: Sendable, Equatable {
    /// `null` (distinct from an absent key).
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, kept as its exact source text.
    case number(JSONNumber)
    /// A string, with escapes decoded.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object, keys in source order.
    case object(JSONObject)

    /// Structural equality; strings compare by their UTF-8 bytes (not Unicode canonical equivalence),
    /// numbers by their exact text, objects regardless of key order.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a.text.utf8Equals(b.text)
        case (.string(let a), .string(let b)): a.utf8Equals(b)
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a == b
        default: false
        }
    }

    /// The member `key` when this is an object that has it.
    public subscript(key: String) -> JSONValue? { objectValue?[key] }

    /// The string, when this is a string.
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    /// The object, when this is an object.
    public var objectValue: JSONObject? { if case .object(let o) = self { o } else { nil } }
    /// The array, when this is an array.
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    /// The number, when this is a number.
    public var numberValue: JSONNumber? { if case .number(let n) = self { n } else { nil } }
    /// The boolean, when this is a boolean.
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }

    /// True when every key/value of `subset` is present in `self`, recursively for objects
    /// (the x402 `accepted.extra` matching rule); other values must be equal.
    public func contains(_ subset: JSONValue) -> Bool {
        switch (self, subset) {
        case (.object(let outer), .object(let inner)):
            return inner.allSatisfy { key, value in outer[key].map { $0.contains(value) } ?? false }
        default:
            return self == subset
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
    public init(nilLiteral: ()) { self = .null }
}

@inlinable
func memcmpEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    for i in 0..<a.count where a[i] != b[i] { return false }
    return true
}

/// An object key compared and hashed by its UTF-8 bytes.
///
/// Swift's `String ==` uses Unicode canonical equivalence, so an NFC key and its NFD twin would be
/// "equal"; every other JSON parser (and the SDKs) compare keys by code points, and so do we.
@usableFromInline
struct JSONKey: Hashable, Sendable {
    @usableFromInline let string: String

    @inlinable init(_ string: String) { self.string = string }

    @inlinable static func == (lhs: JSONKey, rhs: JSONKey) -> Bool { lhs.string.utf8Equals(rhs.string) }

    @inlinable func hash(into hasher: inout Hasher) { string.hashUTF8(into: &hasher) }
}

extension String {
    /// Feeds the UTF-8 bytes to `hasher`: the hash that goes with ``utf8Equals(_:)``.
    @inlinable
    public func hashUTF8(into hasher: inout Hasher) {
        if let done: Void = utf8.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) {
            return done
        }
        // Same bytes, same hash, whatever the string's storage.
        Array(utf8).withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// Byte-wise (code point) equality, unlike `==`, which treats canonically equivalent strings as equal.
    /// Wire strings (JSON keys, addresses, token names) must compare this way.
    @inlinable
    public func utf8Equals(_ other: String) -> Bool {
        // Equal bytes imply canonical equivalence, so `==` (fast: bitwise / ASCII compare) rejects almost
        // every mismatch; only when it says "equal" are the bytes checked, to tell NFC from NFD twins.
        guard self == other else { return false }
        var a = self, b = other  // withUTF8 needs `inout`; native strings are not copied
        return a.withUTF8 { pa in b.withUTF8 { pb in pa.count == pb.count && memcmpEqual(pa, pb) } }
    }
}


/// A JSON object that preserves insertion order (so re-encoding reproduces the sender's bytes),
/// looks keys up in O(1), and compares equal regardless of order, as JSON semantics require.
/// Keys are compared by their UTF-8 bytes (see ``Swift/String/utf8Equals(_:)``).
///
/// Small objects (the wire's usual 2–10 keys) are a plain array scanned linearly, which beats hashing;
/// past ``indexThreshold`` keys a hash index is built, so a hostile object of thousands of keys costs
/// O(1) per lookup and per duplicate check.
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// One member: its key and value.
    public typealias Element = (key: String, value: JSONValue)
    @usableFromInline var storage: [Element]
    /// Key → position; built once the object holds more than ``indexThreshold`` keys.
    @usableFromInline var index: [JSONKey: Int]?

    /// Key count above which lookups go through a hash index.
    public static let indexThreshold = 16

    /// An empty object.
    public init() { storage = [] }

    /// Builds an object from ordered pairs; a repeated key keeps its first position and last value.
    public init(_ pairs: [Element]) {
        storage = []
        storage.reserveCapacity(pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        // Same as `init(_:)`, without an intermediate array of pairs.
        storage = []
        storage.reserveCapacity(elements.count)
        for (k, v) in elements { self[k] = v }
    }

    /// Pairs whose keys are known to be distinct (the encoder deduplicates them already).
    init(uniqueEntries: [Element]) {
        storage = uniqueEntries
        if storage.count > Self.indexThreshold { rebuildIndex() }
    }

    /// An empty object with room for `minimumCapacity` keys (no reallocation while it holds no more).
    public init(minimumCapacity: Int) { self.init(capacity: minimumCapacity) }

    /// An empty object with room for `capacity` keys.
    @usableFromInline init(capacity: Int) {
        storage = []
        storage.reserveCapacity(capacity)
    }

    /// Number of keys.
    public var count: Int { storage.count }
    /// True when there are no keys.
    public var isEmpty: Bool { storage.isEmpty }
    /// Keys in order.
    public var keys: [String] { storage.map(\.key) }
    /// Entries in order.
    public var entries: [Element] { storage }

    @inlinable
    func position(of key: String) -> Int? {
        if let index { return index[JSONKey(key)] }
        // Byte length first: O(1) for native strings, and it rules out most keys before any comparison.
        let length = key.utf8.count
        for i in storage.indices where storage[i].key.utf8.count == length && storage[i].key.utf8Equals(key) { return i }
        return nil
    }

    /// Reads, replaces (in place, keeping the position) or, with `nil`, removes a key.
    public subscript(key: String) -> JSONValue? {
        @inlinable get { position(of: key).map { storage[$0].value } }
        set {
            if let i = position(of: key) {
                if let newValue {
                    storage[i].value = newValue
                } else {
                    storage.remove(at: i)
                    rebuildIndex()
                }
            } else if let newValue {
                append(key, newValue)
            }
        }
    }

    /// Inserts `value` under a new key; returns false (and changes nothing) when the key exists.
    @discardableResult
    public mutating func insertNew(_ key: String, _ value: JSONValue) -> Bool {
        guard position(of: key) == nil else { return false }
        append(key, value)
        return true
    }

    mutating func append(_ key: String, _ value: JSONValue) {
        storage.append((key, value))
        if index != nil {
            index![JSONKey(key)] = storage.count - 1
        } else if storage.count > Self.indexThreshold {
            rebuildIndex()
        }
    }

    mutating func rebuildIndex() {
        guard storage.count > Self.indexThreshold else { index = nil; return }
        var built = [JSONKey: Int](minimumCapacity: storage.count)
        for (i, e) in storage.enumerated() { built[JSONKey(e.key)] = i }
        index = built
    }

    public func makeIterator() -> IndexingIterator<[Element]> { storage.makeIterator() }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (k, v) in lhs.storage where rhs[k] != v { return false }
        return true
    }
}
