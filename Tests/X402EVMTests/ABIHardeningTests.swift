import Testing
@testable import X402EVM

/// Hostile ABI type strings end in ``ABIError/tooDeep`` before any deep type is built, validated or freed.
@Suite struct ABIHardeningTests {
    @Test func deepArraySuffixes() {
        for suffix in ["[]", "[2]", " [ ] "] {
            let text = "uint256" + String(repeating: suffix, count: 100_000)
            #expect(throws: ABIError.tooDeep) { try ABIType(parsing: text) }
            #expect(throws: ABIError.tooDeep) { try ABIFunction("f(" + text + ")") }
            #expect(throws: ABIError.tooDeep) { try ABIEvent("E(" + text + " indexed)") }
        }
    }

    @Test func deepParentheses() {
        let text = String(repeating: "(", count: 100_000) + "uint256" + String(repeating: ")", count: 100_000)
        #expect(throws: ABIError.tooDeep) { try ABIType(parsing: text) }
        #expect(throws: ABIError.tooDeep) { try ABIFunction("f(" + text + ")") }
        #expect(throws: ABIError.tooDeep) { try ABIFunction("f()", outputs: "(" + text + ")") }
        // Unbalanced, so it can never parse: still a depth error, found at the bound.
        #expect(throws: ABIError.tooDeep) { try ABIType(parsing: String(repeating: "(", count: 100_000)) }
        // Tuples and suffixes interleaved: each level adds one.
        let nested = String(repeating: "(", count: 50_000) + "uint256" + String(repeating: ")[]", count: 50_000)
        #expect(throws: ABIError.tooDeep) { try ABIType(parsing: nested) }
    }

    /// The parser's bound is exactly ``ABIType/validate()``'s: the deepest accepted string builds the
    /// deepest valid type, and one level more fails in both.
    @Test func boundMatchesValidation() throws {
        let limit = ABI.maxDepth
        var deepest = ABIType.uint256
        for _ in 1..<limit { deepest = .array(deepest) }
        #expect(throws: Never.self) { try deepest.validate() }
        #expect(try ABIType(parsing: deepest.canonical) == deepest)
        #expect(throws: ABIError.tooDeep) { try ABIType.array(deepest).validate() }
        #expect(throws: ABIError.tooDeep) { try ABIType(parsing: deepest.canonical + "[]") }

        // Mixed: tuples inside arrays inside tuples, at the bound and one past it.
        var mixed = ABIType.bool
        for level in 1..<limit { mixed = level % 2 == 0 ? .tuple([.address, mixed]) : .fixedArray(mixed, 2) }
        #expect(throws: Never.self) { try mixed.validate() }
        #expect(try ABIType(parsing: mixed.canonical) == mixed)
        #expect(throws: ABIError.tooDeep) { try ABIType(parsing: "(" + mixed.canonical + ")") }
        #expect(throws: ABIError.tooDeep) { try ABIType(parsing: mixed.canonical + "[]") }
        #expect(try ABIFunction("f(" + mixed.canonical + ")").inputs.map(\.type) == [mixed])
    }
}
