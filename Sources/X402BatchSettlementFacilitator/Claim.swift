import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRPC
import X402EVMRelayer

extension BatchSettlementFacilitator {
    /// Claims a batch of vouchers with `claimWithSignature`.
    ///
    /// With the server's own ClaimBatch signature the batch is sent as signed (it cannot be split). When the
    /// facilitator signs, rows that fail simulation are isolated by bisection and reported in
    /// `extra.failedChannels`; the rest are claimed, in transactions sized to fit the block gas limit.
    func settleClaim(_ claim: ClaimPayload) async -> SettleResponse {
        let rows = claim.claims.map {
            VoucherClaim(channel: $0.channel, maxClaimableAmount: $0.maxClaimableAmount.value, signature: $0.signature.bytes,
                         totalClaimed: $0.totalClaimed.value)
        }
        guard !rows.isEmpty else {
            return .failure(ErrorReason(.claimSimulationFailed), message: "empty claim batch", network: network)
        }
        guard rows.count <= configuration.maxClaimRows else {
            return .failure(ErrorReason(.claimPayload), message: "more than \(configuration.maxClaimRows) rows", network: network)
        }
        if let signature = claim.claimAuthorizerSignature {
            return await sendServerSignedClaim(rows, signature: signature.bytes)
        }
        guard let key = configuration.authorizerKey else {
            return .failure(ErrorReason(.authorizerNotConfigured), network: network)
        }
        guard rows.allSatisfy({ $0.channel.receiverAuthorizer == key.address }) else {
            return .failure(ErrorReason(.authorizerAddressMismatch), network: network)
        }
        guard callerMaySign(for: Set(rows.map(\.channel.receiver))) else {
            return .failure(ErrorReason(.unauthorizedCaller),
                            message: "signing a claim needs an API key that owns the channels' receiver", network: network)
        }

        // Plan the transactions: estimate each signed chunk once (that estimate is its gas limit); a chunk
        // that reverts has its failing rows isolated by bisection, one over the gas share is halved.
        let plan: ClaimPlan
        do {
            plan = try await planClaims(rows, key: key)
        } catch {
            return .failure(ErrorReason(.claimSimulationFailed), message: error.description, network: network)
        }
        let failed = plan.bad.map { $0.channel.channelId(in: domain) }
        guard !plan.chunks.isEmpty else {
            return .failure(ErrorReason(.claimSimulationFailed), message: "every row failed simulation", network: network,
                            extra: Self.failedObject(failed, transactions: []))
        }
        var hashes: [String] = []
        for chunk in plan.chunks {
            let response = await sendClaim(chunk.rows, authorizerSignature: chunk.signature, gasLimit: chunk.gasLimit)
            guard response.success else {
                var failure = response
                failure.extra = Self.failedObject(failed, transactions: hashes)
                return failure
            }
            hashes.append(response.transaction)
        }
        var response = SettleResponse(success: true, transaction: hashes.last ?? "", network: network)
        if !failed.isEmpty || hashes.count > 1 { response.extra = Self.failedObject(failed, transactions: hashes) }
        return response
    }

    /// Signed chunks ready to send, and the rows left out.
    struct ClaimPlan {
        struct Chunk {
            var rows: [VoucherClaim]
            var signature: [UInt8]
            var gasLimit: UInt64
        }
        var chunks: [Chunk] = []
        var bad: [VoucherClaim] = []
    }

