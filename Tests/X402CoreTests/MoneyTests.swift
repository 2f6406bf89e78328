import PropertyBased
import Testing
import X402Core
import X402EVMMechanisms
import X402EVM

@Suite struct MoneyTests {
    @Test func protocolExamples() throws {
        // C.12 / A.8
        let sepolia = try Price.money("$0.01").resolve(on: .baseSepolia)
        #expect(try X402JSON.encodeString(sepolia) == #"{"amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","extra":{"name":"USDC","version":"2"}}"#)
        let base = try Price.money("$0.01").resolve(on: .base)
        #expect(try X402JSON.encodeString(base) == #"{"amount":"10000","asset":"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913","extra":{"name":"USD Coin","version":"2"}}"#)
        #expect(try Price.money(0.001).resolve(on: .baseSepolia).amount == "1000")
        #expect(try Price.money("1.5").resolve(on: .base).amount == "1500000")
        #expect(try Price.money("$0.0000001").resolve(on: .base).amount == "0")
        let mega = try Price.money("1").resolve(on: .megaETH)
        #expect(mega.amount == "1000000000000000000")
        #expect(mega.extra?["assetTransferMethod"] == "permit2")
    }

    @Test func rejections() {
        for bad in ["-1", "$-1", "1e3", "1.5USDC", "1.", ".5", "", "$", "1,000", "1 2", "+1", "١"] {
            #expect(throws: MoneyError.invalidFormat(bad)) { try Price.money(.string(bad)).resolve(on: .base) }
        }
        #expect(throws: MoneyError.unknownTicker("USDT", .base)) { try Price.money("1 USDT").resolve(on: .base) }
        #expect(throws: MoneyError.noDefaultAsset("eip155:999")) { try Price.money("1").resolve(on: "eip155:999") }
        #expect(throws: MoneyError.invalidFormat("-5")) { try Price.money(-5).resolve(on: .base) }
        #expect(throws: MoneyError.invalidFormat("inf")) { try Price.money(.double(.infinity)).resolve(on: .base) }
        #expect(throws: MoneyError.overflow) { try Price.money(.string(String(repeating: "9", count: 80))).resolve(on: .base) }
        #expect(throws: MoneyError.missingAsset) { try Price.assetAmount(AssetAmount(amount: "1", asset: "")).resolve(on: .base) }
    }

    @Test func explicitAssetAmountPassesThrough() throws {
        let a = try Price.assetAmount(AssetAmount(amount: "123", asset: "0xabc", extra: ["name": "T"])).resolve(on: .base)
        #expect(a == AssetAmount(amount: "123", asset: "0xabc", extra: ["name": "T"]))
    }

    @Test func truncationNeverRounds() async {
        await propertyCheck(input: Gen<UInt64>.value(in: 0...UInt64.max), Gen<Int>.value(in: 0...18)) { raw, decimals in
            let text = String(raw)
            // Put the point `decimals`+1 digits from the end: the last digit must be dropped.
            guard text.count > decimals + 1 else { return }
            let cut = text.index(text.endIndex, offsetBy: -(decimals + 1))
            let amount = try DecimalAmount(text[..<cut] + "." + text[cut...])
            #expect(try amount.atomicAmount(decimals: decimals) == UInt256(raw / 10))
        }
    }

    @Test func defaultAssetTable() throws {
        #expect(DefaultAssets.table.count == 29 && DefaultAssets.table.values.map(\.count).reduce(0, +) == 31)
        #expect(try DefaultAssets.asset(for: .base).name == "USD Coin")
        #expect(try DefaultAssets.asset(for: .baseSepolia).name == "USDC")
        for n in [Network.ethereum, .arbitrum, .arbitrumSepolia, .polygon, .avalanche] {
            let a = try DefaultAssets.asset(for: n)
            #expect(a.decimals == 6 && a.version == "2" && a.transferMethod == .eip3009)
        }
        #expect(try DefaultAssets.asset(for: "eip155:42220", symbol: "usat").name == "Tether America USD")
        #expect(try DefaultAssets.asset(for: "base-sepolia").address.checksummed == "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
        let usdc = try Address(hex: "0x036cbd53842c5426634e7929541ec2318f3dcf7e")
        #expect(DefaultAssets.find(asset: usdc, on: .baseSepolia)?.symbol == "USDC")
    }
}

