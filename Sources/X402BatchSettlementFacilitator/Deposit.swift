import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMMechanisms
import X402EVMRPC
import X402EVMRelayer

/// A verified deposit, ready to send.
struct DepositPlan: Sendable {
    var calldata: [UInt8]
    var pre: OnchainChannelState
    /// The payer-signed authorization nonce makes the operation unique: a retry finds its transaction.
    var key: String
    /// The simulation's gas estimate when settling (it becomes the gas limit: one execution saved).
    var gasEstimate: UInt64?
}

extension BatchSettlementFacilitator {
    /// protocol.md B.17.2 deposit rules, in order; on success the pre-deposit state and the calldata.
    /// `forSettle` simulates with `eth_estimateGas` (its estimate is then the transaction's gas limit) instead of
    /// `eth_call`; both revert with the same bytes.
    func verifyDeposit(_ d: DepositPayload, payload: PaymentPayload, fields: RequirementFields,
                       forSettle: Bool = false) async -> Result<DepositPlan, VerifyFailure> {
        let config = d.channelConfig
        let channelId = d.voucher.channelId
        if let code = checkChannelConfig(config, channelId: channelId, fields: fields, domain: domain) { return .failure(VerifyFailure(code)) }
        let amount = d.deposit.amount.value
        let now = configuration.now()
        let collector: Address
        let collectorData: [UInt8]
        let key: String
        var allowanceCall: Multicall3Call?

        let method = fields.assetTransferMethod ?? (d.deposit.authorization.isPermit2 ? "permit2" : "eip3009")
        switch (method, d.deposit.authorization) {
        case ("eip3009", .erc3009(let auth)):
            guard fields.name != nil, fields.version != nil else { return .failure(VerifyFailure(.missingEIP712Domain)) }
            if auth.validBefore.value < UInt256(now) + UInt256(BatchSettlement.authorizationValidityBuffer) {
                return .failure(VerifyFailure(.validBeforeExpired))
            }
            if auth.validAfter.value > UInt256(now) { return .failure(VerifyFailure(.validAfterInFuture)) }
            let nonce = BatchSettlement.erc3009DepositNonce(channelId: channelId, salt: auth.salt)
            let message = ReceiveWithAuthorization(from: config.payer, to: configuration.erc3009Collector, value: UInt256(amount),
                                                   validAfter: auth.validAfter.value, validBefore: auth.validBefore.value, nonce: nonce)
            let tokenDomain = ERC3009Domain(name: fields.name!, version: fields.version!, chainId: configuration.chainId, token: config.token)
            guard await signatureIsValid(digest: message.digest(in: tokenDomain), signature: auth.signature.bytes, ecdsaSigner: nil,
                                         account: config.payer, reads: reads) else {
                return .failure(VerifyFailure(.receiveAuthorizationSignature))
            }
            collector = configuration.erc3009Collector
            guard let data = try? ERC3009CollectorData(validAfter: auth.validAfter.value, validBefore: auth.validBefore.value,
                                                       salt: auth.salt, signature: auth.signature.bytes).encoded() else {
                return .failure(VerifyFailure(.payloadType, "collector data does not encode"))
            }
            collectorData = data
            key = "bs:deposit:\(network):eip3009:\(config.token.lowercased):\(config.payer.lowercased):\(nonce.hex)"
        case ("eip3009", .permit2):
            return .failure(VerifyFailure(.erc3009AuthorizationRequired))
        case ("permit2", .permit2(let auth)):
            if auth.from != config.payer { return .failure(VerifyFailure(.permit2InvalidSignature, "permit2 from is not the payer")) }
            if auth.spender != configuration.permit2Collector { return .failure(VerifyFailure(.permit2InvalidSpender)) }
            if fields.asset != auth.permitted.token { return .failure(VerifyFailure(.tokenMismatch)) }
            if auth.permitted.amount.value != UInt256(amount) { return .failure(VerifyFailure(.permit2AmountMismatch)) }
            if auth.witness.channelId != channelId { return .failure(VerifyFailure(.channelIdMismatch)) }
            if auth.deadline.value < UInt256(now) + UInt256(BatchSettlement.authorizationValidityBuffer) {
                return .failure(VerifyFailure(.permit2DeadlineExpired))
            }
            let permit = PermitWitnessTransferFrom(token: auth.permitted.token, amount: auth.permitted.amount.value, spender: auth.spender,
                                                   nonce: auth.nonce.value, deadline: auth.deadline.value, channelId: channelId)
            guard await signatureIsValid(digest: permit.digest(chainId: configuration.chainId), signature: auth.signature.bytes,
                                         ecdsaSigner: nil, account: config.payer, reads: reads) else {
                return .failure(VerifyFailure(.permit2InvalidSignature))
            }
            collector = configuration.permit2Collector
            // Then the approval path: an EIP-2612 permit the collector runs first, or the payer's allowance.
            var eip2612: EIP2612PermitData?
            switch EIP2612Sponsorship.parse(payload.extensions) {
            case .malformed:
                return .failure(VerifyFailure(reason: "invalid_eip2612_extension_format", message: nil))
            case .present(let info):
                if let reason = info.refusal(payer: config.payer, token: auth.permitted.token, permit2: configuration.permit2, now: now,
                                             buffer: BatchSettlement.authorizationValidityBuffer) {
                    return .failure(VerifyFailure(reason: reason, message: nil))
                }
                if info.amount != UInt256(amount) { return .failure(VerifyFailure(.eip2612AmountMismatch)) }
                guard let data = try? EIP2612PermitData(value: info.amount, deadline: info.deadline, signature: info.signature) else {
                    return .failure(VerifyFailure(reason: "invalid_eip2612_extension_format", message: "signature is not 65 bytes"))
                }
                eip2612 = data
            case .absent:
                if case .object? = payload.extensions?["erc20ApprovalGasSponsoring"] {
                    // Relaying a signed approve transaction needs an extension signer this facilitator does not run.
                    return .failure(VerifyFailure(.erc20ApprovalUnavailable))
                }
                guard let allowance = try? BatchSettlementCalldata.allowance(owner: config.payer, spender: configuration.permit2) else {
                    return .failure(VerifyFailure(.payloadType, "allowance call does not encode"))
                }
                allowanceCall = Multicall3Call(target: config.token, callData: allowance)
            }
            guard let data = try? Permit2CollectorData(nonce: auth.nonce.value, deadline: auth.deadline.value,
                                                       signature: auth.signature.bytes, eip2612Permit: eip2612).encoded() else {
                return .failure(VerifyFailure(.payloadType, "collector data does not encode"))
            }
            collectorData = data
            key = "bs:deposit:\(network):permit2:\(config.payer.lowercased):\(auth.nonce.value)"
        case ("permit2", .erc3009):
            return .failure(VerifyFailure(.payloadType, "assetTransferMethod permit2 needs permit2Authorization"))
        default:
            return .failure(VerifyFailure(.payloadType, "unknown assetTransferMethod \(method)"))
        }

        // Shared checks: the voucher, then the chain.
        let m = d.voucher.maxClaimableAmount.value
        guard await voucherSignatureIsValid(config: config, channelId: channelId, maxClaimableAmount: m,
                                            signature: d.voucher.signature.bytes, domain: domain, reads: reads) else {
            return .failure(VerifyFailure(.voucherSignature))
        }
        guard let balanceCall = try? BatchSettlementCalldata.balanceOf(config.payer) else {
            return .failure(VerifyFailure(.rpcReadFailed))
        }
        var extra = [Multicall3Call(target: config.token, callData: balanceCall)]
        if let allowanceCall { extra.append(allowanceCall) }
        let pre: OnchainChannelState
        let payerBalance: UInt256
        do {
            let (state, results) = try await reads.channel(channelId, extra: extra)
            guard results.allSatisfy(\.success) else { throw ReadFailure(description: "token read failed") }
            pre = state
            payerBalance = try BatchSettlementCalldata.decodeUInt256(results[0].returnData)
            if results.count > 1, try BatchSettlementCalldata.decodeUInt256(results[1].returnData) < UInt256(amount) {
                return .failure(VerifyFailure(.permit2AllowanceRequired))
            }
        } catch {
            return .failure(VerifyFailure(.rpcReadFailed, "\(error)"))
        }
        if payerBalance < UInt256(amount) { return .failure(VerifyFailure(.insufficientBalance)) }
        let (ceiling, overflow) = pre.balance.addingReportingOverflow(amount)
        if !overflow, m > ceiling { return .failure(VerifyFailure(.cumulativeExceedsBalance)) }
        if m <= pre.totalClaimed { return .failure(VerifyFailure(.cumulativeBelowClaimed)) }
        if let reason = Self.belowRequestFloor(m, totalClaimed: pre.totalClaimed, amount: fields.amount) {
            return .failure(VerifyFailure(reason: reason, message: "maxClaimableAmount must cover totalClaimed + amount"))
        }
        guard let calldata = try? BatchSettlementCalldata.deposit(config: config, amount: amount, collector: collector,
                                                                  collectorData: collectorData) else {
            return .failure(VerifyFailure(.payloadType, "deposit calldata does not encode"))
        }
        var estimate: UInt64?
        do {
            if forSettle {
                estimate = try await relayer.estimateGas(to: configuration.settlementAddress, data: calldata)
            } else {
                _ = try await relayer.call(to: configuration.settlementAddress, data: calldata)
            }
        } catch {
            return .failure(VerifyFailure(.depositSimulationFailed, error.description))
        }
        return .success(DepositPlan(calldata: calldata, pre: pre, key: key, gasEstimate: estimate))
    }

