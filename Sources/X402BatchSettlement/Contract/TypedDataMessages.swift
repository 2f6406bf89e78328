import X402EVM

// Channel id, Voucher, Refund and ClaimBatch hashing (protocol.md B.3–B.4).

extension ChannelConfig {
    /// `hashStruct(ChannelConfig)`. `withdrawDelay` is encoded as given; the contract's `uint40` bound is
    /// enforced by decoding and by ``BatchSettlement/minWithdrawDelay``…``BatchSettlement/maxWithdrawDelay`` checks.
    public var structHash: Bytes32 {
        TypedDataWords.hash(count: 8) { p in
            BatchSettlement.TypeHash.channelConfig.write(to: p)
            payer.word.write(to: p + 32)
            payerAuthorizer.word.write(to: p + 64)
            receiver.word.write(to: p + 96)
            receiverAuthorizer.word.write(to: p + 128)
            token.word.write(to: p + 160)
            Bytes32(0, 0, 0, withdrawDelay).write(to: p + 192)
            salt.write(to: p + 224)
        }
    }

    /// The channel id on `chainId`: the EIP-712 digest of this configuration under the settlement domain
    /// (equal to the contract's `getChannelId`).
    public func channelId(chainId: UInt64) -> Bytes32 {
        channelId(in: BatchSettlementDomain(chainId: chainId))
    }

    /// The channel id under a prepared domain.
    public func channelId(in domain: BatchSettlementDomain) -> Bytes32 {
        domain.digest(structHash: structHash)
    }

    /// The configuration as general typed data (what a wallet would be shown).
    public func typedData(chainId: UInt64) -> EIP712TypedData {
        BatchSettlement.typedData(chainId: chainId, primaryType: "ChannelConfig", message: [
            "payer": .address(payer), "payerAuthorizer": .address(payerAuthorizer), "receiver": .address(receiver),
            "receiverAuthorizer": .address(receiverAuthorizer), "token": .address(token),
            "withdrawDelay": .uint(UInt256(withdrawDelay)), "salt": .bytes32(salt),
        ])
    }
}

/// A payer's cumulative spending authorization on a channel: the seller may claim up to `maxClaimableAmount`.
public struct Voucher: Hashable, Sendable {
    /// The channel (``ChannelConfig/channelId(chainId:)``).
    public var channelId: Bytes32
    /// Cumulative cap, in the token's atomic units (`uint128`).
    public var maxClaimableAmount: UInt128

    /// Creates a voucher.
    public init(channelId: Bytes32, maxClaimableAmount: UInt128) {
        self.channelId = channelId
        self.maxClaimableAmount = maxClaimableAmount
    }

    /// `hashStruct(Voucher)`.
    public var structHash: Bytes32 {
        TypedDataWords.hash(BatchSettlement.TypeHash.voucher, channelId, TypedDataWords.word(maxClaimableAmount))
    }

    /// The digest the payer (or its authorizer) signs on `chainId`.
    public func digest(chainId: UInt64) -> Bytes32 { digest(in: BatchSettlementDomain(chainId: chainId)) }

    /// The digest under a prepared domain (the seller's hot path).
    public func digest(in domain: BatchSettlementDomain) -> Bytes32 { domain.digest(structHash: structHash) }

    /// The voucher as general typed data.
    public func typedData(chainId: UInt64) -> EIP712TypedData {
        BatchSettlement.typedData(chainId: chainId, primaryType: "Voucher", message: [
            "channelId": .bytes32(channelId), "maxClaimableAmount": .uint(maxClaimableAmount),
        ])
    }
}

/// The receiver authorizer's consent to refund `amount` of a channel's unclaimed balance to the payer.
///
/// Hashed in the order channelId, nonce, amount (the contract function takes amount before nonce).
public struct Refund: Hashable, Sendable {
    /// The channel.
    public var channelId: Bytes32
    /// The channel's current `refundNonce`.
    public var nonce: UInt256
    /// Amount to refund (`uint128`).
    public var amount: UInt128

    /// Creates a refund authorization.
    public init(channelId: Bytes32, nonce: UInt256, amount: UInt128) {
        self.channelId = channelId
        self.nonce = nonce
        self.amount = amount
    }

    /// `hashStruct(Refund)`.
    public var structHash: Bytes32 {
        TypedDataWords.hash(BatchSettlement.TypeHash.refund, channelId, nonce.word, TypedDataWords.word(amount))
    }

    /// The digest the receiver authorizer signs on `chainId`.
    public func digest(chainId: UInt64) -> Bytes32 { digest(in: BatchSettlementDomain(chainId: chainId)) }

    /// The digest under a prepared domain.
    public func digest(in domain: BatchSettlementDomain) -> Bytes32 { domain.digest(structHash: structHash) }

