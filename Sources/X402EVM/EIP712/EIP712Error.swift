/// Why typed data could not be parsed, validated or hashed.
///
/// `path` values name the offending value from the message root, e.g. `"mail.to[1].wallet"`.
public enum EIP712Error: Error, Hashable, Sendable {
    /// The JSON text is not well-formed (byte offset of the problem).
    case malformedJSON(offset: Int)
    /// A JSON number has a fraction or exponent; EIP-712 integers must be whole numbers.
    case nonIntegerNumber(offset: Int)
    /// JSON or values nest deeper than the encoder allows.
    case nestingTooDeep
    /// A required top-level key (`types`, `primaryType`, `domain`, `message`) is missing or has the wrong kind.
    case invalidDocument(key: String)
    /// A struct name is empty, contains punctuation, or is an atomic type name.
    case invalidTypeName(String)
    /// A field declaration is malformed (bad name, bad array suffix, not `{name, type}` strings).
    case invalidFieldDeclaration(type: String, field: String)
    /// A field type has more than ``EIP712Types/maxDepth`` array suffixes (`T[][]…[]`).
    case arrayNestingTooDeep(type: String, field: String)
    /// The document declares more than ``EIP712Types/maxTypes`` structs.
    case tooManyTypes(limit: Int)
    /// A struct declares more than ``EIP712Types/maxFieldsPerType`` fields.
    case tooManyFields(type: String, limit: Int)
    /// The `encodeType` strings of all declared structs together exceed ``EIP712Types/maxEncodedTypeBytes``.
    case encodedTypesTooLong(limit: Int)
    /// A struct declares the same field name twice.
    case duplicateField(type: String, field: String)
    /// A type is neither atomic nor declared in `types`.
    case unknownType(String)
    /// A struct refers to itself through non-array fields only, so no finite value can satisfy it.
    case cyclicType(String)
    /// The domain has a key outside `name`, `version`, `chainId`, `verifyingContract`, `salt`
    /// and `types.EIP712Domain` was not given to declare it.
    case unknownDomainField(String)
    /// A struct value lacks a declared field.
    case missingField(path: String)
    /// A value has the wrong kind or format for its type (e.g. a number for `address`, bad hex).
    case invalidValue(path: String, type: String)
    /// An integer does not fit its `uintN`/`intN` type.
    case valueOutOfRange(path: String, type: String)
    /// A fixed-size array value has the wrong number of elements.
    case arrayLengthMismatch(path: String, expected: Int, actual: Int)

    /// The same error with `component` prepended to its path (built only on the error path).
    func prefixed(_ component: String) -> EIP712Error {
        func join(_ path: String) -> String {
            path.isEmpty ? component : (path.hasPrefix("[") ? component + path : component + "." + path)
        }
        switch self {
        case .missingField(let path): return .missingField(path: join(path))
        case .invalidValue(let path, let type): return .invalidValue(path: join(path), type: type)
        case .valueOutOfRange(let path, let type): return .valueOutOfRange(path: join(path), type: type)
        case .arrayLengthMismatch(let path, let e, let a): return .arrayLengthMismatch(path: join(path), expected: e, actual: a)
        default: return self
        }
    }
}
