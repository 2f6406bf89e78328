import X402BatchSettlement
import X402EVM
import X402EVMRPC
import X402Core
import X402EVMRelayer

/// A channel as the contract reports it: the four fields of every verify/settle snapshot.
struct OnchainChannelState: Sendable, Equatable {
    var balance: UInt128
    var totalClaimed: UInt128
    var withdrawRequestedAt: UInt64
    var refundNonce: UInt256

    func snapshot(channelId: Bytes32) -> ChannelStateSnapshot {
        ChannelStateSnapshot(channelId: channelId, balance: TokenAmount128(balance), totalClaimed: TokenAmount128(totalClaimed),
                             withdrawRequestedAt: withdrawRequestedAt, refundNonce: TokenAmount(refundNonce))
    }
}

extension OnchainChannelState {
    /// A state from a snapshot object (``BatchSettlementFacilitator/snapshotObject(_:channelId:)``).
    init?(snapshot: JSONObject?) {
        guard let snapshot, case .string(let b)? = snapshot["balance"], let balance = UInt128(b),
              case .string(let c)? = snapshot["totalClaimed"], let claimed = UInt128(c),
              case .number(let w)? = snapshot["withdrawRequestedAt"], let withdraw = UInt64(w.text),
              case .string(let n)? = snapshot["refundNonce"], let nonce = TokenAmount(decimal: n) else { return nil }
        self.init(balance: balance, totalClaimed: claimed, withdrawRequestedAt: withdraw, refundNonce: nonce.value)
    }
}

/// Why a chain read failed.
struct ReadFailure: Error, CustomStringConvertible {
    var description: String
}

/// Chain reads of the facilitator, batched through Multicall3 `tryAggregate` (one `eth_call`).
struct OnchainReads: Sendable {
    let relayer: Relayer
    let settlement: Address
    let multicall: Address

    /// `channels`, `pendingWithdrawals`, `refundNonce` (+ optional extra calls) of one channel at `block`.
    func channel(_ id: Bytes32, block: BlockTag = .latest, extra: [Multicall3Call] = []) async throws(ReadFailure)
        -> (OnchainChannelState, [Multicall3Result]) {
        do {
            let calls = [
                Multicall3Call(target: settlement, callData: try BatchSettlementCalldata.channels(channelId: id)),
                Multicall3Call(target: settlement, callData: try BatchSettlementCalldata.pendingWithdrawals(channelId: id)),
                Multicall3Call(target: settlement, callData: try BatchSettlementCalldata.refundNonce(channelId: id)),
            ] + extra
            let results = try await aggregate(calls, block: block)
            guard results.prefix(3).allSatisfy(\.success) else {
                throw ReadFailure(description: "multicall returned failure for \(id)")
            }
            let channel = try BatchSettlementCalldata.decodeChannel(results[0].returnData)
            let pending = try BatchSettlementCalldata.decodePendingWithdrawal(results[1].returnData)
            let nonce = try BatchSettlementCalldata.decodeUInt256(results[2].returnData)
            let state = OnchainChannelState(balance: channel.balance, totalClaimed: channel.totalClaimed,
                                            withdrawRequestedAt: pending.initiatedAt, refundNonce: nonce)
            return (state, Array(results.dropFirst(3)))
        } catch let failure as ReadFailure {
            throw failure
        } catch {
            throw ReadFailure(description: "\(error)")
        }
    }

    /// `receivers(receiver, token)`.
    func receiverTotals(receiver: Address, token: Address) async throws(ReadFailure) -> ReceiverTotals {
        do {
            let data = try await relayer.call(to: settlement, data: try BatchSettlementCalldata.receivers(receiver: receiver, token: token))
            return try BatchSettlementCalldata.decodeReceiverTotals(data)
        } catch {
            throw ReadFailure(description: "\(error)")
        }
    }

    /// The code at `account` (empty for an EOA).
    func code(_ account: Address) async throws(ReadFailure) -> [UInt8] {
        do { return try await relayer.rpc.getCode(account) } catch { throw ReadFailure(description: "\(error)") }
    }

    private func aggregate(_ calls: [Multicall3Call], block: BlockTag) async throws -> [Multicall3Result] {
        let data = try await relayer.call(to: multicall, data: try BatchSettlementCalldata.tryAggregate(requireSuccess: false, calls),
                                          block: block)
        let results = try BatchSettlementCalldata.decodeAggregate3(data)
        guard results.count == calls.count else { throw ReadFailure(description: "multicall returned \(results.count) of \(calls.count) results") }
        return results
    }
}
