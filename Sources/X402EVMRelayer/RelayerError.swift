import X402EVM
import X402EVMRPC

/// Why the relayer could not get a transaction mined.
///
/// ``simulationFailed`` and ``rejected`` mean nothing was sent (or the node refused it): the operation may
/// be retried. ``rpc`` before a broadcast means the same; after one the relayer never throws, it answers
/// ``RelayOutcome/pending(_:)``.
public enum RelayerError: Error, Sendable, CustomStringConvertible {
    /// `eth_call` / `eth_estimateGas` reverted; the revert bytes (possibly empty) say why.
    case simulationFailed(revertData: [UInt8], message: String)
    /// The node refused the signed transaction (its nonce was given back).
    case rejected(message: String)
    /// A read the relayer needed (nonce, fees, gas estimate) failed.
    case rpc(RPCError)
    /// The journal could not record the transaction; nothing was sent.
    case journal(String)
    /// The relayer has no keys.
    case noKeys

    public var description: String {
        switch self {
        case .simulationFailed(let data, let message):
            let name = RevertReason.describe(data)
            return "simulation reverted: \(name.isEmpty ? message : name)"
        case .rejected(let message): return "node rejected the transaction: \(message)"
        case .rpc(let error): return "RPC failure: \(error)"
        case .journal(let message): return "journal failure: \(message)"
        case .noKeys: return "no relayer keys configured"
        }
    }

    /// The revert bytes when the simulation reverted.
    public var revertData: [UInt8]? {
        if case .simulationFailed(let data, _) = self { return data }
        return nil
    }
}