    /// Verifies again, sends `deposit`, waits for the receipt, and reports the confirmed channel state.
    func settleDeposit(_ d: DepositPayload, payload: PaymentPayload, requirements: PaymentRequirements) async -> SettleResponse {
        let payer = d.channelConfig.payer.checksummed
        let answer = OperationAnswer(action: "deposit", payer: payer, simulationFailed: .depositSimulationFailed,
                                     transactionFailed: .depositTransactionFailed)
        // A retry (the first answer was lost) finds the transaction its authorization already produced.
        if let key = depositKey(d),
           let previous = await previousAnswer(key: key, answer, mined: { await depositMined($0, $1, d) }) {
            return previous
        }
        let fields = RequirementFields(requirements)
        let plan: DepositPlan
        switch await verifyDeposit(d, payload: payload, fields: fields, forSettle: true) {
        case .success(let p): plan = p
        case .failure(let failure):
            return .failure(failure.reason, message: failure.message, network: network, payer: payer)
        }
        let context: JSONObject = ["pre": .object(Self.snapshotObject(plan.pre, channelId: d.voucher.channelId))]
        return await send(RelayRequest(key: plan.key, purpose: "deposit", to: configuration.settlementAddress, data: plan.calldata,
                                       context: context, gasLimit: plan.gasEstimate.map { relayer.paddedGasLimit($0) }),
                          answer, mined: { await depositMined($0, $1, d) })
    }