    /// One `eth_estimateGas` per chunk in the common case (all rows good, the batch fits).
    func planClaims(_ rows: [VoucherClaim], key: PrivateKey) async throws(RelayerError) -> ClaimPlan {
        let cap = try await relayer.blockGasLimit() / 100 * relayer.configuration.maxBlockGasPercent
        var plan = ClaimPlan()
        var stack = [rows]  // the top is the next chunk in row order
        while let chunk = stack.popLast() {
            let signature = key.sign(digest: ClaimBatch(entries: chunk.map {
                ClaimEntry(channelId: $0.channel.channelId(in: domain), maxClaimableAmount: $0.maxClaimableAmount,
                           totalClaimed: $0.totalClaimed)
            }).digest(in: domain)).bytes
            guard let data = try? BatchSettlementCalldata.claimWithSignature(chunk, authorizerSignature: signature) else {
                throw .simulationFailed(revertData: [], message: "claim calldata does not encode")
            }
            let estimate: UInt64
            do {
                estimate = try await relayer.estimateGas(to: configuration.settlementAddress, data: data)
            } catch .simulationFailed {
                let (good, bad) = await partition(chunk, from: key.address)
                guard bad.isEmpty == false else {
                    // Every row claims alone, yet the batch reverts: nothing to isolate.
                    throw .simulationFailed(revertData: [], message: "claim batch reverts though each row simulates")
                }
                plan.bad += bad
                if !good.isEmpty { stack.append(good) }
                continue
            }
            let padded = relayer.paddedGasLimit(estimate)
            if padded > cap {
                guard chunk.count > 1 else { throw .simulationFailed(revertData: [], message: "one row needs \(estimate) gas, over \(cap)") }
                let mid = chunk.count / 2
                stack.append(Array(chunk[mid...]))
                stack.append(Array(chunk[..<mid]))
                continue
            }
            plan.chunks.append(ClaimPlan.Chunk(rows: chunk, signature: signature, gasLimit: padded))
        }
        return plan
    }

    private func sendServerSignedClaim(_ rows: [VoucherClaim], signature: [UInt8]) async -> SettleResponse {
        let response = await sendClaim(rows, authorizerSignature: signature)
        guard !response.success, response.errorReason == ErrorReason(.claimSimulationFailed) else { return response }
        // Name the rows at fault even though the server's signature keeps the batch whole.
        let (_, bad) = await partition(rows, from: rows[0].channel.receiverAuthorizer)
        var failure = response
        failure.extra = Self.failedObject(bad.map { $0.channel.channelId(in: domain) }, transactions: [])
        return failure
    }

    /// Simulates, sends and confirms one `claimWithSignature`.
    private func sendClaim(_ rows: [VoucherClaim], authorizerSignature: [UInt8], gasLimit: UInt64? = nil) async -> SettleResponse {
        let calldata: [UInt8]
        do {
            calldata = try BatchSettlementCalldata.claimWithSignature(rows, authorizerSignature: authorizerSignature)
        } catch {
            return .failure(ErrorReason(.claimPayload), message: "\(error)", network: network)
        }
        let key = "bs:claim:\(network):\(Keccak256.hash(calldata).hex)"
        let answer = OperationAnswer(action: "claim", payer: nil, simulationFailed: .claimSimulationFailed,
                                     transactionFailed: .claimTransactionFailed)
        if let previous = await previousAnswer(key: key, answer, mined: claimedAnswer) { return previous }
        return await send(RelayRequest(key: key, purpose: "claim", to: configuration.settlementAddress, data: calldata,
                                       context: ["rows": .number(JSONNumber(rows.count))], gasLimit: gasLimit),
                          answer, mined: claimedAnswer)
    }

    /// A mined claim succeeded: it emits no event to check (rows already claimed on chain are skipped silently).
    private func claimedAnswer(_ entry: JournalEntry, _ receipt: TransactionReceipt) -> SettleResponse {
        SettleResponse(success: true, transaction: entry.hash.hex, network: network)
    }

    /// Splits `rows` into those whose `claim` simulates from `caller` and those that fail, by bisection
    /// (O(k log n) calls for k bad rows).
    func partition(_ rows: [VoucherClaim], from caller: Address) async -> (good: [VoucherClaim], bad: [VoucherClaim]) {
        guard !rows.isEmpty else { return ([], []) }
        if await simulateClaim(rows, from: caller) { return (rows, []) }
        if rows.count == 1 { return ([], rows) }
        let mid = rows.count / 2
        let left = await partition(Array(rows[..<mid]), from: caller)
        let right = await partition(Array(rows[mid...]), from: caller)
        return (left.good + right.good, left.bad + right.bad)
    }

    private func simulateClaim(_ rows: [VoucherClaim], from caller: Address) async -> Bool {
        guard let data = try? BatchSettlementCalldata.claim(rows) else { return false }
        do {
            _ = try await relayer.call(to: configuration.settlementAddress, data: data, from: caller)
            return true
        } catch {
            return false
        }
    }

    static func failedObject(_ failed: [Bytes32], transactions: [String]) -> JSONObject {
        var object: JSONObject = ["failedChannels": .array(failed.map { .string($0.hex) })]
        if !transactions.isEmpty { object["transactions"] = .array(transactions.map { .string($0) }) }
        return object
    }
}
