import PropertyBased
import Testing
@testable import X402EVM

/// Writing a typed-data document as JSON and reading it back never changes its digest: integers are exact
/// JSON numbers at any size, and strings (even ones that look like numbers) stay strings.
@Suite struct EIP712JSONRoundTripTests {
    static let twoTo255 = UInt256(high: 1 << 127, low: 0)
    static let bigText = "115792089237316195423570985008687907853269984665640564039457584007913129639935"

    @Test func bigNumbersKeepTheirJSONKind() throws {
        let typedData = try EIP712TypedData(
            types: ["M": [.init(name: "text", type: "string"), .init(name: "amount", type: "uint256"),
                          .init(name: "delta", type: "int256"), .init(name: "small", type: "uint64")]],
            primaryType: "M",
            domain: EIP712Domain(name: "x", chainId: UInt256(UInt64(1) << 60)),
            message: ["text": .string(Self.bigText), "amount": .uint(Self.twoTo255),
                      "delta": .integer(negative: true, magnitude: Self.twoTo255), "small": .uint(UInt256(UInt64(1) << 53 + 1))])
        let json = typedData.json
        #expect(json.contains(#""text":"\#(Self.bigText)""#))
        #expect(json.contains(#""amount":57896044618658097711785492504343953926634992332820282019728792003956564819968"#))
        #expect(json.contains(#""delta":-57896044618658097711785492504343953926634992332820282019728792003956564819968"#))
        #expect(json.contains(#""small":9007199254740993"#))
        #expect(json.contains(#""chainId":1152921504606846976"#))
        let back = try EIP712TypedData(json: json)
        #expect(back.message == typedData.message)
        #expect(try back.digest() == typedData.digest())
        #expect(back.json == json)
        // The string field hashes its text; the same digits as a JSON number are not a string.
        let asNumber = json.replacingOccurrences(of: #""\#(Self.bigText)""#, with: Self.bigText)
        #expect(throws: EIP712Error.invalidValue(path: "text", type: "string")) { try EIP712TypedData(json: asNumber).digest() }
    }

    @Test func randomDocumentsRoundTrip() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in recordingErrors {
            var r = RandomTypedData(random: RandomABI(state: seed))
            let typedData = try r.document()
            let digest = try typedData.digest()
            let json = typedData.json
            let back = try EIP712TypedData(json: json)
            #expect(try back.digest() == digest, "seed \(seed): \(json)")
            #expect(back.json == json, "seed \(seed)")
        } }
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}

/// Random documents: a few structs (each may use later ones), every atomic type, arrays, and each value in
/// one of the forms the reader accepts (exact integers, decimal and hex text, raw bytes, hex strings).
struct RandomTypedData {
    indirect enum FieldType {
        case uint(Int), int(Int), bool, address, fixedBytes(Int), bytes, string, structure(Int)
        case array(FieldType, Int?)

        var text: String {
            switch self {
            case .uint(let bits): "uint\(bits)"
            case .int(let bits): "int\(bits)"
            case .bool: "bool"
            case .address: "address"
            case .fixedBytes(let n): "bytes\(n)"
            case .bytes: "bytes"
            case .string: "string"
            case .structure(let i): "S\(i)"
            case .array(let element, let count): element.text + "[" + (count.map(String.init) ?? "") + "]"
            }
        }
    }

    var random: RandomABI
    var structs: [[(name: String, type: FieldType)]] = []

    mutating func type(structIndex: Int, arrays: Int = 0) -> FieldType {
        switch random.int(0...11) {
        case 0: return .uint(8 * random.int(1...32))
        case 1: return .int(8 * random.int(1...32))
        case 2: return .bool
        case 3: return .address
        case 4: return .fixedBytes(random.int(1...32))
        case 5: return .bytes
        case 6, 7: return .string
        case 8...9 where structIndex + 1 < structs.count: return .structure(random.int((structIndex + 1)...(structs.count - 1)))
        case 10...11 where arrays < 2:
            return .array(type(structIndex: structIndex, arrays: arrays + 1), random.int(0...1) == 0 ? nil : random.int(0...3))
        default: return .uint(256)
        }
    }

