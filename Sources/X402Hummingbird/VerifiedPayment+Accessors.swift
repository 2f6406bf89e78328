import X402Core

extension VerifiedPayment {
    /// The paying address, as reported by the verification (`verifyResponse.payer`).
    public var payer: String? { verifyResponse.payer }
    /// The price the payment covers: the matched requirement's atomic `amount`. The charge settled may be
    /// lower when the handler sets an override (`Response.charge(_:)`).
    public var amount: String { requirements.amount }
    /// The asset the amount is in (token contract address).
    public var asset: String { requirements.asset }
    /// The payment scheme id.
    public var scheme: String { requirements.scheme }
    /// The CAIP-2 network.
    public var network: Network { requirements.network }
}
