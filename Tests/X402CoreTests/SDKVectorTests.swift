import Testing
import X402Core
import X402EVMMechanisms
import X402EVM

/// Cross-checks against Vectors/core.json, produced by the official Python SDK (Vectors/generators/core.py).
@Suite struct SDKVectorTests {
    static let vectors: JSONValue = (try? loadVector("core.json")) ?? .null

    @Test func moneyStrings() throws {
        let cases = try #require(Self.vectors["money"]?.arrayValue)
        #expect(cases.count >= 400)
        for c in cases {
            let input = try #require(c["input"]?.stringValue)
            let network = Network(rawValue: try #require(c["network"]?.stringValue))
            let result = try? Price.money(.string(input)).resolve(on: network)
            try check(result, c["expected"], "\(input.debugDescription) on \(network)")
        }
    }

    @Test func moneyNumbers() throws {
        let cases = try #require(Self.vectors["numbers"]?.arrayValue)
        for c in cases {
            let text = try #require(c["input"]?.numberValue?.text)
            let money: Money = c["isInteger"] == .bool(true) ? .integer(try #require(Int(text))) : .double(try #require(Double(text)))
            let network = Network(rawValue: try #require(c["network"]?.stringValue))
            try check(try? Price.money(money).resolve(on: network), c["expected"], text)
        }
    }

    func check(_ result: AssetAmount?, _ expected: JSONValue?, _ label: String) throws {
        if expected == .string("reject") {
            #expect(result == nil, "SDK rejects \(label), Swift gave \(String(describing: result))")
        } else {
            let want = try #require(expected?.objectValue)
            // Python integers are unbounded; amounts of 2^256 and more are an overflow error here.
            if let amount = want["amount"]?.stringValue, (try? UInt256(decimal: amount)) == nil {
                #expect(result == nil, "\(label) must overflow")
                return
            }
            let got = try #require(result, "SDK accepts \(label)")
            #expect(.string(got.amount) == want["amount"], "\(label)")
            #expect(.string(got.asset) == want["asset"], "\(label)")
            #expect(got.extra.map { JSONValue.object($0) } == want["extra"], "\(label)")
        }
    }

    @Test func settlementOverrides() throws {
        let cases = try #require(Self.vectors["overrides"]?.arrayValue)
        for c in cases {
            let raw = try #require(c["input"]?.stringValue)
            let price = try UInt256(decimal: try #require(c["price"]?.stringValue))
            let decimals = Int(try #require(c["decimals"]?.numberValue?.text))
            let got = try? SettlementOverrides.resolve(raw, price: price, decimals: decimals)
            let want = try #require(c["expected"]?.stringValue)
            #expect((got?.description ?? "reject") == want, "\(raw) of \(price)")
        }
    }

    @Test func headersReencodeToSDKBytes() throws {
        let cases = try #require(Self.vectors["headers"]?.arrayValue)
        #expect(cases.count >= 150)
        for c in cases {
            let header = try #require(c["header"]?.stringValue)
            let json = try #require(c["json"]?.stringValue)
            #expect(try Base64.decode(header) == Array(json.utf8))
            switch c["kind"]?.stringValue {
            case "PAYMENT-REQUIRED":
                let pr = try HeaderCodec.decodePaymentRequired(header)
                #expect(try HeaderCodec.encodePaymentRequired(pr) == header)
            case "PAYMENT-SIGNATURE":
                let pp = try HeaderCodec.decodePaymentSignature(header)
                #expect(try HeaderCodec.encodePaymentSignature(pp) == header)
            default:
                // Python writes PAYMENT-RESPONSE with spaces and \u escapes: compare meaning, not bytes.
                let sr = try HeaderCodec.decodePaymentResponse(header)
                #expect(try X402JSON.encodeValue(sr) == (try JSONParser.parse(json)))
                #expect(try HeaderCodec.decodePaymentResponse(try HeaderCodec.encodePaymentResponse(sr)) == sr)
            }
        }
    }
}
