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
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

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

/// A JSON object that preserves insertion order (so re-encoding reproduces the sender's bytes)
/// and compares equal regardless of order, as JSON semantics require.
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSONValue)
    /// Entries in order; keys are unique.
    public private(set) var entries: [Element]

    /// An empty object.
    public init() { entries = [] }

    /// Builds an object from ordered pairs; a repeated key keeps its first position and last value.
    public init(_ pairs: [Element]) {
        entries = []
        entries.reserveCapacity(pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }

    /// Internal: pairs known to have unique keys (the parser rejects duplicates).
    init(uniqueEntries: [Element]) { entries = uniqueEntries }

    /// Number of keys.
    public var count: Int { entries.count }
    /// True when there are no keys.
    public var isEmpty: Bool { entries.isEmpty }
    /// Keys in order.
    public var keys: [String] { entries.map(\.key) }

    /// Reads, replaces (in place) or, with `nil`, removes a key.
    public subscript(key: String) -> JSONValue? {
        get {
            for e in entries where e.key == key { return e.value }
            return nil
        }
        set {
            if let i = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[Element]> { entries.makeIterator() }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.entries.allSatisfy { rhs[$0.key] == $0.value }
    }
}
