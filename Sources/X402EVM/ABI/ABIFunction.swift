extension SignatureParser {
    /// Parses `name(params)`, then for functions optional modifiers and `returns (outputs)`.
    mutating func parseSignature(allowIndexed: Bool, allowReturns: Bool) throws(ABIError)
        -> (name: String, inputs: [ABIParameter], outputs: [ABIParameter]?) {
        skipSpaces()
        if bytes[position...].starts(with: Array("function ".utf8)) || bytes[position...].starts(with: Array("event ".utf8))
            || bytes[position...].starts(with: Array("error ".utf8)) {
            _ = identifier()
        }
        guard let name = identifier() else { throw error() }
        guard consume(0x28) else { throw error() }
        let inputs = try parseParameterList(depth: 0, allowIndexed: allowIndexed)
        var outputs: [ABIParameter]?
        if allowReturns {
            // Modifiers (`external view`, …) carry no ABI information.
            while !atEnd {
                let save = position
                guard let word = identifier() else { position = save; break }
                if word == "returns" {
                    guard consume(0x28) else { throw error() }
                    outputs = try parseParameterList(depth: 0, allowIndexed: false)
                    break
                }
            }
        }
        skipSpaces()
        guard atEnd else { throw error() }
        for p in inputs + (outputs ?? []) { try p.type.validate() }
        return (name, inputs, outputs)
    }
}

private func selector(of signature: String) -> [UInt8] {
    Array(Keccak256.hash(signature).bytes.prefix(4))
}

private func checkSelector(_ expected: [UInt8], in data: [UInt8]) throws(ABIError) {
    guard data.count >= 4, Array(data.prefix(4)) == expected else {
        throw .selectorMismatch(expected: expected, actual: Array(data.prefix(4)))
    }
}

/// A contract function: canonical signature, selector (computed by Keccak-256), call and output codecs.
public struct ABIFunction: Hashable, Sendable, CustomStringConvertible {
    /// Function name.
    public let name: String
    /// Parameters (names are informational).
    public let inputs: [ABIParameter]
    /// Return values.
    public let outputs: [ABIParameter]
    /// `name(type1,type2,…)` with canonical types.
    public let signature: String
    /// First 4 bytes of `keccak256(signature)`.
    public let selector: [UInt8]

    /// Parses `name(params)` with optional parameter names, modifiers and `returns (…)`, e.g.
    /// `"channels(bytes32) view returns (uint128 balance, uint128 totalClaimed)"`.
    /// `outputs`, when given, is a parenthesised list (`"(uint128,uint128)"`) and overrides `returns`.
    public init(_ signature: String, outputs: String? = nil) throws(ABIError) {
        var parser = SignatureParser(signature)
        let parsed = try parser.parseSignature(allowIndexed: false, allowReturns: true)
        var outs = parsed.outputs ?? []
        if let outputs {
            var p = SignatureParser(outputs)
            guard p.consume(0x28) else { throw p.error() }
            outs = try p.parseParameterList(depth: 0, allowIndexed: false)
            p.skipSpaces()
            guard p.atEnd else { throw p.error() }
            for o in outs { try o.type.validate() }
        }
        self.init(name: parsed.name, inputs: parsed.inputs, outputs: outs)
    }

    /// From parts; types are validated when encoding or decoding.
    public init(name: String, inputs: [ABIParameter], outputs: [ABIParameter] = []) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        signature = name + "(" + inputs.map(\.type.canonical).joined(separator: ",") + ")"
        selector = X402EVM.selector(of: signature)
    }

    /// The parameter types in order (what ``encodeCall(_:)`` encodes).
    public var inputTypes: [ABIType] { inputs.map(\.type) }
    /// The return types in order (what ``decodeOutput(_:)`` decodes).
    public var outputTypes: [ABIType] { outputs.map(\.type) }
    /// `0x` + 8 hex digits.
    public var selectorHex: String { Hex.encode(selector) }
    public var description: String { signature }

    /// Selector followed by the encoded arguments.
    public func encodeCall(_ arguments: [ABIValue]) throws(ABIError) -> [UInt8] {
        selector + (try ABI.encode(arguments, as: inputTypes))
    }

    /// Checks the selector and decodes the arguments.
    public func decodeCall(_ calldata: some Collection<UInt8>) throws(ABIError) -> [ABIValue] {
        let data = Array(calldata)
        try checkSelector(selector, in: data)
        return try ABI.decode(inputTypes, from: data.dropFirst(4))
    }

    /// Decodes return data (`eth_call` result).
    public func decodeOutput(_ data: some Collection<UInt8>) throws(ABIError) -> [ABIValue] {
        try ABI.decode(outputTypes, from: data)
    }

    /// Encodes return values (for stubs and fakes of a contract).
    public func encodeOutput(_ values: [ABIValue]) throws(ABIError) -> [UInt8] {
        try ABI.encode(values, as: outputTypes)
    }
}

