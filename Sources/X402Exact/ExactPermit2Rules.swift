import X402Core
import X402EVM
import X402EVMMechanisms

/// A Permit2 payment that passed the offline rules: what the chain checks need next.
public struct ExactPermit2CheckedPayment: Sendable, Hashable {
    /// The parsed payload.
    public var payload: ExactPermit2Payload
    /// The chain it pays on.
    public var chainId: UInt64
    /// The digest the payer signed.
    public var digest: Bytes32

    /// The payer (`permit2Authorization.from`).
    public var payer: Address { payload.authorization.from }
    /// The token contract.
    public var token: Address { payload.authorization.token }
}

extension ExactRules {
    /// The offline Permit2 rules in the Python SDK's order: scheme, network, chain, spender (the proxy), recipient
    /// (`witness.to` = `payTo`), `deadline ≥ now + 6`, `validAfter ≤ now`, amount, token, a signature present. A
    /// malformed field gets the code its rule gives. The chain rules (signature owner, asset code, Permit2 allowance,
    /// balance) follow in the facilitator.
    public static func checkPermit2(_ payment: PaymentPayload, requirements: PaymentRequirements, chainId: UInt64?,
                                    now: UInt64) -> Result<ExactPermit2CheckedPayment, ExactRuleFailure> {
        let payload: ExactPermit2Payload
        do { payload = try ExactPermit2Payload(payment.payload) } catch {
            return .failure(ExactRuleFailure(ErrorReason(permit2Code(forMalformed: error.field)), message: error.description,
                                             payer: payerOfMalformed(payment.payload)))
        }
        let auth = payload.authorization
        func fail(_ code: ExactErrorCode, _ message: String? = nil) -> Result<ExactPermit2CheckedPayment, ExactRuleFailure> {
            .failure(ExactRuleFailure(ErrorReason(code), message: message, payer: auth.from))
        }
        let chain: UInt64
        switch chainRules(payment, requirements: requirements, chainId: chainId) {
        case .success(let c): chain = c
        case .failure(let f): return fail(f.code, f.message)
        }
        guard auth.spender == Exact.permit2ProxyAddress else { return fail(.permit2InvalidSpender) }
        guard let payTo = try? Address(hex: requirements.payTo), payTo == auth.to else { return fail(.permit2RecipientMismatch) }
        let (earliest, overflow) = now.addingReportingOverflow(Exact.validityBuffer)
        if overflow || auth.deadline < UInt256(earliest) { return fail(.permit2DeadlineExpired) }
        if auth.validAfter > UInt256(now) { return fail(.permit2NotYetValid) }
        guard let amount = TokenAmount(decimal: requirements.amount), amount.value == auth.amount else { return fail(.permit2AmountMismatch) }
        guard let token = try? Address(hex: requirements.asset), token == auth.token else { return fail(.permit2TokenMismatch) }
        if payload.signature.isEmpty { return fail(.permit2InvalidSignature) }
        return .success(ExactPermit2CheckedPayment(payload: payload, chainId: chain, digest: auth.digest(chainId: chain)))
    }

    /// The code of a payload whose `field` could not be read: the rule that reads that field.
    static func permit2Code(forMalformed field: String) -> ExactErrorCode {
        switch field {
        case "permit2Authorization.spender": .permit2InvalidSpender
        case "permit2Authorization.witness.to", "permit2Authorization.witness": .permit2RecipientMismatch
        case "permit2Authorization.permitted.token": .permit2TokenMismatch
        case "signature", "permit2Authorization.from": .permit2InvalidSignature
        default: .permit2PayloadFormat
        }
    }

    /// `permit2Authorization.from` when it is an address, for the answer's `payer`.
    static func payerOfMalformed(_ payload: JSONObject) -> Address? {
        guard case .object(let auth)? = payload["permit2Authorization"], case .string(let from)? = auth["from"] else { return nil }
        return try? Address(hex: from)
    }
}