    mutating func magnitude(bits: Int) -> UInt256 {
        let full = UInt256(high: UInt128(random.next()) << 64 | UInt128(random.next()),
                           low: UInt128(random.next()) << 64 | UInt128(random.next()))
        switch random.int(0...4) {
        case 0: return .zero
        case 1: return UInt256.max.shiftedRight(256 - bits)  // the largest value
        case 2 where bits > 53: return UInt256(UInt64(1) << 53 + 1)  // beyond a double's exact range
        default: return full.shiftedRight(256 - bits)
        }
    }

    mutating func hexOrBytes(_ bytes: [UInt8]) -> EIP712Value {
        random.int(0...1) == 0 ? .bytes(bytes) : .string(Hex.encode(bytes))
    }

    mutating func value(_ type: FieldType) throws -> EIP712Value {
        switch type {
        case .uint(let bits):
            let m = magnitude(bits: bits)
            switch random.int(0...3) {
            case 0: return .string(m.description)
            case 1: return .string(m.hexQuantity)
            default: return .uint(m)
            }
        case .int(let bits):
            var m = magnitude(bits: bits - 1)
            let negative = random.int(0...1) == 0
            // The most negative value, -2^(bits-1), is allowed too.
            if negative, random.int(0...4) == 0 { m = UInt256(high: 0, low: 1).shiftedLeft(bits - 1) }
            if random.int(0...3) == 0 { return .string((negative && m != .zero ? "-" : "") + m.description) }
            return .integer(negative: negative, magnitude: m)
        case .bool: return .bool(random.int(0...1) == 0)
        case .address:
            let address = try Address(random.bytes(20))
            return random.int(0...2) == 0 ? .address(address) : hexOrBytes(address.bytes)
        case .fixedBytes(let n): return hexOrBytes(random.bytes(n))
        case .bytes: return hexOrBytes(random.bytes(random.int(0...70)))
        case .string:
            return .string(["", "x402", "héllo \"quoted\" \\ \n\t", "💸", "9007199254740993", "-1", "0x1234",
                            EIP712JSONRoundTripTests.bigText, "1e400"][random.int(0...8)])
        case .structure(let i): return try structValue(i)
        case .array(let element, let count):
            return .array(try (0..<(count ?? random.int(0...3))).map { _ in try value(element) })
        }
    }

    mutating func structValue(_ i: Int) throws -> EIP712Value {
        var members: [String: EIP712Value] = [:]
        for field in structs[i] { members[field.name] = try value(field.type) }
        // Undeclared keys are carried along and ignored by the hash.
        if random.int(0...3) == 0 { members["extra"] = .uint(EIP712JSONRoundTripTests.twoTo255) }
        return .object(members)
    }

    mutating func document() throws -> EIP712TypedData {
        structs = Array(repeating: [], count: random.int(1...4))
        for i in structs.indices.reversed() {
            structs[i] = (0..<random.int(0...5)).map { j in (name: "f\(j)", type: type(structIndex: i)) }
        }
        var types: [String: [EIP712Field]] = [:]
        for (i, fields) in structs.enumerated() {
            types["S\(i)"] = fields.map { EIP712Field(name: $0.name, type: $0.type.text) }
        }
        let domain = EIP712Domain(
            name: random.int(0...3) == 0 ? nil : "Domain \(random.int(0...9))",
            version: random.int(0...1) == 0 ? nil : "1",
            chainId: random.int(0...3) == 0 ? nil : magnitude(bits: 256),
            verifyingContract: random.int(0...3) == 0 ? nil : try Address(random.bytes(20)),
            salt: random.int(0...1) == 0 ? nil : try Bytes32(random.bytes(32)))
        return try EIP712TypedData(types: types, primaryType: "S0", domain: domain, message: try structValue(0))
    }
}

extension UInt256 {
    /// `self << n` for 0 ≤ n < 256.
    fileprivate func shiftedLeft(_ n: Int) -> UInt256 {
        if n >= 128 { return UInt256(high: low << (n - 128), low: 0) }
        if n == 0 { return self }
        return UInt256(high: high << n | low >> (128 - n), low: low << n)
    }
}