    /// The refund as general typed data.
    public func typedData(chainId: UInt64) -> EIP712TypedData {
        BatchSettlement.typedData(chainId: chainId, primaryType: "Refund", message: [
            "channelId": .bytes32(channelId), "nonce": .uint(nonce), "amount": .uint(amount),
        ])
    }
}

/// One row of a claim batch: the voucher cap and the new cumulative total claimed on that channel.
public struct ClaimEntry: Hashable, Sendable {
    /// The channel (recomputed from the row's configuration by the contract).
    public var channelId: Bytes32
    /// The voucher's cumulative cap.
    public var maxClaimableAmount: UInt128
    /// The new cumulative claimed total.
    public var totalClaimed: UInt128

    /// Creates a claim row.
    public init(channelId: Bytes32, maxClaimableAmount: UInt128, totalClaimed: UInt128) {
        self.channelId = channelId
        self.maxClaimableAmount = maxClaimableAmount
        self.totalClaimed = totalClaimed
    }

    /// `hashStruct(ClaimEntry)`.
    public var structHash: Bytes32 {
        TypedDataWords.hash(BatchSettlement.TypeHash.claimEntry, channelId,
                            TypedDataWords.word(maxClaimableAmount), TypedDataWords.word(totalClaimed))
    }

    var typedDataValue: EIP712Value {
        ["channelId": .bytes32(channelId), "maxClaimableAmount": .uint(maxClaimableAmount), "totalClaimed": .uint(totalClaimed)]
    }
}

/// The receiver authorizer's signature over a list of claim rows (`claimWithSignature`).
public struct ClaimBatch: Hashable, Sendable {
    /// The rows, in calldata order.
    public var entries: [ClaimEntry]

    /// Creates a batch.
    public init(entries: [ClaimEntry]) { self.entries = entries }

    /// `keccak256(hashStruct(entry₀) ‖ hashStruct(entry₁) ‖ …)`; `keccak256("")` for no entries.
    public var entriesRoot: Bytes32 {
        TypedDataWords.hash(count: entries.count) { p in
            for (i, entry) in entries.enumerated() { entry.structHash.write(to: p + 32 * i) }
        }
    }

    /// `hashStruct(ClaimBatch)`.
    public var structHash: Bytes32 { TypedDataWords.hash(BatchSettlement.TypeHash.claimBatch, entriesRoot) }

    /// The digest the receiver authorizer signs on `chainId`.
    public func digest(chainId: UInt64) -> Bytes32 { digest(in: BatchSettlementDomain(chainId: chainId)) }

    /// The digest under a prepared domain.
    public func digest(in domain: BatchSettlementDomain) -> Bytes32 { domain.digest(structHash: structHash) }

    /// The batch as general typed data.
    public func typedData(chainId: UInt64) -> EIP712TypedData {
        BatchSettlement.typedData(chainId: chainId, primaryType: "ClaimBatch",
                                  message: ["claims": .array(entries.map(\.typedDataValue))])
    }
}

// MARK: General typed-data forms

extension BatchSettlement {
    /// Member lists of the settlement contract's structs, as `eth_signTypedData_v4` declares them.
    static let settlementTypes: [String: [EIP712Field]] = [
        "ChannelConfig": [
            .init(name: "payer", type: "address"), .init(name: "payerAuthorizer", type: "address"),
            .init(name: "receiver", type: "address"), .init(name: "receiverAuthorizer", type: "address"),
            .init(name: "token", type: "address"), .init(name: "withdrawDelay", type: "uint40"),
            .init(name: "salt", type: "bytes32"),
        ],
        "Voucher": [.init(name: "channelId", type: "bytes32"), .init(name: "maxClaimableAmount", type: "uint128")],
        "Refund": [.init(name: "channelId", type: "bytes32"), .init(name: "nonce", type: "uint256"),
                   .init(name: "amount", type: "uint128")],
        "ClaimEntry": [.init(name: "channelId", type: "bytes32"), .init(name: "maxClaimableAmount", type: "uint128"),
                       .init(name: "totalClaimed", type: "uint128")],
        "ClaimBatch": [.init(name: "claims", type: "ClaimEntry[]")],
    ]

    /// Only the types `primaryType` needs, so the document has a single root as wallets expect.
    static func typedData(chainId: UInt64, primaryType: String, message: EIP712Value) -> EIP712TypedData {
        var types = [primaryType: settlementTypes[primaryType]!]
        if primaryType == "ClaimBatch" { types["ClaimEntry"] = settlementTypes["ClaimEntry"]! }
        // Constant, valid declarations: construction cannot fail.
        return try! EIP712TypedData(types: types, primaryType: primaryType,
                                    domain: BatchSettlementDomain(chainId: chainId).eip712Domain, message: message)
    }
}
