/// An EIP-712 domain: any subset of the five standard fields, encoded in the standard order
/// (`name`, `version`, `chainId`, `verifyingContract`, `salt`). Permit2, for example, has no `version`.
public struct EIP712Domain: Hashable, Sendable {
    /// Domain `name` (e.g. `"x402 Batch Settlement"`, or a token's `extra.name`); `nil` leaves the field out.
    public var name: String?
    /// Domain `version` (e.g. `"1"`, a token's `extra.version`); `nil` leaves it out, as Permit2 does.
    public var version: String?
    /// EIP-155 chain id the signature is valid on; `nil` leaves it out.
    public var chainId: UInt256?
    /// The contract that verifies the signature; `nil` leaves it out.
    public var verifyingContract: Address?
    /// Extra disambiguating 32 bytes; `nil` (the usual case, as in every x402 domain) leaves it out.
    public var salt: Bytes32?

    /// Creates a domain from the fields it has.
    public init(name: String? = nil, version: String? = nil, chainId: UInt256? = nil,
                verifyingContract: Address? = nil, salt: Bytes32? = nil) {
        self.name = name
        self.version = version
        self.chainId = chainId
        self.verifyingContract = verifyingContract
        self.salt = salt
    }

    /// The `EIP712Domain` members for the fields present.
    public var fields: [EIP712Field] {
        var fields: [EIP712Field] = []
        if name != nil { fields.append(EIP712Field(name: "name", type: "string")) }
        if version != nil { fields.append(EIP712Field(name: "version", type: "string")) }
        if chainId != nil { fields.append(EIP712Field(name: "chainId", type: "uint256")) }
        if verifyingContract != nil { fields.append(EIP712Field(name: "verifyingContract", type: "address")) }
        if salt != nil { fields.append(EIP712Field(name: "salt", type: "bytes32")) }
        return fields
    }

    /// The domain as a typed-data value (the `domain` object of the JSON form).
    public var value: EIP712Value {
        var members: [String: EIP712Value] = [:]
        if let name { members["name"] = .string(name) }
        if let version { members["version"] = .string(version) }
        if let chainId { members["chainId"] = .uint(chainId) }
        if let verifyingContract { members["verifyingContract"] = .address(verifyingContract) }
        if let salt { members["salt"] = .bytes32(salt) }
        return .object(members)
    }

    /// `encodeType` of `EIP712Domain` for the fields present.
    public var encodedType: String {
        "EIP712Domain(" + fields.map { "\($0.type) \($0.name)" }.joined(separator: ",") + ")"
    }

    /// `hashStruct(EIP712Domain)`, computed directly from the fields.
    public var separator: Bytes32 {
        var words: [Bytes32] = [Keccak256.hash(encodedType)]
        if let name { words.append(Keccak256.hash(name)) }
        if let version { words.append(Keccak256.hash(version)) }
        if let chainId { words.append(chainId.word) }
        if let verifyingContract { words.append(verifyingContract.word) }
        if let salt { words.append(salt) }
        var data = [UInt8](repeating: 0, count: 32 * words.count)
        data.withUnsafeMutableBytes { raw in
            for (i, word) in words.enumerated() { word.write(to: raw.baseAddress! + 32 * i) }
        }
        return Keccak256.hash(data)
    }

    /// Reads a `domain` object; each field must have its standard type.
    public init(_ value: EIP712Value) throws(EIP712Error) {
        guard case .object(let members) = value else { throw .invalidDocument(key: "domain") }
        self.init()
        let types = EIP712Types.domainOnly
        for (key, member) in members {
            switch key {
            case "name", "version":
                guard case .string(let text) = member else { throw .invalidValue(path: key, type: "string") }
                if key == "name" { name = text } else { version = text }
            case "chainId":
                chainId = UInt256(word: try Self.word(types, .uint(bits: 256), member, key))
            case "verifyingContract":
                verifyingContract = Address(word: try Self.word(types, .address, member, key))
            case "salt":
                salt = try Self.word(types, .fixedBytes(32), member, key)
            default:
                throw .unknownDomainField(key)
            }
        }
    }

    private static func word(_ types: EIP712Types, _ type: EIP712FieldType, _ value: EIP712Value, _ key: String) throws(EIP712Error) -> Bytes32 {
        do {
            return try types.encodeValue(type, value, depth: 0)
        } catch {
            throw error.prefixed(key)
        }
    }

    /// The standard digest `keccak256(0x1901 ‖ domainSeparator ‖ structHash)`.
    public static func digest(domainSeparator: Bytes32, structHash: Bytes32) -> Bytes32 {
        withUnsafeTemporaryAllocation(byteCount: 66, alignment: 8) { buffer in
            let base = buffer.baseAddress!
            base.storeBytes(of: 0x19, as: UInt8.self)
            base.storeBytes(of: 0x01, toByteOffset: 1, as: UInt8.self)
            domainSeparator.write(to: base + 2)
            structHash.write(to: base + 34)
            return Keccak256.hash(UnsafeRawBufferPointer(buffer))
        }
    }
}

