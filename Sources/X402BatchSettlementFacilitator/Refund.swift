import X402BatchSettlement
import X402Core
import X402EVM
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
        if let entry = try? await relayer.entry(forKey: key) {
            if let recorded = recordedOutcome(entry) { return recorded }
            return await refundResponse(await relayer.resume(entry, replayed: true), r, channelId: channelId, pre: nil)
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
        do throws(RelayerError) {
            let outcome = try await relayer.submit(RelayRequest(key: key, purpose: "refund", to: configuration.settlementAddress,
                                                                data: calldata, context: context))
            return await refundResponse(outcome, r, channelId: channelId, pre: pre)
        } catch {
            let code: BatchSettlementErrorCode = error.revertData != nil ? .refundSimulationFailed : .refundTransactionFailed
            return .failure(ErrorReason(code), message: error.description, network: network, payer: payer)
        }
    }

    private func refundResponse(_ outcome: RelayOutcome, _ r: EnrichedRefundPayload, channelId: Bytes32,
                                pre: OnchainChannelState?) async -> SettleResponse {
        let payer = r.channelConfig.payer.checksummed
        switch outcome {
        case .pending(let entry):
            return .failure(.settlementPending, message: "refund broadcast, receipt not yet available", network: network,
                            transaction: entry.hash.hex, payer: payer)
        case .mined(let entry, let receipt, _):
            guard receipt.succeeded else {
                return await finish(.failure(ErrorReason(.refundTransactionFailed), message: "refund reverted", network: network,
                                             transaction: entry.hash.hex, payer: payer), entry: entry)
            }
            guard let refunded = ContractEvents.refunded(in: receipt, contract: configuration.settlementAddress, channelId: channelId) else {
                return await finish(.failure(ErrorReason(.refundedEventMismatch), message: "receipt has no Refunded event for the channel",
                                             network: network, transaction: entry.hash.hex, payer: payer), entry: entry)
            }
            // The state the chain confirmed at the refund's block.
            var extra: JSONObject = [:]
            if let state = try? await reads.channel(channelId, block: .number(receipt.blockNumber)).0 {
                extra["channelState"] = .object(Self.snapshotObject(state, channelId: channelId))
            } else if let pre {
                let state = OnchainChannelState(balance: pre.balance - min(refunded, pre.balance), totalClaimed: pre.totalClaimed,
                                                withdrawRequestedAt: 0, refundNonce: pre.refundNonce + UInt256(1))
                extra["channelState"] = .object(Self.snapshotObject(state, channelId: channelId))
            }
            let response = SettleResponse(success: true, payer: payer, transaction: entry.hash.hex, network: network,
                                          amount: String(refunded), extra: extra.isEmpty ? nil : extra)
            return await finish(response, entry: entry)
        }
    }
}
