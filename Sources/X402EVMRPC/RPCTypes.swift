import X402EVM

/// Which block a read refers to.
public enum BlockTag: Sendable, Hashable {
    /// `"latest"`: the newest block the node has imported.
    case latest
    /// `"pending"`: the latest block plus the node's pending transactions.
    case pending
    /// `"earliest"`: the oldest block the node serves, normally genesis.
    case earliest
    /// `"safe"`: the newest block the consensus layer considers safe from reorgs.
    case safe
    /// `"finalized"`: the newest finalized block, which cannot be reorged without slashing.
    case finalized
    /// A block number, sent as a hex quantity (`0x1b4`).
    case number(UInt64)

    /// The JSON-RPC parameter: a tag name or a hex quantity.
    public var jsonValue: JSONValue {
        switch self {
        case .latest: return .string("latest")
        case .pending: return .string("pending")
        case .earliest: return .string("earliest")
        case .safe: return .string("safe")
        case .finalized: return .string("finalized")
        case .number(let n): return .string(UInt256(n).hexQuantity)
        }
    }
}

/// A message call for `eth_call` / `eth_estimateGas`. Nil fields are left for the node to choose.
public struct CallRequest: Sendable, Hashable {
    /// Sender (`from`); nil leaves it to the node (usually the zero address).
    public var from: Address?
    /// Callee (`to`); nil simulates a contract creation.
    public var to: Address?
    /// Calldata (`data`, hex): selector and ABI-encoded arguments, or init code when `to` is nil.
    public var data: [UInt8]
    /// Wei sent with the call (`value`, hex quantity); nil means 0.
    public var value: UInt256?
    /// Gas limit (`gas`, hex quantity); nil lets the node choose (its RPC gas cap).
    public var gas: UInt64?
    /// Legacy gas price in wei (`gasPrice`, hex quantity); nil omits it.
    public var gasPrice: UInt256?
    /// EIP-1559 fee cap in wei per gas (`maxFeePerGas`, hex quantity); nil omits it.
    public var maxFeePerGas: UInt256?
    /// EIP-1559 tip cap in wei per gas (`maxPriorityFeePerGas`, hex quantity); nil omits it.
    public var maxPriorityFeePerGas: UInt256?

    /// Creates a call; `to == nil` simulates a contract creation with `data` as init code.
    public init(
        from: Address? = nil, to: Address?, data: [UInt8] = [], value: UInt256? = nil, gas: UInt64? = nil,
        gasPrice: UInt256? = nil, maxFeePerGas: UInt256? = nil, maxPriorityFeePerGas: UInt256? = nil
    ) {
        self.from = from
        self.to = to
        self.data = data
        self.value = value
        self.gas = gas
        self.gasPrice = gasPrice
        self.maxFeePerGas = maxFeePerGas
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
    }

    /// The JSON-RPC transaction-call object, members in a fixed order (`from`, `to`, `gas`, fee fields,
    /// `value`, `data`). Sends the calldata as `data` (what web3.py and ethers send).
    public var jsonValue: JSONValue {
        var o = JSONObject()
        if let from { o["from"] = .string(from.lowercased) }
        if let to { o["to"] = .string(to.lowercased) }
        if let gas { o["gas"] = .string(UInt256(gas).hexQuantity) }
        if let gasPrice { o["gasPrice"] = .string(gasPrice.hexQuantity) }
        if let maxFeePerGas { o["maxFeePerGas"] = .string(maxFeePerGas.hexQuantity) }
        if let maxPriorityFeePerGas { o["maxPriorityFeePerGas"] = .string(maxPriorityFeePerGas.hexQuantity) }
        if let value { o["value"] = .string(value.hexQuantity) }
        o["data"] = .string(Hex.encode(data))
        return .object(o)
    }
}

/// An `eth_getLogs` filter.
public struct LogFilter: Sendable, Hashable {
    /// Either a block range or a single block hash.
    public enum Range: Sendable, Hashable {
        /// `fromBlock` through `toBlock`, both inclusive.
        case blocks(from: BlockTag, to: BlockTag)
        /// Only the block with this hash (`blockHash`, EIP-234).
        case blockHash(Bytes32)
    }

    /// Which blocks to search: sent as `fromBlock`/`toBlock` or as `blockHash`, never both.
    public var range: Range
    /// Emitting contracts; empty means any.
    public var addresses: [Address]
    /// Per topic position: nil is a wildcard, one value must match, several values are alternatives (OR).
    public var topics: [[Bytes32]?]

    /// Creates a filter over a block range (default: latest only).
    public init(fromBlock: BlockTag = .latest, toBlock: BlockTag = .latest, addresses: [Address] = [], topics: [[Bytes32]?] = []) {
        self.range = .blocks(from: fromBlock, to: toBlock)
        self.addresses = addresses
        self.topics = topics
    }

    /// Creates a filter over one block.
    public init(blockHash: Bytes32, addresses: [Address] = [], topics: [[Bytes32]?] = []) {
        self.range = .blockHash(blockHash)
        self.addresses = addresses
        self.topics = topics
    }