/// A contract event: canonical signature, topic0, log decoder.
public struct ABIEvent: Hashable, Sendable, CustomStringConvertible {
    /// Event name, e.g. `Deposited`.
    public let name: String
    /// Parameters in declaration order, with their `indexed` flags.
    public let inputs: [ABIParameter]
    /// `Name(type1,type2,…)`.
    public let signature: String
    /// `keccak256(signature)`.
    public let topic0: Bytes32

    /// Parses `Name(type [indexed] [name], …)`, e.g. `"Settled(address indexed receiver, address indexed token, address indexed sender, uint128 amount)"`.
    public init(_ signature: String) throws(ABIError) {
        var parser = SignatureParser(signature)
        let parsed = try parser.parseSignature(allowIndexed: true, allowReturns: false)
        guard parsed.inputs.filter(\.indexed).count <= 3 else { throw .invalidType("more than 3 indexed parameters") }
        self.init(name: parsed.name, inputs: parsed.inputs)
    }

    /// From parts.
    public init(name: String, inputs: [ABIParameter]) {
        self.name = name
        self.inputs = inputs
        signature = name + "(" + inputs.map(\.type.canonical).joined(separator: ",") + ")"
        topic0 = Keccak256.hash(signature)
    }

    public var description: String { signature }

    /// True when `topics` start with this event's topic0 and have one topic per indexed parameter.
    public func matches(topics: [Bytes32]) -> Bool {
        topics.first == topic0 && topics.count == 1 + inputs.filter(\.indexed).count
    }

    /// Decodes a log into values in declaration order. Indexed parameters that are not elementary
    /// (`string`, `bytes`, arrays, tuples) are only present as their hash and come back as `.fixedBytes` (32 bytes).
    public func decodeLog(topics: [Bytes32], data: some Collection<UInt8>) throws(ABIError) -> [ABIValue] {
        guard matches(topics: topics) else { throw .topicMismatch }
        let nonIndexed = inputs.filter { !$0.indexed }.map(\.type)
        var dataValues = try ABI.decode(nonIndexed, from: data).makeIterator()
        var topicIterator = topics.dropFirst().makeIterator()
        var values: [ABIValue] = []
        values.reserveCapacity(inputs.count)
        for input in inputs {
            if input.indexed {
                guard let topic = topicIterator.next() else { throw .topicMismatch }
                if input.type.isHashedWhenIndexed {
                    values.append(.fixedBytes(topic.bytes))
                } else {
                    values.append(try ABI.decode(input.type, from: topic.bytes))
                }
            } else if let value = dataValues.next() {
                values.append(value)
            }
        }
        return values
    }

    /// Encodes a log (topics and data) from values in declaration order, as a contract would emit it.
    /// Indexed `string`/`bytes` and static structs/arrays are hashed; indexed dynamic arrays and structs are unsupported.
    public func encodeLog(_ values: [ABIValue]) throws(ABIError) -> (topics: [Bytes32], data: [UInt8]) {
        guard values.count == inputs.count else {
            throw .argumentCountMismatch(expected: inputs.count, actual: values.count)
        }
        var topics = [topic0]
        var dataValues: [ABIValue] = [], dataTypes: [ABIType] = []
        for (input, value) in zip(inputs, values) {
            guard input.indexed else {
                dataValues.append(value)
                dataTypes.append(input.type)
                continue
            }
            switch (input.type, value) {
            case (.bytes, .bytes(let b)): topics.append(Keccak256.hash(b))
            case (.string, .string(let s)): topics.append(Keccak256.hash(s))
            case (let t, _) where !t.isHashedWhenIndexed:
                guard let topic = try? Bytes32(ABI.encode(value, as: t)) else { throw .typeMismatch(expected: t.canonical) }
                topics.append(topic)
            case (let t, _) where !t.isDynamic:
                // Static structs and fixed arrays: the topic hashes their in-place (= ABI) encoding.
                topics.append(Keccak256.hash(try ABI.encode(value, as: t)))
            default:
                throw .unsupported("indexed \(input.type.canonical)")
            }
        }
        return (topics, try ABI.encode(dataValues, as: dataTypes))
    }
}

