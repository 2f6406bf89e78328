/// A signed transaction: what `eth_sendRawTransaction` takes.
///
/// The signature is kept as `v = 27 + yParity`; the wire `v` (EIP-155 `chainId·2 + 35 + yParity`, or the
/// type-2 `yParity`) is derived when encoding.
public struct SignedTransaction: Hashable, Sendable {
    /// The unsigned transaction; `signature` covers its `signingHash`.
    public let transaction: Transaction
    /// The sender's signature over `transaction.signingHash`, `v` 27/28 (the wire `v` is derived when encoding).
    public let signature: Signature

    /// Pairs a transaction with a signature over its `signingHash` (`v` must be 27 or 28).
    public init(transaction: Transaction, signature: Signature) throws(TransactionError) {
        guard signature.recoveryId != nil else { throw .signature(.invalidRecoveryId(signature.v)) }
        self.init(uncheckedTransaction: transaction, signature: signature)
    }

    init(uncheckedTransaction transaction: Transaction, signature: Signature) {
        self.transaction = transaction
        self.signature = signature
    }

    var yParity: UInt8 { signature.v &- 27 }

    /// The encoded transaction (`rlp([...])` for legacy, `0x02 ‖ rlp([...])` for type 2).
    public var raw: [UInt8] {
        let r = RLPItem.uint(UInt256(word: signature.r))
        let s = RLPItem.uint(UInt256(word: signature.s))
        switch transaction {
        case .legacy(let tx):
            let v: UInt256
            if let chainId = tx.chainId {
                // Computed in 256 bits: 2·chainId + 36 can exceed 64 bits.
                v = UInt256(chainId) + UInt256(chainId) + UInt256(UInt64(35 + yParity))
            } else {
                v = UInt256(UInt64(signature.v))
            }
            return RLPItem.list(tx.payloadFields + [.uint(v), r, s]).encoded
        case .eip1559(let tx):
            return [EIP1559Transaction.type]
                + RLPItem.list(tx.payloadFields + [.uint(UInt64(yParity)), r, s]).encoded
        }
    }

    /// `0x`-prefixed hex of `raw`.
    public var rawHex: String { Hex.encode(raw) }

    /// The transaction hash: keccak256 of `raw`.
    public var hash: Bytes32 { Keccak256.hash(raw) }

    /// The sender, recovered from the signature (high-s rejected, as by EIP-2).
    public func recoverSender() throws(TransactionError) -> Address {
        do {
            return try signature.recoverAddress(digest: transaction.signingHash)
        } catch {
            throw .signature(error)
        }
    }

    /// Decodes `0x`-prefixed hex of a raw signed transaction.
    public init(rawHex: String) throws(TransactionError) {
        let bytes: [UInt8]
        do { bytes = try Hex.decode(rawHex) } catch { throw .invalidHex(error) }
        try self.init(raw: bytes)
    }

    /// Decodes a raw signed legacy or type-2 transaction. Only canonical encodings are accepted, so
    /// `SignedTransaction(raw: x).raw == x`.
    public init(raw: [UInt8]) throws(TransactionError) {
        guard let first = raw.first else { throw .empty }
        do {
            if first >= 0xc0 {
                try self.init(legacy: RLP.decode(raw).list(count: 9))
            } else if first == EIP1559Transaction.type {
                try self.init(eip1559: RLP.decode(Array(raw.dropFirst())).list(count: 12))
            } else {
                throw TransactionError.unsupportedType(first)
            }
        } catch let error as RLPError {
            throw .rlp(error)
        } catch let error as TransactionError {
            throw error
        } catch {
            throw .empty  // Unreachable: only the two error types above are thrown.
        }
    }

    private init(legacy f: [RLPItem]) throws {
        let v = try f[6].uint256()
        let chainId: UInt64?
        let yParity: UInt8
        if v == UInt256(27) || v == UInt256(28) {
            chainId = nil
            yParity = UInt8(v.low - 27)
        } else if v >= UInt256(35) {
            let (quotient, remainder) = (v - UInt256(35)).quotientAndRemainder(dividingBy: UInt64(2))
            guard let id = quotient.uint128, id <= UInt128(UInt64.max) else { throw TransactionError.invalidV }
            chainId = UInt64(id)
            yParity = UInt8(remainder)
        } else {
            throw TransactionError.invalidV
        }
        let tx = LegacyTransaction(
            chainId: chainId, nonce: try f[0].uint64(), gasPrice: try f[1].uint256(), gasLimit: try f[2].uint64(),
            to: try f[3].optionalAddress(), value: try f[4].uint256(), data: try f[5].bytes())
        let signature = Signature(r: try f[7].uint256().word, s: try f[8].uint256().word, v: 27 + yParity)
        self.init(uncheckedTransaction: .legacy(tx), signature: signature)
    }

    private init(eip1559 f: [RLPItem]) throws {
        let yParity = try f[9].uint64()
        guard yParity <= 1 else { throw TransactionError.invalidV }
        var accessList: [AccessListEntry] = []
        for entry in try f[8].list() { accessList.append(try AccessListEntry(rlp: entry)) }
        let tx = EIP1559Transaction(
            chainId: try f[0].uint64(), nonce: try f[1].uint64(), maxPriorityFeePerGas: try f[2].uint256(),
            maxFeePerGas: try f[3].uint256(), gasLimit: try f[4].uint64(), to: try f[5].optionalAddress(),
            value: try f[6].uint256(), data: try f[7].bytes(), accessList: accessList)
        let signature = Signature(r: try f[10].uint256().word, s: try f[11].uint256().word, v: 27 + UInt8(yParity))
        self.init(uncheckedTransaction: .eip1559(tx), signature: signature)
    }
}