    /// The JSON-RPC filter object, members in a fixed order (range, `address`, `topics`).
    public var jsonValue: JSONValue {
        var o = JSONObject()
        switch range {
        case .blocks(let from, let to):
            o["fromBlock"] = from.jsonValue
            o["toBlock"] = to.jsonValue
        case .blockHash(let hash):
            o["blockHash"] = .string(hash.hex)
        }
        switch addresses.count {
        case 0: break
        case 1: o["address"] = .string(addresses[0].lowercased)
        default: o["address"] = .array(addresses.map { .string($0.lowercased) })
        }
        if !topics.isEmpty {
            o["topics"] = .array(topics.map { position in
                guard let position, !position.isEmpty else { return .null }
                if position.count == 1 { return .string(position[0].hex) }
                return .array(position.map { .string($0.hex) })
            })
        }
        return .object(o)
    }
}

/// An event log.
public struct Log: Sendable, Hashable {
    /// The contract that emitted the log.
    public let address: Address
    /// Indexed topics; the first is the event signature hash unless the event is anonymous.
    public let topics: [Bytes32]
    /// The ABI-encoded non-indexed event arguments.
    public let data: [UInt8]
    /// Nil for pending logs.
    public let blockNumber: UInt64?
    /// Hash of the containing block; nil for pending logs.
    public let blockHash: Bytes32?
    /// Hash of the emitting transaction; nil for pending logs.
    public let transactionHash: Bytes32?
    /// Position of the emitting transaction in its block; nil for pending logs.
    public let transactionIndex: UInt64?
    /// Position of the log among all logs of its block; nil for pending logs.
    public let logIndex: UInt64?
    /// True when a reorg removed the log.
    public let removed: Bool

    init(json: JSONValue) throws(RPCError) {
        address = try json.address(at: "address")
        topics = try json.requiredMember("topics").array("topics").map { (t) throws(RPCError) in try t.bytes32("topics") }
        data = try json.data(at: "data")
        blockNumber = try json.optionalQuantity64(at: "blockNumber")
        blockHash = try json.optionalBytes32(at: "blockHash")
        transactionHash = try json.optionalBytes32(at: "transactionHash")
        transactionIndex = try json.optionalQuantity64(at: "transactionIndex")
        logIndex = try json.optionalQuantity64(at: "logIndex")
        removed = try json.optionalMember("removed")?.bool("removed") ?? false
    }
}

/// A mined transaction's receipt.
public struct TransactionReceipt: Sendable, Hashable {
    /// Hash of the transaction this receipt is for.
    public let transactionHash: Bytes32
    /// Position of the transaction in its block.
    public let transactionIndex: UInt64
    /// Hash of the block that includes the transaction.
    public let blockHash: Bytes32
    /// Number of the block that includes the transaction.
    public let blockNumber: UInt64
    /// The sending account, which signed the transaction and paid its gas.
    public let from: Address
    /// Nil for contract creations.
    public let to: Address?
    /// True when `status` is 1; false when the transaction reverted.
    public let succeeded: Bool
    /// Gas this transaction consumed.
    public let gasUsed: UInt64
    /// Gas consumed in the block by this and all earlier transactions.
    public let cumulativeGasUsed: UInt64
    /// Nil when the node does not report it (pre-London nodes).
    public let effectiveGasPrice: UInt256?
    /// The created contract, for contract creations.
    public let contractAddress: Address?
    /// Events the transaction emitted, in order; empty when it reverted.
    public let logs: [Log]
    /// EIP-2718 type (0 legacy, 2 EIP-1559), when reported.
    public let type: UInt64?

    init(json: JSONValue) throws(RPCError) {
        transactionHash = try json.bytes32(at: "transactionHash")
        transactionIndex = try json.quantity64(at: "transactionIndex")
        blockHash = try json.bytes32(at: "blockHash")
        blockNumber = try json.quantity64(at: "blockNumber")
        from = try json.address(at: "from")
        to = try json.optionalAddress(at: "to")
        switch try json.quantity64(at: "status") {
        case 0: succeeded = false
        case 1: succeeded = true
        case let other: throw .invalidResult(field: "status", reason: "expected 0x0 or 0x1, got \(other)")
        }
        gasUsed = try json.quantity64(at: "gasUsed")
        cumulativeGasUsed = try json.quantity64(at: "cumulativeGasUsed")
        effectiveGasPrice = try json.optionalQuantity(at: "effectiveGasPrice")
        contractAddress = try json.optionalAddress(at: "contractAddress")
        logs = try json.requiredMember("logs").array("logs").map { (l) throws(RPCError) in try Log(json: l) }
        type = try json.optionalQuantity64(at: "type")
    }
}

