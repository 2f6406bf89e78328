import X402BatchSettlement
import X402Core
import X402EVM

/// How much to escrow when a channel needs a deposit (protocol.md B.15.2).
public struct DepositPolicy: Sendable, Hashable {
    /// Deposit target = `depositMultiplier × price` when the seller's `minDeposit` hint is unusable; an integer ≥ 3
    /// (checked when the scheme is created). Also sizes the spend-cap ceiling `cap × depositMultiplier`.
    public var depositMultiplier: Int
    /// Whether to use a `minDeposit` hint (digits, > 0, ≥ price) as the target; default true (the Python client's rule).
    public var useMinDepositHint: Bool

    /// A policy; the multiplier defaults to 5.
    public init(depositMultiplier: Int = 5, useMinDepositHint: Bool = true) {
        self.depositMultiplier = depositMultiplier
        self.useMinDepositHint = useMinDepositHint
    }
}

/// What a ``DepositStrategy`` sees before a deposit is signed.
public struct DepositContext: Sendable {
    /// The requirement being paid.
    public var requirements: PaymentRequirements
    /// The channel's configuration.
    public var channelConfig: ChannelConfig
    /// The channel id.
    public var channelId: Bytes32
    /// The price of this request.
    public var price: UInt128
    /// The voucher ceiling this payment signs (`charged + price`).
    public var maxClaimableAmount: UInt128
    /// The local balance (0 when unknown).
    public var currentBalance: UInt128
    /// The least deposit that covers this payment (`maxClaimableAmount − currentBalance`).
    public var requiredDeposit: UInt128
    /// The deposit the policy computed (already capped).
    public var proposedDeposit: UInt128
    /// The largest deposit the limits allow, when one applies.
    public var maxDeposit: UInt128?
}

/// The app's say on a deposit.
public enum DepositDecision: Sendable, Hashable {
    /// Deposit ``DepositContext/proposedDeposit``.
    case accept
    /// Deposit nothing and send a plain voucher (the seller will likely refuse it when the balance is short).
    case skip
    /// Deposit this amount instead (cap or raise): it must be ≥ ``DepositContext/requiredDeposit`` and is then
    /// capped by the limits like the computed one.
    case amount(UInt128)
}

/// A callback deciding each deposit (Python `depositStrategy`).
public typealias DepositStrategy = @Sendable (DepositContext) async throws -> DepositDecision

/// Where a session key may sign (protocol.md B.15.4: the voucher signer is a separate key committed as the
/// channel's `payerAuthorizer`). Every voucher — payment or refund — goes through these checks before signing.
public struct SessionPolicy: Sendable, Hashable {
    /// Unix seconds after which the session key signs nothing; `nil` means no expiry.
    public var expiresAt: UInt64?
    /// Origins (`scheme://host[:port]`, compared normalized: lowercase, default port dropped) the key may pay;
    /// `nil` allows every origin. With a list, a payment whose request URL is unknown is refused.
    public var allowedOrigins: Set<String>?

    /// A policy; `allowedOrigins` entries may be full URLs (only their origin counts).
    public init(expiresAt: UInt64? = nil, allowedOrigins: [String]? = nil) {
        self.expiresAt = expiresAt
        self.allowedOrigins = allowedOrigins.map { Set($0.map { Origin.normalize($0) ?? $0.lowercased() }) }
    }
}

/// A spending budget per seller origin over a sliding time window.
///
/// What counts: the amount each voucher *authorizes* on top of the previous one (the request's price), when it is
/// signed — whether or not the seller later charges less. Deposits are escrow (refundable) and do not count; they
/// are bounded by ``SpendingLimits/maxDepositPerChannel``. A payment refused with a corrective 402 and retried counts
/// twice (the refused voucher stays signed and claimable). The window's ledger lives in memory (a restart resets it).
public struct Budget: Sendable, Hashable {
    /// The most that may be authorized for one origin within ``window``.
    public var perOrigin: UInt128
    /// The sliding window.
    public var window: Duration

    /// A budget of `perOrigin` per `window`.
    public init(perOrigin: UInt128, window: Duration) {
        self.perOrigin = perOrigin
        self.window = window
    }
}

/// Client-side spending controls, checked before anything is signed.
public struct SpendingLimits: Sendable, Hashable {
    /// The largest price of one payment; a higher price is refused. It also caps deposits at
    /// `maxPerPayment × depositMultiplier`, as the spend cap does in protocol.md B.15.2.
    public var maxPerPayment: UInt128?
    /// The most this client signs in deposits for one channel (sum over its deposits while the local record lives).
    public var maxDepositPerChannel: UInt128?
    /// A budget per seller origin and time window.
    public var budget: Budget?

    /// Limits; all default to none.
    public init(maxPerPayment: UInt128? = nil, maxDepositPerChannel: UInt128? = nil, budget: Budget? = nil) {
        self.maxPerPayment = maxPerPayment
        self.maxDepositPerChannel = maxDepositPerChannel
        self.budget = budget
    }
}

/// URL origins without Foundation: `scheme://host[:port]`, lowercase, default ports (80, 443) dropped.
enum Origin {
    static func normalize(_ url: String) -> String? {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return nil }
        let scheme = url[..<colon].lowercased()
        guard !scheme.isEmpty else { return nil }
        var authority = url[url.index(colon, offsetBy: 3)...]
        if let end = authority.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { authority = authority[..<end] }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host = Substring(authority)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") { port = after.dropFirst() }
            host = host[...close]
        } else if let colon = host.lastIndex(of: ":") {
            port = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard !host.isEmpty else { return nil }
        var text = scheme + "://" + host.lowercased()
        if let port, !port.isEmpty {
            guard port.allSatisfy(\.isNumber), let number = Int(port) else { return nil }
            let isDefault = (scheme == "http" && number == 80) || (scheme == "https" && number == 443)
            if !isDefault { text += ":\(number)" }
        }
        return text
    }
}
