import X402Core
import X402EVM
import X402EVMMechanisms

/// A payment that passed the offline `exact` rules: what the chain checks need next.
public struct ExactCheckedPayment: Sendable, Hashable {
    /// The parsed payload.
    public var payload: ExactPayload
    /// The token's EIP-712 domain (`extra.name`, `extra.version`, the chain, `asset`).
    public var domain: ERC3009Domain
    /// The digest the payer signed.
    public var digest: Bytes32

    /// The payer (`authorization.from`).
    public var payer: Address { payload.authorization.from }
    /// The token contract.
    public var token: Address { domain.token }
}

/// An `exact` rule that refused a payment.
public struct ExactRuleFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The protocol code.
    public var code: ErrorReason
    /// Detail for `invalidMessage`.
    public var message: String?
    /// The payer, when the payload could be read.
    public var payer: Address?

    /// A failure with `code`.
    public init(_ code: ErrorReason, message: String? = nil, payer: Address? = nil) {
        self.code = code
        self.message = message
        self.payer = payer
    }

    /// An `isValid:false` answer with this code.
    public var verifyResponse: VerifyResponse { .invalid(code, message: message, payer: payer?.checksummed) }

    /// `code: message`.
    public var description: String { message.map { "\(code): \($0)" } ?? code.rawValue }
}

/// The offline `exact` verify rules, in the Python SDK's order: scheme, network, chain, EIP-712 domain, recipient,
/// value, `validBefore ≥ now + 6`, `validAfter ≤ now`, a signature present. The chain rules (signature owner,
/// asset code, simulation with nonce and balance diagnosis) follow in the facilitator.
public enum ExactRules {
    /// Checks `payment` against `requirements` at unix second `now`; `chainId` is the chain the caller serves
    /// (nil accepts any `eip155` chain).
    public static func check(_ payment: PaymentPayload, requirements: PaymentRequirements, chainId: UInt64?,
                             now: UInt64) -> Result<ExactCheckedPayment, ExactRuleFailure> {
        let payload: ExactPayload
        do { payload = try ExactPayload(payment.payload) } catch {
            return .failure(ExactRuleFailure(error.reason, message: error.description))
        }
        let auth = payload.authorization
        func fail(_ code: ExactErrorCode, _ message: String? = nil) -> Result<ExactCheckedPayment, ExactRuleFailure> {
            .failure(ExactRuleFailure(ErrorReason(code), message: message, payer: auth.from))
        }
        let chain: UInt64
        switch chainRules(payment, requirements: requirements, chainId: chainId) {
        case .success(let c): chain = c
        case .failure(let f): return fail(f.code, f.message)
        }
        guard case .string(let name)? = requirements.extra["name"], case .string(let version)? = requirements.extra["version"] else {
            return fail(.missingEIP712Domain)
        }
        guard let token = try? Address(hex: requirements.asset) else { return fail(.failedToGetAssetInfo, "asset is not an address") }
        guard let payTo = try? Address(hex: requirements.payTo), payTo == auth.to else { return fail(.recipientMismatch) }
        guard let amount = TokenAmount(decimal: requirements.amount), amount.value == auth.value else {
            return fail(.authorizationValueMismatch)
        }
        let (earliest, overflow) = now.addingReportingOverflow(Exact.validityBuffer)
        if overflow || auth.validBefore < UInt256(earliest) { return fail(.authorizationValidBefore) }
        if auth.validAfter > UInt256(now) { return fail(.authorizationValidAfter) }
        if payload.signature.isEmpty { return fail(.invalidSignature) }
        let domain = ERC3009Domain(name: name, version: version, chainId: chain, token: token)
        return .success(ExactCheckedPayment(payload: payload, domain: domain, digest: auth.digest(in: domain)))
    }

    /// The first rules of both payload kinds: scheme, network, and the chain (`eip155`, and the one the caller
    /// serves); the chain id when they pass.
    static func chainRules(_ payment: PaymentPayload, requirements: PaymentRequirements, chainId: UInt64?)
        -> Result<UInt64, ChainRuleFailure> {
        guard payment.accepted.scheme == Exact.scheme, requirements.scheme == Exact.scheme else {
            return .failure(ChainRuleFailure(code: .unsupportedScheme))
        }
        guard payment.accepted.network == requirements.network else { return .failure(ChainRuleFailure(code: .networkMismatch)) }
        let chain: UInt64
        do { chain = try requirements.network.evmChainId() } catch {
            return .failure(ChainRuleFailure(code: .failedToGetNetworkConfig, message: "\(error)"))
        }
        if let chainId, chain != chainId {
            return .failure(ChainRuleFailure(code: .failedToGetNetworkConfig, message: "this facilitator serves eip155:\(chainId)"))
        }
        return .success(chain)
    }

    /// Why ``chainRules(_:requirements:chainId:)`` refused.
    struct ChainRuleFailure: Error {
        var code: ExactErrorCode
        var message: String?
    }
}
