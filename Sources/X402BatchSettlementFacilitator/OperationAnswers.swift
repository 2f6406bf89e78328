import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRPC
import X402EVMRelayer

/// How an on-chain operation (deposit, claim, settle, refund) answers apart from its own success: the name its
/// messages use, the payer it reports, and its failure codes.
struct OperationAnswer {
    /// `deposit`, `claim`, `settle`, `refund`.
    var action: String
    /// The payer, when the operation reports one.
    var payer: String?
    /// A failure before broadcast whose simulation reverted.
    var simulationFailed: BatchSettlementErrorCode
    /// Any other failure before broadcast, and a reverted receipt.
    var transactionFailed: BatchSettlementErrorCode
}

extension BatchSettlementFacilitator {
    /// The answer of an operation already sent under `key` (a retry after a lost answer, or a restart): its
    /// recorded answer, else the answer of its transaction, resumed. Nil when nothing was sent under `key`.
    func previousAnswer(key: String, _ answer: OperationAnswer,
                        mined: (JournalEntry, TransactionReceipt) async -> SettleResponse) async -> SettleResponse? {
        guard let entry = try? await relayer.entry(forKey: key) else { return nil }
        if let recorded = recordedOutcome(entry) { return recorded }
        return await respond(await relayer.resume(entry, replayed: true), answer, mined: mined)
    }

    /// Sends `request` and answers for it; a failure before broadcast is `simulationFailed` when the simulation
    /// reverted, else `transactionFailed`.
    func send(_ request: RelayRequest, _ answer: OperationAnswer,
              mined: (JournalEntry, TransactionReceipt) async -> SettleResponse) async -> SettleResponse {
        let outcome: RelayOutcome
        do throws(RelayerError) {
            outcome = try await relayer.submit(request)
        } catch {
            let code = error.revertData != nil ? answer.simulationFailed : answer.transactionFailed
            return .failure(ErrorReason(code), message: error.description, network: network, payer: answer.payer)
        }
        return await respond(outcome, answer, mined: mined)
    }

    /// Unconfirmed: `settlement_pending` with the hash. Reverted: `transactionFailed`. Mined: what `mined` builds
    /// (a success, or a failure when the expected event is missing). Final answers are recorded for retries.
    func respond(_ outcome: RelayOutcome, _ answer: OperationAnswer,
                 mined: (JournalEntry, TransactionReceipt) async -> SettleResponse) async -> SettleResponse {
        switch outcome {
        case .pending(let entry):
            return .failure(.settlementPending, message: "\(answer.action) broadcast, receipt not yet available", network: network,
                            transaction: entry.hash.hex, payer: answer.payer)
        case .mined(let entry, let receipt, _):
            guard receipt.succeeded else {
                return await finish(.failure(ErrorReason(answer.transactionFailed), message: "\(answer.action) reverted", network: network,
                                             transaction: entry.hash.hex, payer: answer.payer), entry: entry)
            }
            return await finish(await mined(entry, receipt), entry: entry)
        }
    }
}
