import HTTPTypes

extension HTTPField.Name {
    /// `PAYMENT-REQUIRED` (protocol.md A.1).
    public static let paymentRequired = HTTPField.Name(X402Header.paymentRequired)!
    /// `PAYMENT-SIGNATURE`.
    public static let paymentSignature = HTTPField.Name(X402Header.paymentSignature)!
    /// `PAYMENT-RESPONSE`.
    public static let paymentResponse = HTTPField.Name(X402Header.paymentResponse)!
    /// `Settlement-Overrides` (set by handlers, stripped by the middleware).
    public static let settlementOverrides = HTTPField.Name(X402Header.settlementOverrides)!
}

extension HTTPResponse.Status {
    /// 402 Payment Required.
    static let x402PaymentRequired = HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required")
}
