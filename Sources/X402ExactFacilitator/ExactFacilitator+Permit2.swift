import X402Core
import X402EVM
import X402EVMMechanisms
import X402EVMRPC
import X402EVMRelayer
import X402Exact
import X402JSON

// Permit2 `exact` payments (payloads with `permit2Authorization`, Python SDK `permit2_utils.py`): the payer approved
// Permit2 once and signs a `PermitWitnessTransferFrom` whose spender is `x402ExactPermit2Proxy`; the facilitator
// calls the proxy's `settle`, which can only pay the witness's `to`. A payer without a Permit2 allowance may send an
// EIP-2612 permit of Permit2 in the `eip2612GasSponsoring` extension: the proxy's `settleWithPermit` runs it first.
// The ERC-20 approval extension (a signed approve transaction to relay) is not taken: `permit2_allowance_required`.
extension ExactFacilitator {
    /// The offline rules, the signature (ECDSA for an account without code, ERC-1271 for a contract, no fallback),
    /// the asset's code, the payer's Permit2 allowance (or, short of it, a valid `eip2612GasSponsoring` permit) and
    /// balance: the SDK's verify order.
    func checkPermit2(_ payload: PaymentPayload, requirements: PaymentRequirements) async
        -> Result<ExactPermit2CheckedPayment, ExactRuleFailure> {
        let payment: ExactPermit2CheckedPayment
        switch ExactRules.checkPermit2(payload, requirements: requirements, chainId: configuration.chainId, now: configuration.now()) {
        case .success(let p): payment = p
        case .failure(let f): return .failure(f)
        }
        let payer = payment.payer, rpc = relayer.rpc, relayer = relayer
        let signed = await AccountSignature.isValid(
            digest: payment.digest, signature: payment.payload.signature, account: payer,
            code: { try await rpc.getCode(payer) }, call: { data in try await relayer.call(to: payer, data: data) })
        func fail(_ code: ExactErrorCode, _ message: String? = nil) -> Result<ExactPermit2CheckedPayment, ExactRuleFailure> {
            .failure(ExactRuleFailure(ErrorReason(code), message: message.map { String($0.prefix(300)) }, payer: payer))
        }
        if !signed { return fail(.permit2InvalidSignature) }
        if let failure = await assetFailure(payment.token, payer: payer) { return .failure(failure) }
        let amount = payment.payload.authorization.amount
        // A failed allowance read counts as no allowance, as in the SDK.
        let allowance = await readUInt(ExactPermit2Calls.allowance, [.address(payer), .address(Exact.permit2Address)], at: payment.token)
        if allowance.map({ $0 < amount }) ?? true {
            switch EIP2612Sponsorship.parse(payload.extensions) {
            case .absent: return fail(.permit2AllowanceRequired)
            case .malformed: return .failure(ExactRuleFailure(EIP2612Sponsorship.malformedReason, payer: payer))
            case .present(let permit):
                if let reason = permit.refusal(payer: payer, token: payment.token, permit2: Exact.permit2Address, now: configuration.now()) {
                    return .failure(ExactRuleFailure(reason, payer: payer))
                }
            }
        }
        guard let balance = await readUInt(TokenABI.balanceOf, [.address(payer)], at: payment.token) else { return fail(.balanceCheckFailed) }
        if balance < amount { return fail(.insufficientBalance) }
        return .success(payment)
    }

    /// A `uint256` view of `contract`; nil when the call fails or answers garbage.
    private func readUInt(_ function: ABIFunction, _ arguments: [ABIValue], at contract: Address) async -> UInt256? {
        guard let data = try? function.encodeCall(arguments), let answer = try? await relayer.call(to: contract, data: data) else {
            return nil
        }
        return (try? function.decodeOutput(answer))?.first?.asUInt256
    }

    /// The journal key of a permit: the payer and its Permit2 nonce (unique on chain) and the digest (so another
    /// permit reusing a nonce is never answered with this one's transaction).
    static func permit2Key(network: Network, _ permit: ExactPermit2Authorization, digest: Bytes32) -> String {
        "exact-permit2:\(network):\(permit.from.lowercased):\(permit.nonce):\(digest.hex)"
    }

    /// Verifies again, sends the proxy's `settle`, waits for the receipt and checks the token's `Transfer(payer, to,
    /// amount)` log. A settle retried for a permit already sent is answered from its transaction.
    func settlePermit2(_ payload: PaymentPayload, requirements: PaymentRequirements) async -> SettleResponse {
        // A permit already sent (same payer, nonce and digest) for this requirement is answered from the journal,
        // before any rule: its nonce is spent on chain by then.
        if let permit = try? ExactPermit2Payload(payload.payload).authorization,
           let previous = await previousAnswer(key: Self.permit2Key(network: network, permit, digest: permit.digest(chainId: configuration.chainId)),
                                               payload: payload, requirements: requirements, token: permit.token, from: permit.from,
                                               to: permit.to, value: permit.amount, call: "Permit2 settle") {
            return previous
        }
        let payment: ExactPermit2CheckedPayment
        switch await checkPermit2(payload, requirements: requirements) {
        case .success(let p): payment = p
        case .failure(let f): return .failure(f.code, message: f.message, network: network, payer: f.payer?.checksummed)
        }
        let payer = payment.payer.checksummed
        let data: [UInt8]
        do {
            // With an EIP-2612 permit in the payload the proxy runs it first (as the SDK does whenever one is sent).
            if case .present(let permit) = EIP2612Sponsorship.parse(payload.extensions) {
                data = try ExactPermit2Calls.settleWithPermitCall(payment.payload.authorization, signature: payment.payload.signature,
                                                                  permit: permit)
            } else {
                data = try ExactPermit2Calls.settleCall(payment.payload.authorization, signature: payment.payload.signature)
            }
        } catch {
            return .failure(ErrorReason(.transactionFailed), message: "\(error)", network: network, payer: payer)
        }
        let key = Self.permit2Key(network: network, payment.payload.authorization, digest: payment.digest)
        let request = RelayRequest(key: key, purpose: "exact-permit2-settle",
                                   to: Exact.permit2ProxyAddress, data: data, context: ["payer": .string(payer)])
        let outcome: RelayOutcome
        do throws(RelayerError) {
            outcome = try await relayer.submit(request)
        } catch {
            let code = error.revertData.map { ExactPermit2Calls.code(forRevert: $0) } ?? .transactionFailed
            logger.warning("exact settle: Permit2 proxy settle failed", metadata: [
                "payer": "\(payer)", "reason": "\(code)", "error": "\(error)",
            ])
            return .failure(ErrorReason(code), message: String(error.description.prefix(300)), network: network, payer: payer)
        }
        let permit = payment.payload.authorization
        return await respond(outcome, token: permit.token, from: permit.from, to: permit.to, value: permit.amount, call: "Permit2 settle")
    }
}