extension ABIType {
    /// Solidity stores indexed elementary values in a topic as-is and hashes everything else.
    var isHashedWhenIndexed: Bool {
        switch self {
        case .uint, .int, .address, .bool, .fixedBytes: return false
        default: return true
        }
    }
}

/// A Solidity custom error: `revert Name(args)` data is `selector ‖ abi.encode(args)`.
public struct ABICustomError: Hashable, Sendable, CustomStringConvertible {
    /// Error name, e.g. `InvalidSignature`.
    public let name: String
    /// Error arguments in order (ABI-encoded after the selector in revert data).
    public let inputs: [ABIParameter]
    /// `Name(type1,…)`.
    public let signature: String
    /// First 4 bytes of `keccak256(signature)`.
    public let selector: [UInt8]

    /// Parses `Name(params)`, e.g. `"InvalidSignature()"` or `"Error(string)"`.
    public init(_ signature: String) throws(ABIError) {
        var parser = SignatureParser(signature)
        let parsed = try parser.parseSignature(allowIndexed: false, allowReturns: false)
        self.init(name: parsed.name, inputs: parsed.inputs)
    }

    /// From parts.
    public init(name: String, inputs: [ABIParameter] = []) {
        self.name = name
        self.inputs = inputs
        signature = name + "(" + inputs.map(\.type.canonical).joined(separator: ",") + ")"
        selector = X402EVM.selector(of: signature)
    }

    /// `0x` + 8 hex digits.
    public var selectorHex: String { Hex.encode(selector) }
    public var description: String { signature }

    /// Revert data for these arguments.
    public func encode(_ arguments: [ABIValue] = []) throws(ABIError) -> [UInt8] {
        selector + (try ABI.encode(arguments, as: inputs.map(\.type)))
    }

    /// Checks the selector and decodes the arguments.
    public func decode(_ data: some Collection<UInt8>) throws(ABIError) -> [ABIValue] {
        let bytes = Array(data)
        try checkSelector(selector, in: bytes)
        return try ABI.decode(inputs.map(\.type), from: bytes.dropFirst(4))
    }
}

/// Why a call reverted, decoded from its revert data.
public enum RevertReason: Equatable, Sendable {
    /// No revert data (`revert()`, failed `require` without message, out of gas, Vyper overflow checks).
    case empty
    /// `Error(string)` (`require(cond, "message")`).
    case errorString(String)
    /// `Panic(uint256)` (assert, arithmetic overflow 0x11, division by zero 0x12, …).
    case panic(UInt256)
    /// A known custom error.
    case custom(name: String, args: [ABIValue])
    /// Anything else, raw.
    case unknown([UInt8])

    /// `Error(string)`, selector `0x08c379a0`.
    public static let errorStringError = ABICustomError(name: "Error", inputs: [ABIParameter(.string)])
    /// `Panic(uint256)`, selector `0x4e487b71`.
    public static let panicError = ABICustomError(name: "Panic", inputs: [ABIParameter(.uint256)])

    /// Classifies revert data. Data that claims a known selector but does not decode is `.unknown`.
    public static func decode(_ data: some Collection<UInt8>, known: [ABICustomError] = []) -> RevertReason {
        let bytes = Array(data)
        if bytes.isEmpty { return .empty }
        guard bytes.count >= 4 else { return .unknown(bytes) }
        let sel = Array(bytes.prefix(4))
        if sel == errorStringError.selector {
            if let v = try? errorStringError.decode(bytes), let s = v.first?.asString { return .errorString(s) }
            return .unknown(bytes)
        }
        if sel == panicError.selector {
            if let v = try? panicError.decode(bytes), let code = v.first?.asUInt256 { return .panic(code) }
            return .unknown(bytes)
        }
        for error in known where error.selector == sel {
            if let args = try? error.decode(bytes) { return .custom(name: error.name, args: args) }
        }
        return .unknown(bytes)
    }
}
