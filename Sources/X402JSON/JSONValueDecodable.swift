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
    public func requireString(_ expected: @autoclosure () -> String) throws(JSONValueError) -> String {
        guard case .string(let s) = self else { throw JSONValueError("expected \(expected()), found \(kindName)") }
        return s
    }
}