extension EIP712Types {
    static let domainOnly = try! EIP712Types([:])
}

/// A complete typed-data document, as `eth_signTypedData_v4` takes it: `{types, primaryType, domain, message}`.
public struct EIP712TypedData: Hashable, Sendable {
    /// Struct definitions, including `EIP712Domain` (inferred from the domain when the input lacked it).
    public let types: EIP712Types
    /// The struct type of `message`.
    public let primaryType: String
    /// The domain object.
    public let domain: EIP712Value
    /// The message object.
    public let message: EIP712Value

    /// Assembles a document; `types.EIP712Domain` is used when present, else inferred from `domain`'s keys.
    ///
    /// Throws when `primaryType` is not declared or the domain has a non-standard key that no
    /// `EIP712Domain` declaration covers.
    public init(types: EIP712Types, primaryType: String, domain: EIP712Value, message: EIP712Value) throws(EIP712Error) {
        var types = types
        if types.definitions["EIP712Domain"] == nil {
            var definitions = types.definitions
            definitions["EIP712Domain"] = try EIP712Domain(domain).fields
            types = try EIP712Types(definitions)
        }
        guard types.definitions[primaryType] != nil else { throw .unknownType(primaryType) }
        self.types = types
        self.primaryType = primaryType
        self.domain = domain
        self.message = message
    }

    /// Assembles a document from a typed domain; any `EIP712Domain` in `types` is replaced by the domain's fields.
    public init(types: [String: [EIP712Field]], primaryType: String, domain: EIP712Domain, message: EIP712Value) throws(EIP712Error) {
        var definitions = types
        definitions["EIP712Domain"] = domain.fields
        try self.init(types: EIP712Types(definitions), primaryType: primaryType, domain: domain.value, message: message)
    }

    /// Parses the standard JSON form. Numbers may be JSON integers or decimal / `0x` hex strings.
    public init(json: String) throws(EIP712Error) {
        try self.init(document: EIP712Value(json: json))
    }

    /// Parses the standard JSON form from UTF-8 bytes.
    public init(jsonUTF8 bytes: [UInt8]) throws(EIP712Error) {
        try self.init(document: EIP712Value(jsonUTF8: bytes))
    }

    /// Reads a parsed JSON document.
    public init(document: EIP712Value) throws(EIP712Error) {
        guard case .object(let top) = document else { throw .invalidDocument(key: "") }
        guard case .object(let typeObjects)? = top["types"] else { throw .invalidDocument(key: "types") }
        guard case .string(let primaryType)? = top["primaryType"] else { throw .invalidDocument(key: "primaryType") }
        guard let domain = top["domain"], case .object = domain else { throw .invalidDocument(key: "domain") }
        guard let message = top["message"] else { throw .invalidDocument(key: "message") }
        var definitions: [String: [EIP712Field]] = [:]
        for (name, list) in typeObjects {
            guard case .array(let entries) = list else { throw .invalidFieldDeclaration(type: name, field: "") }
            var fields: [EIP712Field] = []
            for entry in entries {
                guard case .object(let pair) = entry, case .string(let fieldName)? = pair["name"],
                      case .string(let fieldType)? = pair["type"]
                else { throw .invalidFieldDeclaration(type: name, field: "") }
                fields.append(EIP712Field(name: fieldName, type: fieldType))
            }
            definitions[name] = fields
        }
        try self.init(types: EIP712Types(definitions), primaryType: primaryType, domain: domain, message: message)
    }

    /// `hashStruct(EIP712Domain, domain)`.
    public func domainSeparator() throws(EIP712Error) -> Bytes32 {
        do {
            return try types.hashStruct("EIP712Domain", domain)
        } catch {
            throw error.prefixed("domain")
        }
    }

    /// `hashStruct(primaryType, message)`.
    public func messageHash() throws(EIP712Error) -> Bytes32 {
        try types.hashStruct(primaryType, message)
    }

    /// The signing digest `keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(message))`; for
    /// `primaryType == "EIP712Domain"` the message hash is omitted, as wallets do.
    public func digest() throws(EIP712Error) -> Bytes32 {
        let separator = try domainSeparator()
        if primaryType == "EIP712Domain" {
            var data: [UInt8] = [0x19, 0x01]
            data += separator.bytes
            return Keccak256.hash(data)
        }
        return EIP712Domain.digest(domainSeparator: separator, structHash: try messageHash())
    }

    /// The JSON form for `eth_signTypedData_v4` (compact, keys sorted).
    public var json: String {
        var typeObjects: [String: EIP712Value] = [:]
        for (name, fields) in types.definitions {
            typeObjects[name] = .array(fields.map { .object(["name": .string($0.name), "type": .string($0.type)]) })
        }
        let document: EIP712Value = .object([
            "types": .object(typeObjects), "primaryType": .string(primaryType), "domain": domain, "message": message,
        ])
        return document.json
    }
}
