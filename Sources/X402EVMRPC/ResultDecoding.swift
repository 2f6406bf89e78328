import X402EVM

// Strict readers for JSON-RPC results: every mismatch is an `RPCError.invalidResult` naming the field.
extension JSONValue {
    func requiredMember(_ key: String) throws(RPCError) -> JSONValue {
        guard case .object(let members) = self else {
            throw .invalidResult(field: key, reason: "result is not an object")
        }
        guard let value = members[key], value != .null else {
            throw .invalidResult(field: key, reason: "missing")
        }
        return value
    }

    /// The member, or nil when absent or null.
    func optionalMember(_ key: String) throws(RPCError) -> JSONValue? {
        guard case .object(let members) = self else {
            throw .invalidResult(field: key, reason: "result is not an object")
        }
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    func string(_ field: String) throws(RPCError) -> String {
        guard case .string(let text) = self else { throw .invalidResult(field: field, reason: "expected a string") }
        return text
    }

    func quantity(_ field: String) throws(RPCError) -> UInt256 {
        let text = try string(field)
        do {
            return try UInt256(hexQuantity: text)
        } catch {
            throw .invalidResult(field: field, reason: "bad hex quantity \(text.prefix(80)): \(error)")
        }
    }

    func quantity64(_ field: String) throws(RPCError) -> UInt64 {
        let value = try quantity(field)
        guard value.high == 0, let small = UInt64(exactly: value.low) else {
            throw .invalidResult(field: field, reason: "quantity does not fit 64 bits")
        }
        return small
    }

    func data(_ field: String) throws(RPCError) -> [UInt8] {
        let text = try string(field)
        do {
            return try Hex.decode(text)
        } catch {
            throw .invalidResult(field: field, reason: "bad hex data: \(error)")
        }
    }

    func address(_ field: String) throws(RPCError) -> Address {
        let text = try string(field)
        do {
            return try Address(hex: text)
        } catch {
            throw .invalidResult(field: field, reason: "bad address: \(error)")
        }
    }

    func bytes32(_ field: String) throws(RPCError) -> Bytes32 {
        let text = try string(field)
        do {
            return try Bytes32(hex: text)
        } catch {
            throw .invalidResult(field: field, reason: "bad bytes32: \(error)")
        }
    }

    func array(_ field: String) throws(RPCError) -> [JSONValue] {
        guard case .array(let elements) = self else { throw .invalidResult(field: field, reason: "expected an array") }
        return elements
    }

    func bool(_ field: String) throws(RPCError) -> Bool {
        guard case .bool(let value) = self else { throw .invalidResult(field: field, reason: "expected a boolean") }
        return value
    }

    // Member shorthands.
    func quantity(at key: String) throws(RPCError) -> UInt256 { try requiredMember(key).quantity(key) }
    func quantity64(at key: String) throws(RPCError) -> UInt64 { try requiredMember(key).quantity64(key) }
    func data(at key: String) throws(RPCError) -> [UInt8] { try requiredMember(key).data(key) }
    func address(at key: String) throws(RPCError) -> Address { try requiredMember(key).address(key) }
    func bytes32(at key: String) throws(RPCError) -> Bytes32 { try requiredMember(key).bytes32(key) }
    func optionalQuantity(at key: String) throws(RPCError) -> UInt256? { try optionalMember(key)?.quantity(key) }
    func optionalQuantity64(at key: String) throws(RPCError) -> UInt64? { try optionalMember(key)?.quantity64(key) }
    func optionalAddress(at key: String) throws(RPCError) -> Address? { try optionalMember(key)?.address(key) }
    func optionalBytes32(at key: String) throws(RPCError) -> Bytes32? { try optionalMember(key)?.bytes32(key) }
}
