import PropertyBased
import Testing
@testable import X402EVM

/// Hostile type declarations: deep array suffixes, long struct chains, oversized documents. Each must end in a
/// typed error (or a result) quickly and without exhausting the stack.
@Suite struct EIP712HardeningTests {
    // MARK: Array suffixes

    @Test(arguments: [60_000, 1_000_000])
    func deepArraySuffixesAreATypedError(suffixes: Int) {
        let type = "uint256" + String(repeating: "[]", count: suffixes)
        #expect(throws: EIP712Error.arrayNestingTooDeep(type: "T", field: "v")) {
            try EIP712Types(["T": [EIP712Field(name: "v", type: type)]])
        }
        let fixed = "S" + String(repeating: "[2]", count: suffixes)
        #expect(throws: EIP712Error.arrayNestingTooDeep(type: "T", field: "v")) {
            try EIP712Types(["T": [EIP712Field(name: "v", type: fixed)], "S": []])
        }
    }

    @Test func deepArraySuffixesInJSON() {
        let type = "uint256" + String(repeating: "[]", count: 60_000)
        let json = #"{"types":{"T":[{"name":"v","type":"\#(type)"}]},"primaryType":"T","domain":{},"message":{}}"#
        #expect(throws: EIP712Error.arrayNestingTooDeep(type: "T", field: "v")) { try EIP712TypedData(json: json) }
    }

    @Test func arraySuffixBoundary() throws {
        let limit = EIP712Types.maxDepth
        let deepest = try EIP712Types(["T": [EIP712Field(name: "v", type: "uint8" + String(repeating: "[1]", count: limit))]])
        #expect(try deepest.encodeType("T") == "T(uint8" + String(repeating: "[1]", count: limit) + " v)")
        #expect(throws: EIP712Error.arrayNestingTooDeep(type: "T", field: "v")) {
            try EIP712Types(["T": [EIP712Field(name: "v", type: "uint8" + String(repeating: "[1]", count: limit + 1))]])
        }
        // Suffixes bind outermost last: `uint8[2][]` is a dynamic array of pairs.
        let pairs = try EIP712Types(["T": [EIP712Field(name: "v", type: "uint8[2][]")]])
        #expect(try pairs.encodeData("T", ["v": [[1, 2], [3, 4], [5, 6]]]).count == 64)
        #expect(throws: EIP712Error.arrayLengthMismatch(path: "v[0]", expected: 2, actual: 3)) {
            try pairs.encodeData("T", ["v": [[1, 2, 3]]])
        }
        // Malformed suffixes, however long, are rejected in one pass.
        for bad in ["uint8" + String(repeating: "]", count: 1_000_000), String(repeating: "[", count: 1_000_000) + "]",
                    "uint8[" + String(repeating: "9", count: 1_000_000) + "]", "[]", "uint8[x]", "uint8[][", "uint8[12345678]"] {
            #expect(throws: EIP712Error.invalidFieldDeclaration(type: "T", field: "v")) {
                try EIP712Types(["T": [EIP712Field(name: "v", type: bad)]])
            }
        }
    }

    // MARK: Document size

    /// `S0` has a field of type `S1`, `S1` of `S2`, … ; the last has a `uint256`.
    static func chain(_ count: Int, fieldName: String = "f") -> [String: [EIP712Field]] {
        var types: [String: [EIP712Field]] = [:]
        for i in 0..<count {
            types["S\(i)"] = [EIP712Field(name: fieldName, type: i + 1 < count ? "S\(i + 1)" : "uint256")]
        }
        return types
    }

    static func json(_ types: [String: [EIP712Field]], primaryType: String) -> String {
        let typeObjects = types.keys.sorted().map { name in
            "\"\(name)\":[" + types[name]!.map { #"{"name":"\#($0.name)","type":"\#($0.type)"}"# }.joined(separator: ",") + "]"
        }
        return #"{"types":{"# + typeObjects.joined(separator: ",") + #"},"primaryType":"\#(primaryType)","domain":{"name":"x"},"message":{}}"#
    }

    @Test func twoThousandChainedStructsAreRejectedQuickly() throws {
        let json = Self.json(Self.chain(2_000), primaryType: "S0")
        #expect(json.utf8.count < 80 * 1024)  // about 64 KiB of declarations
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            // The JSON reader's own key limit (1024 per object) already stops this one.
            #expect(throws: EIP712Error.self) { try EIP712TypedData(json: json) }
            #expect(throws: EIP712Error.tooManyTypes(limit: EIP712Types.maxTypes)) {
                try EIP712TypedData(json: Self.json(Self.chain(1_000), primaryType: "S0"))
            }
            #expect(throws: EIP712Error.tooManyTypes(limit: EIP712Types.maxTypes)) { try EIP712Types(Self.chain(2_000)) }
        }
        // A sanity bound only (the old setup took seconds); real timing lives in Benchmarks.
        #expect(elapsed < .seconds(1))
    }

    @Test func longestAllowedChainHashes() throws {
        let count = EIP712Types.maxTypes - 1  // plus EIP712Domain
        let clock = ContinuousClock()
        var typedData: EIP712TypedData?
        let elapsed = try clock.measure {
            typedData = try EIP712TypedData(json: Self.json(Self.chain(count), primaryType: "S\(count - 40)"))
        }
        #expect(elapsed < .seconds(1))
        let types = try #require(typedData).types
        // encodeType(S0) lists every struct of the chain once, S0 first and the rest sorted by name.
        let rest = (1..<count).map { "S\($0)" }.sorted()
        let expected = "S0(S1 f)" + rest.map { $0 == "S\(count - 1)" ? "\($0)(uint256 f)" : "\($0)(S\(Int($0.dropFirst())! + 1) f)" }.joined()
        #expect(try types.encodeType("S0") == expected)
        // A value 40 levels deep hashes; the whole chain is deeper than values may nest.
        var message: EIP712Value = ["f": 7]
        for _ in 0..<39 { message = ["f": message] }
        var document = try #require(typedData)
        document = try EIP712TypedData(types: document.types, primaryType: document.primaryType, domain: document.domain, message: message)
        #expect(try document.messageHash() == ReferenceEIP712.hashStruct(Self.chain(count), "S\(count - 40)", message))
        var tooDeep: EIP712Value = ["f": 7]
        for _ in 0..<(count - 1) { tooDeep = ["f": tooDeep] }
        #expect(throws: EIP712Error.nestingTooDeep) { try types.hashStruct("S0", tooDeep) }
    }

    @Test func oversizedDeclarationsAreTypedErrors() {
        // Below the type count, but every struct repeats a long chain: the encodeType strings would total ~8 MiB.
        let longName = String(repeating: "n", count: 200)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(throws: EIP712Error.encodedTypesTooLong(limit: EIP712Types.maxEncodedTypeBytes)) {
                try EIP712Types(Self.chain(EIP712Types.maxTypes, fieldName: longName))
            }
        }
        #expect(elapsed < .seconds(1))
        let fields = (0...EIP712Types.maxFieldsPerType).map { EIP712Field(name: "f\($0)", type: "uint8") }
        #expect(throws: EIP712Error.tooManyFields(type: "T", limit: EIP712Types.maxFieldsPerType)) {
            try EIP712Types(["T": fields])
        }
        #expect(throws: Never.self) { try EIP712Types(["T": Array(fields.dropLast())]) }
    }

    /// Seaport's bulk order: four structs, one field with 24 fixed-size array suffixes.
    @Test func seaportBulkOrderIsAccepted() throws {
        let offerItem: [EIP712Field] = [
            .init(name: "itemType", type: "uint8"), .init(name: "token", type: "address"),
            .init(name: "identifierOrCriteria", type: "uint256"), .init(name: "startAmount", type: "uint256"),
            .init(name: "endAmount", type: "uint256"),
        ]
        let types: [String: [EIP712Field]] = [
            "BulkOrder": [.init(name: "tree", type: "OrderComponents" + String(repeating: "[2]", count: 24))],
            "OrderComponents": [
                .init(name: "offerer", type: "address"), .init(name: "zone", type: "address"),
                .init(name: "offer", type: "OfferItem[]"), .init(name: "consideration", type: "ConsiderationItem[]"),
                .init(name: "orderType", type: "uint8"), .init(name: "startTime", type: "uint256"),
                .init(name: "endTime", type: "uint256"), .init(name: "zoneHash", type: "bytes32"),
                .init(name: "salt", type: "uint256"), .init(name: "conduitKey", type: "bytes32"),
                .init(name: "counter", type: "uint256"),
            ],
            "OfferItem": offerItem,
            "ConsiderationItem": offerItem + [.init(name: "recipient", type: "address")],
        ]
        let parsed = try EIP712Types(types)
        #expect(try parsed.encodeType("OrderComponents") == ReferenceEIP712.encodeType(types, "OrderComponents"))
        #expect(try parsed.encodeType("OrderComponents").hasSuffix(
            "OfferItem(uint8 itemType,address token,uint256 identifierOrCriteria,uint256 startAmount,uint256 endAmount)"))
        #expect(try parsed.encodeType("BulkOrder") == ReferenceEIP712.encodeType(types, "BulkOrder"))
        #expect(try parsed.typeHash("OrderComponents").hex == "0xfa445660b7e21515a59617fcd68910b487aa5808b8abda3d78bc85df364b2c2f")
    }

    // MARK: Equivalence with the definition

    /// Random declaration graphs (cycles, arrays, unknown names) give the same `encodeType`, unknown-type
    /// errors and cycle verdicts as the textbook per-struct walk.
    @Test func setupMatchesTheDefinition() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in recordingErrors {
            var r = RandomABI(state: seed)
            let count = r.int(1...12)
            let names = (0..<count).map { "T\($0)_\(["a", "B", "c"][r.int(0...2)])" }
            var types: [String: [EIP712Field]] = [:]
            for name in names {
                types[name] = (0..<r.int(0...4)).map { i in
                    var type: String
                    switch r.int(0...9) {
                    case 0...4: type = names[r.int(0...(count - 1))]
                    case 5: type = "Missing\(r.int(0...1))"
                    default: type = ["uint256", "bytes", "string", "address"][r.int(0...3)]
                    }
                    for _ in 0..<[0, 0, 1, 2][r.int(0...3)] { type += r.int(0...1) == 0 ? "[]" : "[3]" }
                    return EIP712Field(name: "f\(i)", type: type)
                }
            }
            let parsed = try EIP712Types(types)
            for name in names {
                switch ReferenceEIP712.encodeTypeResult(types, name) {
                case .success(let text):
                    #expect(try parsed.encodeType(name) == text, "seed \(seed)")
                    #expect(try parsed.typeHash(name) == Keccak256.hash(text), "seed \(seed)")
                case .failure:
                    #expect(throws: EIP712Error.self, "seed \(seed)") { try parsed.encodeType(name) }
                }
                #expect(parsed.structs[name]!.isCyclic == ReferenceEIP712.reachesItselfThroughPlainMembers(types, name), "seed \(seed)")
            }
        } }
    }
}

