import X402Core
import X402EVM

/// The `eip2612GasSponsoring` extension of a Permit2 payment: the payer's EIP-2612 `permit` of Permit2, run on chain
/// just before the transfer (by the batch-settlement collector, or by `x402ExactPermit2Proxy.settleWithPermit`), so
/// a payer without a Permit2 allowance sends no transaction of its own.
public struct EIP2612Sponsorship: Sendable, Hashable {
    /// `"eip2612GasSponsoring"`, the key in `PaymentPayload.extensions`.
    public static let key = "eip2612GasSponsoring"

    /// The token owner (the payer).
    public var from: Address
    /// The token.
    public var asset: Address
    /// Who the permit approves (Permit2).
    public var spender: Address
    /// The approved value.
    public var amount: UInt256
    /// Unix seconds after which the token refuses the permit.
    public var deadline: UInt256
    /// The owner's signature of the permit (65 bytes for an EOA).
    public var signature: [UInt8]

    /// What `extensions` holds under ``key``.
    public enum Parse: Sendable, Hashable {
        /// No extension, or incomplete info (the SDK ignores it).
        case absent
        /// Present but not in the extension's format.
        case malformed
        /// A well-formed permit.
        case present(EIP2612Sponsorship)
    }

    /// `extensions.eip2612GasSponsoring.info`, checked against the extension's schema patterns.
    public static func parse(_ extensions: JSONObject?) -> Parse {
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

    /// The SDK's checks of a permit for a payment (`validate_eip2612_permit_for_payment`): its code, or nil when it
    /// may be used. The owner must be the payer, the asset the token, the spender `permit2`, and the deadline at least
    /// `buffer` seconds after `now`.
    public func refusal(payer: Address, token: Address, permit2: Address, now: UInt64, buffer: UInt64 = 6) -> ErrorReason? {
        if from != payer { return ErrorReason(rawValue: "eip2612_from_mismatch") }
        if asset != token { return ErrorReason(rawValue: "eip2612_asset_mismatch") }
        if spender != permit2 { return ErrorReason(rawValue: "eip2612_spender_not_permit2") }
        if deadline < UInt256(now) + UInt256(buffer) { return ErrorReason(rawValue: "eip2612_deadline_expired") }
        return nil
    }

    /// The code of an extension that is present but not in its format.
    public static let malformedReason = ErrorReason(rawValue: "invalid_eip2612_extension_format")

    /// `0x` + 40 hex digits exactly.
    static func strictAddress(_ text: String) -> Address? {
        guard text.utf8.count == 42, text.hasPrefix("0x") else { return nil }
        return try? Address(hex: text)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
