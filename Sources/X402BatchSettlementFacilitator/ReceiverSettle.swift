import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRelayer

extension BatchSettlementFacilitator {
    /// `settle(receiver, token)`: pays out claimed-but-unsettled funds. The answer's `amount` comes from the
    /// receipt's `Settled` event; a receipt without it is a failure (fail closed, x402 PR #3092).
    func settleReceiver(_ payload: SettlePayload) async -> SettleResponse {
        let totals: ReceiverTotals
        do {
            totals = try await reads.receiverTotals(receiver: payload.receiver, token: payload.token)
        } catch {
            return .failure(ErrorReason(.rpcReadFailed), message: error.description, network: network)
        }
        // One settle per claimed total: a retry after a lost answer finds the same key.
        let key = "bs:settle:\(network):\(payload.receiver.lowercased):\(payload.token.lowercased):\(totals.totalClaimed)"
        if let entry = try? await relayer.entry(forKey: key) {
            if let recorded = recordedOutcome(entry) { return recorded }
            return await settleResponse(await relayer.resume(entry, replayed: true), payload)
        }
        guard totals.totalClaimed > totals.totalSettled else {
            return .failure(ErrorReason(.nothingToSettle), network: network)
        }
        let calldata: [UInt8]
        do {
            calldata = try BatchSettlementCalldata.settle(receiver: payload.receiver, token: payload.token)
        } catch {
            return .failure(ErrorReason(.settlePayload), message: "\(error)", network: network)
        }
        do throws(RelayerError) {
            let outcome = try await relayer.submit(RelayRequest(key: key, purpose: "settle", to: configuration.settlementAddress,
                                                                data: calldata))
            return await settleResponse(outcome, payload)
        } catch {
            let code: BatchSettlementErrorCode = error.revertData != nil ? .settleSimulationFailed : .settleTransactionFailed
            return .failure(ErrorReason(code), message: error.description, network: network)
        }
    }

    private func settleResponse(_ outcome: RelayOutcome, _ payload: SettlePayload) async -> SettleResponse {
        switch outcome {
        case .pending(let entry):
            return .failure(.settlementPending, message: "settle broadcast, receipt not yet available", network: network,
                            transaction: entry.hash.hex)
        case .mined(let entry, let receipt, _):
            guard receipt.succeeded else {
                return await finish(.failure(ErrorReason(.settleTransactionFailed), message: "settle reverted", network: network,
                                             transaction: entry.hash.hex), entry: entry)
            }
            guard let amount = ContractEvents.settled(in: receipt, contract: configuration.settlementAddress,
                                                      receiver: payload.receiver, token: payload.token) else {
                return await finish(.failure(ErrorReason(.settledEventMismatch),
                                             message: "receipt has no Settled event for the receiver and token", network: network,
                                             transaction: entry.hash.hex), entry: entry)
            }
            return await finish(SettleResponse(success: true, transaction: entry.hash.hex, network: network, amount: String(amount)),
                                entry: entry)
        }
    }
}