@Suite struct SettlementOverrideTests {
    @Test func protocolExamples() throws {
        #expect(try SettlementOverrides.resolve("50%", price: 1000, decimals: nil) == 500)
        #expect(try SettlementOverrides.resolve("12.5%", price: 1000, decimals: nil) == 125)
        #expect(try SettlementOverrides.resolve("50.%", price: 1000, decimals: nil) == 500)
        #expect(try SettlementOverrides.resolve("$0.001", price: 1000, decimals: 6) == 1000)
        #expect(try SettlementOverrides.resolve("750", price: 1000, decimals: nil) == 750)
        #expect(throws: SettlementOverrideError.invalidAmount("33.333%")) { try SettlementOverrides.resolve("33.333%", price: 1000, decimals: nil) }
        #expect(throws: SettlementOverrideError.unknownDecimals("$1")) { try SettlementOverrides.resolve("$1", price: 1000, decimals: nil) }
        #expect(throws: SettlementOverrideError.overflow) { try SettlementOverrides.resolve("200%", price: .max, decimals: nil) }
        #expect(throws: SettlementOverrideError.invalidAmount("-1")) { try SettlementOverrides.resolve("-1", price: 1000, decimals: nil) }
    }

    @Test func headerParsing() {
        #expect(SettlementOverrides(headerValue: #"{"amount":"50%"}"#)?.amount == "50%")
        #expect(SettlementOverrides(headerValue: #"{"amount":500}"#)?.amount == "500")
        #expect(SettlementOverrides(headerValue: "nope") == nil)
    }

    @Test func percentIsFloorOfExactProduct() async {
        await propertyCheck(input: Gen<UInt64>.value(in: 0...UInt64.max), Gen<Int>.value(in: 0...20000)) { price, p in
            let text = "\(p / 100).\(p % 100 < 10 ? "0" : "")\(p % 100)%"
            let got = try SettlementOverrides.resolve(text, price: UInt256(price), decimals: nil)
            let expected = UInt256(price) * UInt256(UInt64(p)) / UInt256(10_000)
            #expect(got == expected)
        }
    }
}

@Suite struct NetworkTests {
    @Test func chainIds() throws {
        #expect(try Network.baseSepolia.evmChainId() == 84532)
        #expect(try Network("eip155:18446744073709551615").evmChainId() == .max)
        for bad in ["eip155:", "eip155:0", "eip155:084532", "eip155:1a", "eip155:-1", "eip155:18446744073709551616", "eip155: 1"] {
            #expect(throws: NetworkError.invalidChainId(bad)) { try Network(rawValue: bad).evmChainId() }
        }
        #expect(throws: NetworkError.notEIP155("solana:mainnet")) { try Network("solana:mainnet").evmChainId() }
        #expect(throws: Never.self) { try Network(validating: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp") }
        for bad in ["eip155", "ei:1", "EIP155:1", "eip155:1:2", "eip155:" + String(repeating: "1", count: 33)] {
            #expect(throws: NetworkError.notCAIP2(bad)) { try Network(validating: bad) }
        }
    }
}

/// Defects found by differential testing against the SDK.
@Suite struct MoneyEdgeCaseTests {
    @Test func percentOfTheLargestAmountDoesNotOverflow() throws {
        let max = UInt256.max
        #expect(try SettlementOverrides.resolve("50%", price: max, decimals: 6) == max / UInt256(2))
        #expect(try SettlementOverrides.resolve("100%", price: max, decimals: 6) == max)
        #expect(try SettlementOverrides.resolve("99.99%", price: max, decimals: 6) == max / UInt256(10_000) * UInt256(9_999) + (max % UInt256(10_000)) * UInt256(9_999) / UInt256(10_000))
        #expect(throws: SettlementOverrideError.overflow) { try SettlementOverrides.resolve("100.01%", price: max, decimals: 6) }
        #expect(throws: SettlementOverrideError.overflow) { try SettlementOverrides.resolve("200%", price: max, decimals: 6) }
        // A huge percentage of a small price fits.
        let bigPercent = String(repeating: "9", count: 70) + "%"
        #expect(try SettlementOverrides.resolve(bigPercent, price: 1, decimals: 6) == (try UInt256(decimal: String(repeating: "9", count: 70))) / UInt256(100))
    }

    @Test func percentMatchesWideArithmetic() throws {
        // Against UInt128 arithmetic where it cannot overflow.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let price = UInt64.random(in: 0...UInt64.max, using: &rng)
            let whole = UInt64.random(in: 0...500, using: &rng), frac = UInt64.random(in: 0...99, using: &rng)
            let text = "\(whole).\(frac < 10 ? "0" : "")\(frac)%"
            let expected = UInt128(price) * UInt128(whole * 100 + frac) / 10_000
            #expect(try SettlementOverrides.resolve(text, price: UInt256(price), decimals: nil) == UInt256(expected), "\(text) of \(price)")
        }
    }

    @Test func negativeZeroIsASignedPrice() {
        #expect(throws: MoneyError.invalidFormat("-0.0")) { try Money.double(-0.0).parse() }
        #expect(throws: MoneyError.invalidFormat("-0.0")) { try Money.string("-0.0").parse() }
        #expect(throws: Never.self) { try Money.double(0.0).parse() }
    }
}
