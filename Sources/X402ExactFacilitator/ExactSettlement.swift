import X402Core
import X402EVM
import X402EVMMechanisms
import X402EVMRPC
import X402EVMRelayer
import X402Exact
import X402JSON

extension ExactFacilitator {
    /// The journal key of an authorization: the token, the payer and its ERC-3009 nonce (unique on chain) and the
    /// struct hash (so a different authorization reusing a nonce is never answered with another's transaction).
    static func key(network: Network, token: Address, _ auth: TransferWithAuthorization) -> String {
        "exact:\(network):\(token.lowercased):\(auth.from.lowercased):\(auth.nonce.hex):\(auth.structHash.hex)"
    }

    /// Verifies again (without the separate `eth_call`: the relayer's gas estimate runs the same call), sends
    /// `transferWithAuthorization`, waits for the receipt and checks its `Transfer` log. A settle retried for an
    /// authorization already sent is answered from its transaction, without sending anything.
    public func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> SettleResponse {
        if ExactPermit2Payload.isPermit2(payload.payload) { return await settlePermit2(payload, requirements: requirements) }
        let parsed: ExactPayload
        do { parsed = try ExactPayload(payload.payload) } catch {
            return .failure(error.reason, message: error.description, network: network)
        }
        let sent = parsed.authorization
        if let token = try? Address(hex: requirements.asset),
           let previous = await previousAnswer(key: Self.key(network: network, token: token, sent), payload: payload,
                                               requirements: requirements, token: token, from: sent.from, to: sent.to,
                                               value: sent.value, call: "transferWithAuthorization") {
            return previous
        }
        let payment: ExactCheckedPayment
        switch await check(payload, requirements: requirements, simulate: false) {
        case .success(let p): payment = p
        case .failure(let f):
            return .failure(f.code, message: f.message, network: network, payer: f.payer?.checksummed)
        }
        let payer = payment.payer.checksummed
        let auth = payment.payload.authorization
        let data: [UInt8]
        do { data = try ExactTokenCalls.transfer(auth, signature: payment.payload.signature) } catch {
            return .failure(ErrorReason(.transactionFailed), message: "\(error)", network: network, payer: payer)
        }
        let request = RelayRequest(key: Self.key(network: network, token: payment.token, auth), purpose: "exact-transfer",
                                   to: payment.token, data: data, context: ["payer": .string(payer)])
        let outcome: RelayOutcome
        do throws(RelayerError) {
            outcome = try await relayer.submit(request)
        } catch {
            let code = error.revertData != nil ? ExactTokenCalls.code(forRevert: error.description) : .transactionFailed
            logger.warning("exact settle: transferWithAuthorization failed", metadata: [
                "payer": "\(payer)", "reason": "\(code)", "error": "\(error)",
            ])
            return .failure(ErrorReason(code), message: String(error.description.prefix(300)), network: network, payer: payer)
        }
        return await respond(outcome, token: payment.token, from: auth.from, to: auth.to, value: auth.value,
                             call: "transferWithAuthorization")
    }

    /// The answer for a payment this facilitator already sent under journal `key` (its recorded answer, else its
    /// transaction awaited again); nil when it never sent it, or when the requirement is not the one the payment pays
    /// (`value` of `token` to `to`: another seller replaying a payload is verified, and refused, like any other).
    func previousAnswer(key: String, payload: PaymentPayload, requirements: PaymentRequirements, token: Address, from: Address,
                        to: Address, value: UInt256, call: String) async -> SettleResponse? {
        guard payload.accepted.scheme == scheme, requirements.scheme == scheme, payload.accepted.network == requirements.network,
              requirements.network == network, (try? Address(hex: requirements.payTo)) == to,
              (try? Address(hex: requirements.asset)) == token, TokenAmount(decimal: requirements.amount)?.value == value,
              let entry = try? await relayer.entry(forKey: key) else { return nil }
        if let outcome = entry.outcome, let recorded = try? X402JSON.decode(SettleResponse.self, from: .object(outcome)) {
            return recorded
        }
        return await respond(await relayer.resume(entry, replayed: true), token: token, from: from, to: to, value: value, call: call)
    }

    /// Unconfirmed: `settlement_pending` with the hash. Reverted: `transaction_failed`. Mined without the token's
    /// `Transfer(from, to, value)`: `invalid_exact_evm_transfer_event_mismatch`. Final answers are journaled.
    func respond(_ outcome: RelayOutcome, token: Address, from: Address, to: Address, value: UInt256, call: String) async
        -> SettleResponse {
        let payer = from.checksummed
        switch outcome {
        case .pending(let entry):
            return .failure(ErrorReason(.settlementPending), message: "transfer broadcast, receipt not yet available",
                            network: network, transaction: entry.hash.hex, payer: payer)
        case .mined(let entry, let receipt, _):
            let response: SettleResponse
            if !receipt.succeeded {
                response = .failure(ErrorReason(.transactionFailed), message: "\(call) reverted", network: network,
                                    transaction: entry.hash.hex, payer: payer)
            } else if !ExactTokenCalls.hasTransfer(receipt, token: token, from: from, to: to, value: value) {
                response = .failure(ErrorReason(.transferEventMismatch), message: "receipt has no Transfer(from, to, value) of the token",
                                    network: network, transaction: entry.hash.hex, payer: payer)
            } else {
                response = SettleResponse(success: true, payer: payer, transaction: entry.hash.hex, network: network)
            }
            if let value = try? X402JSON.encodeValue(response), case .object(let object) = value {
                await relayer.recordOutcome(object, for: entry)
            }
            return response
        }
    }
}
