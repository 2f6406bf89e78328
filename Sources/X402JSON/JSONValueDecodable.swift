/// Why a ``JSONValueDecodable`` value could not be read; the message becomes the `DecodingError`'s
/// description, with the coding path added by the decoder.
public struct JSONValueError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, for a person.
    public var message: String

    /// An error with a message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// A type that reads itself straight from one parsed JSON value, bypassing `Decoder` containers.
///
/// Scalars that travel as a single JSON string or number (addresses, hashes, amounts, network ids) adopt
/// it; X402JSON's decoder then skips the container machinery, which dominates the cost of decoding a
/// payment header. Their `init(from:)` should use ``decodeValue(from:)`` so that every decoder agrees.
public protocol JSONValueDecodable: Decodable {
    /// Reads the value from its JSON form.
    init(jsonValue: JSONValue) throws(JSONValueError)
}

extension JSONValueDecodable {
    /// `init(from:)` for any decoder: the single value as JSON, then ``init(jsonValue:)``.
    public static func decodeValue(from decoder: any Decoder) throws -> Self {
        let container = try decoder.singleValueContainer()
        let value = try container.decode(JSONValue.self)
        do {
            return try Self(jsonValue: value)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }
}

extension JSONValue {
    /// The string, or a ``JSONValueError`` naming what was found instead of `expected`.
    @inlinable public func requireString(_ expected: @autoclosure () -> String) throws(JSONValueError) -> String {
        guard case .string(let s) = self else { throw JSONValueError("expected \(expected()), found \(kindName)") }
        return s
    }
}

/// The fields of a JSON object, read for a ``JSONValueDecodable`` initializer: one hashed or short linear
/// lookup per field, errors that name the field (`accepted.payTo: expected a string, found number`).
public struct JSONFields {
    /// The object being read.
    public let object: JSONObject

    /// The fields of `value`, which must be an object (`what` names it in the error).
    public init(_ value: JSONValue, _ what: @autoclosure () -> String) throws(JSONValueError) {
        guard case .object(let o) = value else { throw JSONValueError("expected \(what()) object, found \(value.kindName)") }
        object = o
    }

    /// A required field.
    @inlinable public func required<T: JSONValueDecodable>(_ key: String, as type: T.Type = T.self) throws(JSONValueError) -> T {
        guard let v = object[key] else { throw JSONValueError("missing key \(key)") }
        return try Self.read(T.self, v, key)
    }

    /// An optional field: absent and `null` are `nil`.
    @inlinable public func optional<T: JSONValueDecodable>(_ key: String, as type: T.Type = T.self) throws(JSONValueError) -> T? {
        guard let v = object[key], v != .null else { return nil }
        return try Self.read(T.self, v, key)
    }

    /// A required string.
    @inlinable public func string(_ key: String) throws(JSONValueError) -> String {
        guard let v = object[key] else { throw JSONValueError("missing key \(key)") }
        guard case .string(let s) = v else { throw JSONValueError("\(key): expected a string, found \(v.kindName)") }
        return s
    }

    /// An optional string: absent and `null` are `nil`.
    @inlinable public func optionalString(_ key: String) throws(JSONValueError) -> String? {
        guard let v = object[key], v != .null else { return nil }
        guard case .string(let s) = v else { throw JSONValueError("\(key): expected a string, found \(v.kindName)") }
        return s
    }

    /// A required integer that fits `Int`.
    @inlinable public func int(_ key: String) throws(JSONValueError) -> Int {
        guard let v = object[key] else { throw JSONValueError("missing key \(key)") }
        guard case .number(let n) = v, n.isInteger, let i = n.int64.flatMap({ Int(exactly: $0) }) else {
            throw JSONValueError("\(key): expected an integer, found \(v.kindName == "number" ? (v.numberValue?.text ?? "number") : v.kindName)")
        }
        return i
    }

    /// An optional object: absent and `null` are `nil`.
    @inlinable public func optionalObject(_ key: String) throws(JSONValueError) -> JSONObject? {
        guard let v = object[key], v != .null else { return nil }
        guard case .object(let o) = v else { throw JSONValueError("\(key): expected an object, found \(v.kindName)") }
        return o
    }

    /// A required object.
    @inlinable public func requiredObject(_ key: String) throws(JSONValueError) -> JSONObject {
        guard let o = try optionalObject(key) else { throw JSONValueError("missing key \(key)") }
        return o
    }

    @inlinable static func read<T: JSONValueDecodable>(_ type: T.Type, _ v: JSONValue, _ key: String) throws(JSONValueError) -> T {
        do { return try T(jsonValue: v) } catch { throw JSONValueError("\(key): \(error.message)") }
    }
}