    /// The idempotency key of a deposit, computed without chain reads (nil for an unknown method).
    func depositKey(_ d: DepositPayload) -> String? {
        let config = d.channelConfig
        switch d.deposit.authorization {
        case .erc3009(let auth):
            let nonce = BatchSettlement.erc3009DepositNonce(channelId: d.voucher.channelId, salt: auth.salt)
            return "bs:deposit:\(network):eip3009:\(config.token.lowercased):\(config.payer.lowercased):\(nonce.hex)"
        case .permit2(let auth):
            return "bs:deposit:\(network):permit2:\(config.payer.lowercased):\(auth.nonce.value)"
        }
    }

    /// The answer for a mined deposit: the balance is the one the chain confirmed (the `Deposited` event of
    /// this receipt), never an optimistic sum.
    func depositMined(_ entry: JournalEntry, _ receipt: TransactionReceipt, _ d: DepositPayload) async -> SettleResponse {
        let payer = d.channelConfig.payer.checksummed
        let channelId = d.voucher.channelId
        guard let event = ContractEvents.deposited(in: receipt, contract: configuration.settlementAddress, channelId: channelId) else {
            return .failure(ErrorReason(.depositTransactionFailed), message: "receipt has no Deposited event for the channel",
                            network: network, transaction: entry.hash.hex, payer: payer)
        }
        // If the node cannot answer, the pre-deposit snapshot fills in the fields the event does not carry.
        var state = await confirmedState(channelId, at: receipt) ?? journaledPreState(entry)
            ?? OnchainChannelState(balance: event.newBalance, totalClaimed: 0, withdrawRequestedAt: 0, refundNonce: .zero)
        state.balance = event.newBalance
        return SettleResponse(success: true, payer: payer, transaction: entry.hash.hex, network: network, amount: String(event.amount),
                              extra: ["channelState": .object(Self.snapshotObject(state, channelId: channelId))])
    }

    /// The channel as the chain confirmed it at the receipt's block (nil when the node cannot answer).
    func confirmedState(_ channelId: Bytes32, at receipt: TransactionReceipt) async -> OnchainChannelState? {
        try? await reads.channel(channelId, block: .number(receipt.blockNumber)).0
    }

    /// The pre-transaction snapshot journaled with a deposit or refund (it survives restarts).
    func journaledPreState(_ entry: JournalEntry) -> OnchainChannelState? {
        OnchainChannelState(snapshot: entry.context["pre"]?.objectValue)
    }
}

extension DepositAuthorization {
    var isPermit2: Bool {
        if case .permit2 = self { return true }
        return false
    }
}
