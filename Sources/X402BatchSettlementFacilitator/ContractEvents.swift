import X402BatchSettlement
import X402EVM
import X402EVMRPC

/// The escrow events a settlement must find in its receipt (fail closed when absent).
enum ContractEvents {
    static let depositedTopic = Keccak256.hash("Deposited(bytes32,address,uint128,uint128)")
    static let settledTopic = Keccak256.hash("Settled(address,address,address,uint128)")
    static let refundedTopic = Keccak256.hash("Refunded(bytes32,address,uint128)")
    static let claimedTopic = Keccak256.hash("Claimed(bytes32,address,uint128,uint128)")

    /// `Deposited(channelId, sender, amount, newBalance)` for `channelId`.
    static func deposited(in receipt: TransactionReceipt, contract: Address, channelId: Bytes32) -> (amount: UInt128, newBalance: UInt128)? {
        for log in receipt.logs where log.address == contract && log.topics.count == 3 && log.topics[0] == depositedTopic
            && log.topics[1] == channelId {
            if let words = uint128Words(log.data, count: 2) { return (words[0], words[1]) }
        }
        return nil
    }

    /// `Settled(receiver, token, sender, amount)` for the pair.
    static func settled(in receipt: TransactionReceipt, contract: Address, receiver: Address, token: Address) -> UInt128? {
        for log in receipt.logs where log.address == contract && log.topics.count == 4 && log.topics[0] == settledTopic
            && log.topics[1] == addressTopic(receiver) && log.topics[2] == addressTopic(token) {
            if let words = uint128Words(log.data, count: 1) { return words[0] }
        }
        return nil
    }

    /// `Refunded(channelId, sender, amount)` for `channelId`.
    static func refunded(in receipt: TransactionReceipt, contract: Address, channelId: Bytes32) -> UInt128? {
        for log in receipt.logs where log.address == contract && log.topics.count == 3 && log.topics[0] == refundedTopic
            && log.topics[1] == channelId {
            if let words = uint128Words(log.data, count: 1) { return words[0] }
        }
        return nil
    }

    /// Channel ids with a `Claimed` event in the receipt.
    static func claimedChannels(in receipt: TransactionReceipt, contract: Address) -> Set<Bytes32> {
        Set(receipt.logs.filter { $0.address == contract && $0.topics.count == 3 && $0.topics[0] == claimedTopic }.map { $0.topics[1] })
    }

    static func addressTopic(_ address: Address) -> Bytes32 {
        try! Bytes32([UInt8](repeating: 0, count: 12) + address.bytes)
    }

    /// `count` ABI words that each fit a uint128.
    static func uint128Words(_ data: [UInt8], count: Int) -> [UInt128]? {
        guard data.count == 32 * count else { return nil }
        var out: [UInt128] = []
        for i in 0..<count {
            let word = data[(32 * i)..<(32 * i + 32)]
            guard word.prefix(16).allSatisfy({ $0 == 0 }) else { return nil }
            out.append(word.suffix(16).reduce(UInt128(0)) { $0 << 8 | UInt128($1) })
        }
        return out
    }
}