/// A transaction as `eth_getTransactionByHash` reports it.
public struct TransactionInfo: Sendable, Hashable {
    /// Keccak-256 of the signed transaction's encoding, the id `eth_getTransactionByHash` takes.
    public let hash: Bytes32
    /// EIP-2718 type (0 legacy, 1 EIP-2930, 2 EIP-1559, …); nil when the node omits it.
    public let type: UInt64?
    /// EIP-155 chain id; nil for pre-EIP-155 legacy transactions.
    public let chainId: UInt64?
    /// The sender's account nonce this transaction used.
    public let nonce: UInt64
    /// The sender, recovered from the signature.
    public let from: Address
    /// Nil for contract creations.
    public let to: Address?
    /// Wei transferred.
    public let value: UInt256
    /// Calldata (`input`, or `data` on nodes that use that name).
    public let input: [UInt8]
    /// Gas limit set by the sender.
    public let gas: UInt64
    /// Gas price in wei: the bid of a legacy transaction; for EIP-1559 ones nodes report the effective price
    /// once mined. Nil when omitted.
    public let gasPrice: UInt256?
    /// EIP-1559 fee cap in wei per gas; nil for legacy transactions.
    public let maxFeePerGas: UInt256?
    /// EIP-1559 tip cap in wei per gas; nil for legacy transactions.
    public let maxPriorityFeePerGas: UInt256?
    /// Nil while pending.
    public let blockNumber: UInt64?
    /// Hash of the including block; nil while pending.
    public let blockHash: Bytes32?
    /// Position in the including block; nil while pending.
    public let transactionIndex: UInt64?

    init(json: JSONValue) throws(RPCError) {
        hash = try json.bytes32(at: "hash")
        type = try json.optionalQuantity64(at: "type")
        chainId = try json.optionalQuantity64(at: "chainId")
        nonce = try json.quantity64(at: "nonce")
        from = try json.address(at: "from")
        to = try json.optionalAddress(at: "to")
        value = try json.quantity(at: "value")
        // Some nodes call it `data`; the spec says `input`.
        if let input = try json.optionalMember("input") {
            self.input = try input.data("input")
        } else {
            self.input = try json.data(at: "data")
        }
        gas = try json.quantity64(at: "gas")
        gasPrice = try json.optionalQuantity(at: "gasPrice")
        maxFeePerGas = try json.optionalQuantity(at: "maxFeePerGas")
        maxPriorityFeePerGas = try json.optionalQuantity(at: "maxPriorityFeePerGas")
        blockNumber = try json.optionalQuantity64(at: "blockNumber")
        blockHash = try json.optionalBytes32(at: "blockHash")
        transactionIndex = try json.optionalQuantity64(at: "transactionIndex")
    }
}

/// A block header (with transaction hashes, not bodies).
public struct Block: Sendable, Hashable {
    /// Block number (height).
    public let number: UInt64
    /// Hash of this block's header.
    public let hash: Bytes32
    /// Hash of the previous block.
    public let parentHash: Bytes32
    /// Seconds since the Unix epoch.
    public let timestamp: UInt64
    /// Nil before London.
    public let baseFeePerGas: UInt256?
    /// Most gas the block's transactions may consume together.
    public let gasLimit: UInt64
    /// Gas consumed by all of the block's transactions.
    public let gasUsed: UInt64
    /// The block's transactions in order (`transactions`; full bodies are reduced to their `hash`).
    public let transactionHashes: [Bytes32]

    init(json: JSONValue) throws(RPCError) {
        number = try json.quantity64(at: "number")
        hash = try json.bytes32(at: "hash")
        parentHash = try json.bytes32(at: "parentHash")
        timestamp = try json.quantity64(at: "timestamp")
        baseFeePerGas = try json.optionalQuantity(at: "baseFeePerGas")
        gasLimit = try json.quantity64(at: "gasLimit")
        gasUsed = try json.quantity64(at: "gasUsed")
        let txs = try json.optionalMember("transactions")?.array("transactions") ?? []
        transactionHashes = try txs.map { (t) throws(RPCError) in
            // Hashes when requested without full bodies; tolerate bodies by reading their `hash`.
            if case .object = t { return try t.bytes32(at: "hash") }
            return try t.bytes32("transactions")
        }
    }
}

/// `eth_feeHistory` result.
public struct FeeHistory: Sendable, Hashable {
    /// Number of the first block of the returned range.
    public let oldestBlock: UInt64
    /// One entry per block in the range plus the next block's base fee.
    public let baseFeePerGas: [UInt256]
    /// Per block, `gasUsed / gasLimit`, from 0 to 1.
    public let gasUsedRatio: [Double]
    /// Per block, the priority fee at each requested percentile (empty when none were requested).
    public let reward: [[UInt256]]

    init(json: JSONValue) throws(RPCError) {
        oldestBlock = try json.quantity64(at: "oldestBlock")
        baseFeePerGas = try json.requiredMember("baseFeePerGas").array("baseFeePerGas")
            .map { (v) throws(RPCError) in try v.quantity("baseFeePerGas") }
        gasUsedRatio = try json.requiredMember("gasUsedRatio").array("gasUsedRatio").map { (v) throws(RPCError) in
            guard case .number(let n) = v, let ratio = Double(n.text), ratio.isFinite else {
                throw .invalidResult(field: "gasUsedRatio", reason: "expected a number")
            }
            return ratio
        }
        reward = try (json.optionalMember("reward")?.array("reward") ?? []).map { (row) throws(RPCError) in
            try row.array("reward").map { (v) throws(RPCError) in try v.quantity("reward") }
        }
    }
}
