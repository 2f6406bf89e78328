import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRPC
import X402EVMRelayer

extension BatchSettlementFacilitator {
    /// An enriched refund: claims the charged total (if any rows) and refunds the rest with
    /// `refundWithSignature`, in one `multicall` when there are claims. The facilitator signs missing
    /// Refund / ClaimBatch signatures only for a caller that owns the channel's receiver. The answer's
    /// `amount` is the receipt's `Refunded` event (fail closed without it, x402 PR #3096).
    func settleRefund(_ r: EnrichedRefundPayload) async -> SettleResponse {
        let config = r.channelConfig
        let channelId = config.channelId(in: domain)
        let payer = config.payer.checksummed
        guard channelId == r.voucher.channelId else {
            return .failure(ErrorReason(.channelIdMismatch), network: network, payer: payer)
        }
        let refundNonce = r.refundNonce.value
        let key = "bs:refund:\(network):\(channelId.hex):\(refundNonce)"
        let answer = OperationAnswer(action: "refund", payer: payer, simulationFailed: .refundSimulationFailed,
                                     transactionFailed: .refundTransactionFailed)
        if let previous = await previousAnswer(key: key, answer, mined: { await refundMined($0, $1, r, channelId: channelId) }) {
            return previous
        }
        let pre: OnchainChannelState
        do {
            pre = try await reads.channel(channelId).0
        } catch {
            return .failure(ErrorReason(.rpcReadFailed), message: error.description, network: network, payer: payer)
        }
        let rows = r.claims.map {
            VoucherClaim(channel: $0.channel, maxClaimableAmount: $0.maxClaimableAmount.value, signature: $0.signature.bytes,
                         totalClaimed: $0.totalClaimed.value)
        }
        let claimed = rows.filter { $0.channel.channelId(in: domain) == channelId }.map(\.totalClaimed).max() ?? 0
        let effectiveClaimed = max(pre.totalClaimed, claimed)
        let free = pre.balance > effectiveClaimed ? pre.balance - effectiveClaimed : 0
        guard min(r.amount.value, free) > 0 else {
            return .failure(ErrorReason(.refundNoBalance), network: network, payer: payer)
        }

        // Signatures the server did not bring are made by the facilitator's authorizer key.
        var refundSignature = r.refundAuthorizerSignature?.bytes
        var claimSignature = r.claimAuthorizerSignature?.bytes
        if refundSignature == nil || (claimSignature == nil && !rows.isEmpty) {
            guard let key = configuration.authorizerKey else {
                return .failure(ErrorReason(.authorizerNotConfigured), network: network, payer: payer)
            }
            guard config.receiverAuthorizer == key.address, rows.allSatisfy({ $0.channel.receiverAuthorizer == key.address }) else {
                return .failure(ErrorReason(.authorizerAddressMismatch), network: network, payer: payer)
            }
            guard callerMaySign(for: Set([config.receiver] + rows.map(\.channel.receiver))) else {
                return .failure(ErrorReason(.unauthorizedCaller),
                                message: "a delegated refund needs an API key that owns the channel's receiver",
                                network: network, payer: payer)
            }
            if refundSignature == nil {
                refundSignature = key.sign(digest: Refund(channelId: channelId, nonce: refundNonce, amount: r.amount.value)
                    .digest(in: domain)).bytes
            }
            if claimSignature == nil && !rows.isEmpty {
                let batch = ClaimBatch(entries: rows.map { ClaimEntry(channelId: $0.channel.channelId(in: domain),
                                                                       maxClaimableAmount: $0.maxClaimableAmount,
                                                                       totalClaimed: $0.totalClaimed) })
                claimSignature = key.sign(digest: batch.digest(in: domain)).bytes
            }
        }
        let calldata: [UInt8]
        do {
            // The contract gets the signed amount and caps it to the free escrow itself.
            let refundCall = try BatchSettlementCalldata.refundWithSignature(config: config, amount: r.amount.value, nonce: refundNonce,
                                                                             signature: refundSignature!)
            if rows.isEmpty {
                calldata = refundCall
            } else {
                let claimCall = try BatchSettlementCalldata.claimWithSignature(rows, authorizerSignature: claimSignature!)
                calldata = try BatchSettlementCalldata.multicall([claimCall, refundCall])
            }
        } catch {
            return .failure(ErrorReason(.refundPayload), message: "\(error)", network: network, payer: payer)
        }
        let context: JSONObject = ["pre": .object(Self.snapshotObject(pre, channelId: channelId))]
        return await send(RelayRequest(key: key, purpose: "refund", to: configuration.settlementAddress, data: calldata, context: context),
                          answer, mined: { await refundMined($0, $1, r, channelId: channelId) })
    }

    /// The answer for a mined refund: the amount of its `Refunded` event and the channel as the chain confirmed it
    /// (computed from the journaled pre-state when the node cannot answer).
    private func refundMined(_ entry: JournalEntry, _ receipt: TransactionReceipt, _ r: EnrichedRefundPayload,
                             channelId: Bytes32) async -> SettleResponse {
        let payer = r.channelConfig.payer.checksummed
        guard let refunded = ContractEvents.refunded(in: receipt, contract: configuration.settlementAddress, channelId: channelId) else {
            return .failure(ErrorReason(.refundedEventMismatch), message: "receipt has no Refunded event for the channel",
                            network: network, transaction: entry.hash.hex, payer: payer)
        }
        var extra: JSONObject = [:]
        if let state = await confirmedState(channelId, at: receipt) {
            extra["channelState"] = .object(Self.snapshotObject(state, channelId: channelId))
        } else if let pre = journaledPreState(entry), case (let nonce, false) = pre.refundNonce.addingReportingOverflow(UInt256(1)) {
            let state = OnchainChannelState(balance: pre.balance - min(refunded, pre.balance), totalClaimed: pre.totalClaimed,
                                            withdrawRequestedAt: 0, refundNonce: nonce)
            extra["channelState"] = .object(Self.snapshotObject(state, channelId: channelId))
        }
        return SettleResponse(success: true, payer: payer, transaction: entry.hash.hex, network: network, amount: String(refunded),
                              extra: extra.isEmpty ? nil : extra)
    }
}
