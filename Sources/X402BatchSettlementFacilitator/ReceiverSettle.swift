import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRPC
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
        let answer = OperationAnswer(action: "settle", payer: nil, simulationFailed: .settleSimulationFailed,
                                     transactionFailed: .settleTransactionFailed)
        if let previous = await previousAnswer(key: key, answer, mined: { settledAnswer($0, $1, payload) }) { return previous }
        guard totals.totalClaimed > totals.totalSettled else {
            return .failure(ErrorReason(.nothingToSettle), network: network)
        }
        let calldata: [UInt8]
        do {
            calldata = try BatchSettlementCalldata.settle(receiver: payload.receiver, token: payload.token)
        } catch {
            return .failure(ErrorReason(.settlePayload), message: "\(error)", network: network)
        }
        return await send(RelayRequest(key: key, purpose: "settle", to: configuration.settlementAddress, data: calldata), answer,
                          mined: { settledAnswer($0, $1, payload) })
    }

    /// The answer for a mined settle: the amount of its `Settled` event for the receiver and token.
    private func settledAnswer(_ entry: JournalEntry, _ receipt: TransactionReceipt, _ payload: SettlePayload) -> SettleResponse {
        guard let amount = ContractEvents.settled(in: receipt, contract: configuration.settlementAddress,
                                                  receiver: payload.receiver, token: payload.token) else {
            return .failure(ErrorReason(.settledEventMismatch), message: "receipt has no Settled event for the receiver and token",
                            network: network, transaction: entry.hash.hex)
        }
        return SettleResponse(success: true, transaction: entry.hash.hex, network: network, amount: String(amount))
    }
}
