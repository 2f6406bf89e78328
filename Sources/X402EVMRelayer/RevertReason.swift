import X402EVM

/// Readable names for revert data: `Error(string)`, `Panic(uint256)` and registered custom errors.
public enum RevertReason {
    /// Custom-error selectors this process knows by name (schemes register theirs once at start-up).
    private static let registry = KnownErrors()

    /// Registers custom errors by signature, e.g. `"ClaimExceedsBalance()"`.
    public static func register(_ signatures: [String]) {
        registry.add(signatures)
    }

    /// The 4-byte selector of a revert (nil when shorter).
    public static func selector(_ data: [UInt8]) -> [UInt8]? {
        data.count >= 4 ? Array(data.prefix(4)) : nil
    }

    /// `Error("text")` → `text`, `Panic(n)` → `Panic(0x..)`, a registered custom error → its name,
    /// other data → its hex, no data → "".
    public static func describe(_ data: [UInt8]) -> String {
        guard let sel = selector(data) else { return data.isEmpty ? "" : Hex.encode(data) }
        if sel == [0x08, 0xc3, 0x79, 0xa0], let text = try? ABI.decode([.string], from: data.dropFirst(4)).first?.asString {
            return text
        }
        if sel == [0x4e, 0x48, 0x7b, 0x71], let code = try? ABI.decode([.uint(256)], from: data.dropFirst(4)).first?.asUInt256 {
            return "Panic(\(code))"
        }
        return registry.name(for: sel) ?? Hex.encode(data)
    }
}

import Synchronization

private final class KnownErrors: Sendable {
    private let names = Mutex<[UInt32: String]>([:])

    func add(_ signatures: [String]) {
        names.withLock { table in
            for signature in signatures {
                let hash = Keccak256.hash(Array(signature.utf8)).bytes
                table[Self.key(hash.prefix(4))] = String(signature.prefix { $0 != "(" })
            }
        }
    }

    func name(for selector: [UInt8]) -> String? {
        names.withLock { $0[Self.key(selector)] }
    }

    private static func key(_ bytes: some Collection<UInt8>) -> UInt32 {
        bytes.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }
}
