import X402BatchSettlement
import X402Core
import X402EVM

/// The `eip2612GasSponsoring` extension of a Permit2 deposit: the payer's EIP-2612 `permit` of Permit2,
/// run by the collector before the transfer, so a payer without an allowance needs no transaction of its own.
struct EIP2612Sponsorship {
    static let key = BatchSettlement.eip2612GasSponsoringKey

    var from: Address
    var asset: Address
    var spender: Address
    var amount: UInt256
    var deadline: UInt256
    var signature: [UInt8]

    enum Parse {
        case absent
        case malformed
        case present(EIP2612Sponsorship)
    }

    /// `extensions.eip2612GasSponsoring.info`, checked against the extension's schema patterns.
    static func parse(_ extensions: JSONObject?) -> Parse {
        guard case .object(let ext)? = extensions?[key], case .object(let info)? = ext["info"] else { return .absent }
        func string(_ name: String) -> String? {
            if case .string(let s)? = info[name] { return s }
            return nil
        }
        let required = ["from", "asset", "spender", "amount", "nonce", "deadline", "signature"]
        guard required.allSatisfy({ string($0) != nil }) else { return .absent }  // the SDK ignores incomplete info
        let version = string("version") ?? "1"
        guard version.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
              let from = strictAddress(string("from")!), let asset = strictAddress(string("asset")!),
              let spender = strictAddress(string("spender")!),
              let amount = TokenAmount(decimal: string("amount")!), TokenAmount(decimal: string("nonce")!) != nil,
              let deadline = TokenAmount(decimal: string("deadline")!),
              let signature = try? Hex.decode(string("signature")!), !signature.isEmpty else { return .malformed }
        return .present(EIP2612Sponsorship(from: from, asset: asset, spender: spender, amount: amount.value,
                                           deadline: deadline.value, signature: signature))
    }

    /// `0x` + 40 hex digits exactly.
    static func strictAddress(_ text: String) -> Address? {
        guard text.utf8.count == 42, text.hasPrefix("0x") else { return nil }
        return try? Address(hex: text)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