/// The textbook algorithms, one struct at a time (quadratic, for comparison only).
enum ReferenceEIP712 {
    static func core(_ type: String) -> String { String(type.prefix { $0 != "[" }) }

    static func encodeTypeResult(_ types: [String: [EIP712Field]], _ name: String) -> Result<String, EIP712Error> {
        var found: Set<String> = [name]
        var stack = [name]
        while let next = stack.popLast() {
            for field in types[next]! {
                let ref = core(field.type)
                guard !["uint256", "bytes", "string", "address", "uint8", "bytes32"].contains(ref) else { continue }
                guard types[ref] != nil else { return .failure(.unknownType(ref)) }
                if found.insert(ref).inserted { stack.append(ref) }
            }
        }
        found.remove(name)
        return .success(([name] + found.sorted()).map { type in
            type + "(" + types[type]!.map { "\($0.type) \($0.name)" }.joined(separator: ",") + ")"
        }.joined())
    }

    static func encodeType(_ types: [String: [EIP712Field]], _ name: String) throws -> String {
        try encodeTypeResult(types, name).get()
    }

    static func reachesItselfThroughPlainMembers(_ types: [String: [EIP712Field]], _ name: String) -> Bool {
        var visited: Set<String> = []
        var stack = [name]
        while let next = stack.popLast() {
            for field in types[next] ?? [] where types[field.type] != nil {
                if field.type == name { return true }
                if visited.insert(field.type).inserted { stack.append(field.type) }
            }
        }
        return false
    }

    /// `hashStruct` for the single-field chains above (`S_i(S_{i+1} f)`, the last `S(uint256 f)`).
    static func hashStruct(_ types: [String: [EIP712Field]], _ name: String, _ value: EIP712Value) throws -> Bytes32 {
        guard case .object(let members) = value, let member = members["f"] else { throw EIP712Error.missingField(path: "f") }
        let field = types[name]![0]
        let word: Bytes32
        if field.type == "uint256" {
            guard case .integer(false, let magnitude) = member else { throw EIP712Error.invalidValue(path: "f", type: "uint256") }
            word = magnitude.word
        } else {
            word = try hashStruct(types, field.type, member)
        }
        return Keccak256.hash(Keccak256.hash(try encodeType(types, name)).bytes + word.bytes)
    }
}
