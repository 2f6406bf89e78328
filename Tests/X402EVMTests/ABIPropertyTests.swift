import PropertyBased
import Testing
@testable import X402EVM

/// Random (type, value) pairs built from a seed, so a failing seed reproduces.
struct RandomABI {
    var state: UInt64

    mutating func next() -> UInt64 {
        // SplitMix64.
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }

    mutating func type(depth: Int = 0) -> ABIType {
        if depth >= 3 || int(0...9) < 5 {
            switch int(0...6) {
            case 0: return .uint(8 * int(1...32))
            case 1: return .int(8 * int(1...32))
            case 2: return .address
            case 3: return .bool
            case 4: return .fixedBytes(int(1...32))
            case 5: return .bytes
            default: return .string
            }
        }
        switch int(0...2) {
        case 0: return .array(type(depth: depth + 1))
        case 1: return .fixedArray(type(depth: depth + 1), int(1...3))
        default: return .tuple((0..<int(1...4)).map { _ in type(depth: depth + 1) })
        }
    }

    mutating func value(_ type: ABIType) -> ABIValue {
        switch type {
        case .uint(let bits):
            let full = UInt256(high: UInt128(next()) << 64 | UInt128(next()), low: UInt128(next()) << 64 | UInt128(next()))
            let v = bits == 256 ? full : full.shiftedRight(256 - bits)
            return .uint(int(0...3) == 0 ? .zero : v)
        case .int(let bits):
            let full = UInt256(high: UInt128(next()) << 64 | UInt128(next()), low: UInt128(next()) << 64 | UInt128(next()))
            // Arithmetic shift right keeps the value inside intN.
            var v = full.shiftedRight(256 - bits)
            if v.bitWidth == bits {  // sign bit of intN set: extend
                let low = UInt256.max.shiftedRight(256 - bits)
                v = UInt256(high: v.high | ~low.high, low: v.low | ~low.low)
            }
            return .int(Int256(bitPattern: v))
        case .address: return .address(try! Address(bytes(20)))
        case .bool: return .bool(next() & 1 == 1)
        case .fixedBytes(let n): return .fixedBytes(bytes(n))
        case .bytes: return .bytes(bytes(int(0...70)))
        case .string: return .string(["", "x402", "héllo", "💸", String(repeating: "z", count: int(0...40))][int(0...4)])
        case .array(let t): return .array((0..<int(0...3)).map { _ in value(t) })
        case .fixedArray(let t, let n): return .array((0..<n).map { _ in value(t) })
        case .tuple(let ts): return .tuple(ts.map { value($0) })
        }
    }
}

/// swift-property-based 2.0.1 swallows errors thrown by the body (`try?` around the scope), so
/// bodies catch and record them.
func recordingErrors(_ body: () throws -> Void) {
    do { try body() } catch { Issue.record("unexpected error \(error)") }
}

@Suite struct ABIPropertyTests {
    @Test func encodeThenDecodeIsIdentity() async {
        await propertyCheck(count: 500, input: Gen.uint64()) { seed in recordingErrors {
            var r = RandomABI(state: seed)
            let types = (0..<r.int(1...4)).map { _ in r.type() }
            let values = types.map { r.value($0) }
            let encoded = try ABI.encode(values, as: types)
            #expect(encoded.count % 32 == 0)
            #expect(try ABI.decode(types, from: encoded) == values, "seed \(seed)")
            #expect(try types.map { try ABIType(parsing: $0.canonical) } == types)
        } }
    }

    /// Corrupted or random input never traps; whatever is accepted is a fixed point of decode ∘ encode.
    @Test func corruptedEncodingsNeverTrap() async {
        await propertyCheck(count: 500, input: Gen.uint64()) { seed in recordingErrors {
            var r = RandomABI(state: seed)
            let types = (0..<r.int(1...3)).map { _ in r.type() }
            var data = try ABI.encode(types.map { r.value($0) }, as: types)
            switch r.int(0...3) {
            case 0 where !data.isEmpty: data[r.int(0...(data.count - 1))] ^= UInt8(truncatingIfNeeded: r.next() | 1)
            case 1 where data.count >= 32:
                let w = r.int(0...(data.count / 32 - 1)) * 32
                data.replaceSubrange(w..<(w + 32), with: UInt256(r.next() >> UInt64(r.int(0...63))).word.bytes)
            case 2: data = Array(data.prefix(r.int(0...data.count)))
            default: data = r.bytes(r.int(0...300))
            }
            if let decoded = try? ABI.decode(types, from: data) {
                #expect(try ABI.decode(types, from: ABI.encode(decoded, as: types)) == decoded, "seed \(seed)")
            }
        } }
    }
}
