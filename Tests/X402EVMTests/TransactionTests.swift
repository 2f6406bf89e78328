import Foundation
import Testing
@testable import X402EVM

/// One entry of Vectors/transactions.json (written by Vectors/generators/transactions.py with eth_account).
struct TransactionVector: Decodable, Sendable, CustomTestStringConvertible {
    struct Entry: Decodable, Sendable {
        let address: String
        let storageKeys: [String]
    }

    let kind: String
    let key: String
    let sender: String
    let chainId: UInt64?
    let nonce: String
    let gas: String
    let to: String?
    let value: String
    let data: String
    let signingHash: String
    let v: String
    let r: String
    let s: String
    let raw: String
    let hash: String
    let gasPrice: String?
    let maxPriorityFeePerGas: String?
    let maxFeePerGas: String?
    let accessList: [Entry]?

    var testDescription: String { "\(kind) \(hash.prefix(10))" }

    static let all: [TransactionVector] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Vectors/transactions.json")
        struct File: Decodable { let transactions: [TransactionVector] }
        do {
            return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).transactions
        } catch {
            Issue.record("cannot load \(url.path): \(error)")
            return []
        }
    }()

    func transaction() throws -> Transaction {
        let to = try to.map { try Address(hex: $0) }
        let nonce = try #require(UInt64(nonce))
        let gas = try #require(UInt64(gas))
        let value = try UInt256(decimal: value)
        let data = try Hex.decode(data)
        switch kind {
        case "eip1559":
            let accessList = try (accessList ?? []).map {
                AccessListEntry(address: try Address(hex: $0.address), storageKeys: try $0.storageKeys.map { try Bytes32(hex: $0) })
            }
            return .eip1559(EIP1559Transaction(
                chainId: try #require(chainId), nonce: nonce,
                maxPriorityFeePerGas: try UInt256(decimal: try #require(maxPriorityFeePerGas)),
                maxFeePerGas: try UInt256(decimal: try #require(maxFeePerGas)), gasLimit: gas, to: to, value: value,
                data: data, accessList: accessList))
        default:
            return .legacy(LegacyTransaction(
                chainId: chainId, nonce: nonce, gasPrice: try UInt256(decimal: try #require(gasPrice)), gasLimit: gas,
                to: to, value: value, data: data))
        }
    }
}

@Suite struct TransactionTests {
    @Test func vectorsCoverEveryKind() {
        let kinds = Set(TransactionVector.all.map(\.kind))
        #expect(kinds == ["legacy", "eip155", "eip1559"])
        #expect(TransactionVector.all.count >= 50)
        #expect(TransactionVector.all.contains { $0.to == nil })
        #expect(TransactionVector.all.contains { !($0.accessList ?? []).isEmpty })
    }

    /// Signing hash, signature, raw bytes and hash agree byte for byte with eth_account.
    @Test(arguments: TransactionVector.all)
    func signsLikeEthAccount(vector: TransactionVector) throws {
        let tx = try vector.transaction()
        let key = try PrivateKey(hex: vector.key)
        #expect(key.address.checksummed == vector.sender)
        #expect(tx.signingHash.hex == vector.signingHash)
        let signed = tx.signed(with: key)
        #expect(signed.rawHex == vector.raw)
        #expect(signed.hash.hex == vector.hash)
        #expect(signed.signature.r.hex == vector.r)
        #expect(signed.signature.s.hex == vector.s)
        switch tx {
        case .legacy(let legacy): #expect(legacy.signed(with: key) == signed)
        case .eip1559(let eip1559): #expect(eip1559.signed(with: key) == signed)
        }
    }

    /// Decoding the raw bytes gives back the same fields, the same bytes and the sender.
    @Test(arguments: TransactionVector.all)
    func decodesRaw(vector: TransactionVector) throws {
        let decoded = try SignedTransaction(rawHex: vector.raw)
        #expect(decoded.transaction == (try vector.transaction()))
        #expect(decoded.rawHex == vector.raw)
        #expect(decoded.hash.hex == vector.hash)
        #expect(try decoded.recoverSender().checksummed == vector.sender)
        #expect(decoded.transaction.chainId == vector.chainId)
    }

    @Test func signsThroughSigner() async throws {
        let vector = try #require(TransactionVector.all.first { $0.kind == "eip1559" })
        let tx = try vector.transaction()
        let signer = PrivateKeySigner(try PrivateKey(hex: vector.key))
        #expect(try await tx.signed(by: signer).rawHex == vector.raw)
        guard case .eip1559(let eip1559) = tx else { return }
        #expect(try await eip1559.signed(by: signer).rawHex == vector.raw)
    }

    @Test func rejectsSignerThatSignsForAnotherAddress() async throws {
        struct LyingSigner: Signer {
            let address: Address
            let key: PrivateKey
            func sign(digest: Bytes32) async throws -> Signature { key.sign(digest: digest) }
        }
        let claimed = try Address(hex: PartC.payer)
        let actual = try PrivateKey(hex: PartC.receiverKey)
        let tx = LegacyTransaction(chainId: 84532, nonce: 0, gasPrice: 1, gasLimit: 21000, to: claimed)
        await #expect(throws: TransactionError.signerMismatch(expected: claimed, actual: actual.address)) {
            try await tx.signed(by: LyingSigner(address: claimed, key: actual))
        }
    }

    @Test func contractCreationEncodesEmptyTo() throws {
        let key = try PrivateKey(hex: PartC.payerKey)
        let tx = EIP1559Transaction(chainId: 1, nonce: 0, maxPriorityFeePerGas: 1, maxFeePerGas: 2, gasLimit: 100_000,
                                    to: nil, data: [0x60, 0x00])
        let decoded = try SignedTransaction(raw: tx.signed(with: key).raw)
        #expect(decoded.transaction == .eip1559(tx))
        #expect(try decoded.recoverSender() == key.address)
    }

    @Test func hugeChainIdDoesNotOverflowV() throws {
        let key = try PrivateKey(hex: PartC.payerKey)
        let tx = LegacyTransaction(chainId: .max, nonce: 1, gasPrice: 1, gasLimit: 21000, to: nil)
        let decoded = try SignedTransaction(raw: tx.signed(with: key).raw)
        #expect(decoded.transaction.chainId == .max)
        #expect(try decoded.recoverSender() == key.address)
    }

    // MARK: Malformed input

    static let legacySample = TransactionVector.all.first { $0.kind == "eip155" }!
    static let typedSample = TransactionVector.all.first { $0.kind == "eip1559" }!

    static func fields(_ raw: String) throws -> [RLPItem] {
        var bytes = try Hex.decode(raw)
        if bytes.first == 0x02 { bytes.removeFirst() }
        return try RLP.decode(bytes).list()
    }

    @Test func rejectsEmptyAndUnknownTypes() {
        #expect(throws: TransactionError.empty) { try SignedTransaction(raw: []) }
        #expect(throws: TransactionError.unsupportedType(0x01)) { try SignedTransaction(raw: [0x01, 0xc0]) }
        #expect(throws: TransactionError.unsupportedType(0x03)) { try SignedTransaction(raw: [0x03, 0xc0]) }
        #expect(throws: TransactionError.unsupportedType(0x7f)) { try SignedTransaction(raw: [0x7f]) }
        #expect(throws: TransactionError.invalidHex(.missingHexPrefix)) { try SignedTransaction(rawHex: "f8") }
    }

    @Test func rejectsTruncatedAndTrailingBytes() throws {
        for sample in [Self.legacySample, Self.typedSample] {
            let raw = try Hex.decode(sample.raw)
            #expect(throws: TransactionError.rlp(.truncated)) { try SignedTransaction(raw: Array(raw.dropLast())) }
            #expect(throws: TransactionError.rlp(.trailingBytes(1))) { try SignedTransaction(raw: raw + [0x00]) }
        }
        #expect(throws: TransactionError.rlp(.empty)) { try SignedTransaction(raw: [0x02]) }
    }

    @Test func rejectsWrongShape() throws {
        var legacy = try Self.fields(Self.legacySample.raw)
        legacy.removeLast()
        #expect(throws: TransactionError.rlp(.unexpectedItemCount(expected: 9, actual: 8))) {
            try SignedTransaction(raw: RLPItem.list(legacy).encoded)
        }
        var typed = try Self.fields(Self.typedSample.raw)
        typed[5] = .bytes([1, 2, 3])
        #expect(throws: TransactionError.rlp(.invalidLength(expected: 20, actual: 3))) {
            try SignedTransaction(raw: [0x02] + RLPItem.list(typed).encoded)
        }
        typed = try Self.fields(Self.typedSample.raw)
        typed[1] = .bytes([0x00, 0x01])
        #expect(throws: TransactionError.rlp(.nonCanonicalInteger)) {
            try SignedTransaction(raw: [0x02] + RLPItem.list(typed).encoded)
        }
        typed = try Self.fields(Self.typedSample.raw)
        typed[8] = .list([.list([.bytes([UInt8](repeating: 1, count: 20)), .list([.bytes([1])])])])
        #expect(throws: TransactionError.rlp(.invalidLength(expected: 32, actual: 1))) {
            try SignedTransaction(raw: [0x02] + RLPItem.list(typed).encoded)
        }
    }

    @Test(arguments: [UInt64(0), 1, 26, 29, 34])
    func rejectsInvalidLegacyV(v: UInt64) throws {
        var fields = try Self.fields(Self.legacySample.raw)
        fields[6] = .uint(v)
        #expect(throws: TransactionError.invalidV) { try SignedTransaction(raw: RLPItem.list(fields).encoded) }
    }

    @Test func rejectsInvalidYParity() throws {
        var fields = try Self.fields(Self.typedSample.raw)
        fields[9] = .uint(UInt64(2))
        #expect(throws: TransactionError.invalidV) { try SignedTransaction(raw: [0x02] + RLPItem.list(fields).encoded) }
    }

    @Test func highSDecodesButHasNoSender() throws {
        let decoded = try SignedTransaction(rawHex: Self.typedSample.raw)
        let sig = decoded.signature
        let flipped = Signature(r: sig.r, s: UInt256Helper.subtract(Secp256k1Order.n, sig.s), v: sig.v == 27 ? 28 : 27)
        let malleable = try SignedTransaction(transaction: decoded.transaction, signature: flipped)
        let reparsed = try SignedTransaction(raw: malleable.raw)
        #expect(throws: TransactionError.signature(.highS)) { try reparsed.recoverSender() }
        #expect(throws: TransactionError.signature(.invalidRecoveryId(0))) {
            try SignedTransaction(transaction: decoded.transaction, signature: Signature(r: sig.r, s: sig.s, v: 0))
        }
    }
}
