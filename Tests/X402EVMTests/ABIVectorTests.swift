import Foundation
import Testing
@testable import X402EVM

/// Cross-checks against eth_abi 6.0 (Vectors/abi.json, produced by Vectors/generators/abi.py).
@Suite struct ABIVectorTests {
    struct Vector {
        var types: [ABIType]
        var values: [ABIValue]
        var encoded: [UInt8]
        var mutations: [(kind: String, data: [UInt8], ethAbiAccepts: Bool)]
    }

    struct BadVector: Error { var message: String }

    static func load() throws -> [Vector] {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors/abi.json")
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return try (root["vectors"] as! [[String: Any]]).map { v in
            let types = try (v["types"] as! [String]).map { try ABIType(parsing: $0) }
            let values = try zip(types, v["values"] as! [Any]).map { try value(from: $1, as: $0) }
            let mutations = try (v["mutations"] as! [[String: Any]]).map {
                (kind: $0["kind"] as! String, data: try Hex.decode($0["data"] as! String), ethAbiAccepts: $0["ethAbiAccepts"] as! Bool)
            }
            return Vector(types: types, values: values, encoded: try Hex.decode(v["encoded"] as! String), mutations: mutations)
        }
    }

    static func value(from json: Any, as type: ABIType) throws -> ABIValue {
        switch type {
        case .uint: return .uint(try UInt256(decimal: json as! String))
        case .int: return .int(try Int256(decimal: json as! String))
        case .address: return .address(try Address(hex: json as! String))
        case .bool: return .bool(json as! Bool)
        case .fixedBytes: return .fixedBytes(try Hex.decode(json as! String))
        case .bytes: return .bytes(try Hex.decode(json as! String))
        case .string: return .string(json as! String)
        case .array(let t), .fixedArray(let t, _): return .array(try (json as! [Any]).map { try value(from: $0, as: t) })
        case .tuple(let ts): return .tuple(try zip(ts, json as! [Any]).map { try value(from: $1, as: $0) })
        }
    }

    @Test func encodeMatchesEthAbiByteForByte() throws {
        let vectors = try Self.load()
        #expect(vectors.count == 300)
        for v in vectors {
            let encoded = try ABI.encode(v.values, as: v.types)
            #expect(encoded == v.encoded, "\(v.types.map(\.canonical))")
        }
    }

    @Test func decodeRoundTrips() throws {
        for v in try Self.load() {
            #expect(try ABI.decode(v.types, from: v.encoded) == v.values, "\(v.types.map(\.canonical))")
        }
    }

    @Test func canonicalTypeStringsRoundTrip() throws {
        for v in try Self.load() {
            for t in v.types { #expect(try ABIType(parsing: t.canonical) == t) }
        }
    }

    /// Corrupted encodings: we reject exactly what eth_abi (strict mode) rejects on this corpus
    /// (471 of 600 when generated), and anything accepted is a fixed point of decode ∘ encode.
    @Test func corruptedEncodingsAreRejectedAtLeastAsStrictlyAsEthAbi() throws {
        var rejected = 0, agreedAccept = 0, stricter = 0
        for v in try Self.load() {
            for m in v.mutations {
                let ours = try? ABI.decode(v.types, from: m.data)
                if !m.ethAbiAccepts {
                    #expect(ours == nil, "accepted what eth_abi rejects: \(v.types.map(\.canonical)) \(m.kind)")
                    rejected += 1
                } else if let ours {
                    // Re-encoding may differ (non-canonical offsets) but must decode identically.
                    #expect(try ABI.decode(v.types, from: ABI.encode(ours, as: v.types)) == ours)
                    agreedAccept += 1
                } else {
                    stricter += 1
                }
            }
        }
        #expect(rejected > 300)
        #expect(agreedAccept > 50)
        #expect(stricter == 0, "rejected \(stricter) encodings eth_abi accepts")
    }
}
