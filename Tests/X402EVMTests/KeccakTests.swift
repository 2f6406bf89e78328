import Testing
@testable import X402EVM

@Suite struct KeccakTests {
    @Test func emptyInput() {
        #expect(Keccak256.hash([UInt8]()).hex == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
    }

    @Test func shortText() {
        #expect(Keccak256.hash("abc").hex == "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
    }
}
