import Testing
import X402EVM

/// The allocation-free fixed-width hex parser agrees with the general decoder on every input.
@Suite struct HexFastPathTests {
    @Test func agreesWithTheGeneralDecoder() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789abcdefABCDEFgxX ".utf8)
        for _ in 0..<20_000 {
            let length = [40, 64, Int.random(in: 0...66, using: &rng)].randomElement(using: &rng)!
            var text = Bool.random(using: &rng) ? "0x" : (Bool.random(using: &rng) ? "0X" : "")
            // Mostly valid digits, sometimes one bad byte.
            let bad = Int.random(in: 0..<(length * 4 + 1), using: &rng)
            for i in 0..<length {
                let c = i == bad ? alphabet.randomElement(using: &rng)! : alphabet[Int.random(in: 0..<22, using: &rng)]
                text.unicodeScalars.append(Unicode.Scalar(c))
            }
            let generalAddress = try? Hex.decode(text, count: 20)
            #expect((try? Address(hex: text))?.bytes == generalAddress, "\(text)")
            let general32 = try? Hex.decode(text, count: 32)
            #expect((try? Bytes32(hex: text))?.bytes == general32, "\(text)")
            let canonical = text.hasPrefix("0x") ? general32 : nil
            #expect((try? Bytes32(canonicalHex: text))?.bytes == canonical, "\(text)")
        }
    }

    @Test func fullWidthValues() throws {
        let text = "0x" + String(repeating: "fF", count: 32)
        #expect(try Bytes32(hex: text) == Bytes32(.max, .max, .max, .max))
        #expect(try Address(hex: "0x" + String(repeating: "Ff", count: 20)).bytes == [UInt8](repeating: 0xFF, count: 20))
        #expect(try Address(hex: "0x0000000000000000000000000000000000000001").bytes.last == 1)
    }
}
