import X402EVM
import X402JSON

/// The file journal's line format: one JSON object per record, bytes and hashes as `0x` hex, integers as
/// JSON integers (exact: X402JSON keeps number text), `"t"` naming the kind.
///
/// The first line of every log is ``header``; a later format gets a new version.
enum JournalRecordCoding {
    /// The log's first line.
    static let header: JSONValue = ["t": "journal", "version": 1]

    /// Limits for one line: a raw transaction can reach the node's 128 KiB limit, twice that in hex, and a
    /// compacted sender can carry many released nonces.
    static let limits = JSONLimits(maxBytes: 16 << 20, maxDepth: 64, maxObjectKeys: 4096, maxArrayElements: 1 << 22)

    /// `value` as one log line, newline included.
    static func line(_ value: JSONValue) -> [UInt8] {
        var bytes = JSONSerializer.serialize(value)
        bytes.append(0x0A)
        return bytes
    }

    /// `record` as JSON.
    static func encode(_ record: JournalRecord) -> JSONValue {
        switch record {
        case .allocated(let scope, let chainNonce, let nonce):
            var object = scopeObject("alloc", scope)
            object["chainNonce"] = .number(JSONNumber(chainNonce))
            object["nonce"] = .number(JSONNumber(nonce))
            return .object(object)
        case .released(let scope, let nonce):
            var object = scopeObject("release", scope)
            object["nonce"] = .number(JSONNumber(nonce))
            return .object(object)
        case .counter(let scope, let counter):
            var object = scopeObject("nonces", scope)
            object["next"] = .number(JSONNumber(counter.next))
            object["released"] = .array(counter.released.sorted().map { .number(JSONNumber($0)) })
            return .object(object)
        case .entry(let entry):
            var object: JSONObject = [
                "t": "entry",
                "key": .string(entry.key),
                "network": .string(entry.network),
                "relayer": .string(entry.relayer.lowercased),
                "nonce": .number(JSONNumber(entry.nonce)),
                "hash": .string(entry.hash.hex),
                "raw": .string(entry.raw.hexString),
                "purpose": .string(entry.purpose),
                "status": .string(entry.status.rawValue),
                "context": .object(entry.context),
            ]
            if let outcome = entry.outcome { object["outcome"] = .object(outcome) }
            if let blockNumber = entry.blockNumber { object["blockNumber"] = .number(JSONNumber(blockNumber)) }
            if let blockHash = entry.blockHash { object["blockHash"] = .string(blockHash.hex) }
            if let gasUsed = entry.gasUsed { object["gasUsed"] = .number(JSONNumber(gasUsed)) }
            object["createdAt"] = .number(JSONNumber(entry.createdAt))
            object["updatedAt"] = .number(JSONNumber(entry.updatedAt))
            return .object(object)
        }
    }

    private static func scopeObject(_ kind: String, _ scope: NonceScope) -> JSONObject {
        ["t": .string(kind), "network": .string(scope.network), "relayer": .string(scope.relayer.lowercased)]
    }

    /// The record one log line holds; throws the reason it holds none.
    static func decode(_ value: JSONValue) throws(RecordError) -> JournalRecord {
        let fields = try Fields(value)
        switch try fields.string("t") {
        case "alloc":
            return .allocated(try fields.scope(), chainNonce: try fields.uint("chainNonce"), nonce: try fields.uint("nonce"))
        case "release":
            return .released(try fields.scope(), nonce: try fields.uint("nonce"))
        case "nonces":
            guard let list = fields.object["released"]?.arrayValue else { throw RecordError("released is not an array") }
            var released = Set<UInt64>()
            for item in list {
                guard let nonce = item.numberValue?.uint64 else { throw RecordError("released holds a non-nonce") }
                released.insert(nonce)
            }
            return .counter(try fields.scope(), NonceCounter(next: try fields.uint("next"), released: released))
        case "entry":
            guard let status = JournalStatus(rawValue: try fields.string("status")) else { throw RecordError("unknown status") }
            guard let context = fields.object["context"]?.objectValue else { throw RecordError("context is not an object") }
            return .entry(JournalEntry(
                key: try fields.string("key"), network: try fields.string("network"),
                relayer: try fields.address("relayer"), nonce: try fields.uint("nonce"),
                hash: try fields.bytes32("hash"), raw: try fields.bytes("raw"), purpose: try fields.string("purpose"),
                status: status, context: context, outcome: try fields.optionalObject("outcome"),
                blockNumber: try fields.optionalUInt("blockNumber"), blockHash: try fields.optionalBytes32("blockHash"),
                gasUsed: try fields.optionalUInt("gasUsed"),
                createdAt: try fields.uint("createdAt"), updatedAt: try fields.uint("updatedAt")))
        case let kind:
            throw RecordError("unknown record kind \"\(kind)\"")
        }
    }

    /// Why a line holds no record.
    struct RecordError: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Typed field reads of one record object.
    private struct Fields {
        let object: JSONObject

        init(_ value: JSONValue) throws(RecordError) {
            guard let object = value.objectValue else { throw RecordError("not a JSON object") }
            self.object = object
        }

        func string(_ name: String) throws(RecordError) -> String {
            guard let value = object[name]?.stringValue else { throw RecordError("\(name) is missing or not a string") }
            return value
        }

        func uint(_ name: String) throws(RecordError) -> UInt64 {
            guard let value = object[name]?.numberValue?.uint64 else { throw RecordError("\(name) is missing or not a UInt64") }
            return value
        }

        func optionalUInt(_ name: String) throws(RecordError) -> UInt64? { object[name] == nil ? nil : try uint(name) }

        func bytes(_ name: String) throws(RecordError) -> [UInt8] {
            let text = try string(name)
            do { return try Hex.decode(text) } catch { throw RecordError("\(name) is not hex: \(error)") }
        }

        func bytes32(_ name: String) throws(RecordError) -> Bytes32 {
            let text = try string(name)
            do { return try Bytes32(hex: text) } catch { throw RecordError("\(name) is not a 32-byte hash: \(error)") }
        }

        func optionalBytes32(_ name: String) throws(RecordError) -> Bytes32? { object[name] == nil ? nil : try bytes32(name) }

        func address(_ name: String) throws(RecordError) -> Address {
            let text = try string(name)
            do { return try Address(hex: text) } catch { throw RecordError("\(name) is not an address: \(error)") }
        }

        func optionalObject(_ name: String) throws(RecordError) -> JSONObject? {
            guard let value = object[name] else { return nil }
            guard let result = value.objectValue else { throw RecordError("\(name) is not an object") }
            return result
        }

        func scope() throws(RecordError) -> NonceScope {
            NonceScope(network: try string("network"), relayer: try address("relayer"))
        }
    }
}
