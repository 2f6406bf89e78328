import Synchronization

// Client-side spending controls shared by every scheme's client: limits, a per-origin budget, session bounds.

/// A spending limit of ``SpendingLimits`` that refused a payment.
public enum SpendingLimitKind: String, Sendable, Hashable, CustomStringConvertible {
    /// ``SpendingLimits/maxPerPayment``: the requirement's price is above it.
    case maxPerPayment
    /// ``SpendingLimits/maxDepositPerChannel``: the deposits signed for one channel would exceed it (batch-settlement).
    case maxDepositPerChannel
    /// The deposit ceiling derived from a spend cap (`cap × depositMultiplier`, protocol.md B.15.2; batch-settlement).
    case depositSpendCap
    /// ``SpendingLimits/budget``: the authorized amount for one origin in the current window would exceed it.
    case budgetPerOrigin

    /// The raw name.
    public var description: String { rawValue }
}

/// Where a client may sign: an expiry and the origins it may pay (for batch-settlement the session key that signs
/// vouchers, protocol.md B.15.4; for `exact` the wallet's authorizations). Every payment goes through these checks
/// before signing.
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
/// What counts: the amount each payment *authorizes* (an `exact` transfer; a batch-settlement voucher's increase
/// over the previous one, the request's price), when it is signed — whether or not the seller later charges less.
/// Batch-settlement deposits are escrow (refundable) and do not count; they are bounded by
/// ``SpendingLimits/maxDepositPerChannel``. A payment refused with a corrective 402 and retried counts
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
    /// The largest price of one payment; a higher price is refused. For batch-settlement it also caps deposits at
    /// `maxPerPayment × depositMultiplier`, as the spend cap does in protocol.md B.15.2.
    public var maxPerPayment: UInt128?
    /// batch-settlement only: the most this client signs in deposits for one channel (sum over its deposits while the
    /// local record lives). `exact` has no deposits and ignores it.
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
package enum Origin {
    /// `scheme://host[:port]` of `url`, lowercase, default port dropped; nil without a `scheme://` authority.
    package static func normalize(_ url: String) -> String? {
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

/// Why a ``SessionPolicy`` refuses a payment.
package enum SessionRefusal: Error, Sendable, Hashable {
    /// ``SessionPolicy/expiresAt`` has passed.
    case expired(expiresAt: UInt64)
    /// Origins are restricted but the request URL is unknown or has no origin.
    case originUnknown
    /// The request's origin is not allowed.
    case originNotAllowed(String)
}

extension SessionPolicy {
    /// Refuses when the policy expired at unix second `now` or `requestURL`'s origin is not allowed.
    package func check(requestURL: String?, now: UInt64) throws(SessionRefusal) {
        if let expiresAt, now >= expiresAt { throw .expired(expiresAt: expiresAt) }
        if let allowedOrigins {
            guard let url = requestURL, let origin = Origin.normalize(url) else { throw .originUnknown }
            guard allowedOrigins.contains(origin) else { throw .originNotAllowed(origin) }
        }
    }
}

/// The sliding-window ledger behind ``Budget``: what was authorized per origin, in memory.
package final class SpendingLedger: Sendable {
    private struct Entry: Sendable {
        var at: UInt64
        var amount: UInt128
    }

    private let entries = Mutex<[String: [Entry]]>([:])

    /// An empty ledger.
    package init() {}

    private static func seconds(_ window: Duration) -> UInt64 { UInt64(max(0, window.components.seconds)) }

    /// Reserves `amount` for `origin` at unix second `now`; nil when it fits the budget, else the total that would have
    /// been authorized (`UInt128.max` on overflow), and nothing is reserved.
    package func reserve(origin: String, amount: UInt128, now: UInt64, budget: Budget) -> UInt128? {
        let window = Self.seconds(budget.window)
        return entries.withLock { ledger -> UInt128? in
            var list = ledger[origin, default: []].filter { now < $0.at &+ window }
            var spent: UInt128 = 0
            for e in list { spent = spent.addingReportingOverflow(e.amount).partialValue }
            let (total, overflow) = spent.addingReportingOverflow(amount)
            guard !overflow, total <= budget.perOrigin else { return overflow ? .max : total }
            list.append(Entry(at: now, amount: amount))
            ledger[origin] = list
            return nil
        }
    }

    /// Gives back a reservation whose payment was never signed.
    package func release(origin: String, amount: UInt128, now: UInt64) {
        entries.withLock { ledger in
            guard var list = ledger[origin], let index = list.lastIndex(where: { $0.at == now && $0.amount == amount }) else { return }
            list.remove(at: index)
            ledger[origin] = list
        }
    }

    /// What was authorized for `origin` within the budget's window ending at `now`.
    package func spent(origin: String, now: UInt64, budget: Budget) -> UInt128 {
        let window = Self.seconds(budget.window)
        return entries.withLock { ledger in
            ledger[origin, default: []].filter { now < $0.at &+ window }
                .reduce(UInt128(0)) { $0.addingReportingOverflow($1.amount).partialValue }
        }
    }
}
