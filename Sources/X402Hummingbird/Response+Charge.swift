import Hummingbird
import X402Core

extension Response {
    /// Charges `amount` instead of the route's price, by setting `Settlement-Overrides: {"amount":"<amount>"}`
    /// (protocol.md B.14), which ``X402PaymentMiddleware`` reads and strips before the response is sent.
    ///
    /// `amount` is a percentage of the price (`"50%"`, `"12.5%"`, at most two decimals), a dollar amount
    /// (`"$0.001"`, for assets with known decimals) or an atomic integer (`"1234"`). The override is resolved
    /// at settlement; one that cannot be resolved fails the settlement (402) instead of charging the full price.
    /// Only successful responses (status < 400) are settled at all.
    public mutating func charge(_ amount: String) {
        headers[.settlementOverrides] = String(decoding: JSONSerializer.serialize(["amount": .string(amount)]), as: UTF8.self)
    }
}
