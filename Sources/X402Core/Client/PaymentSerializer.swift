import Synchronization
import X402Primitives

/// Runs payments with the same serialization key strictly one at a time, in arrival order, and payments
/// with different keys (or none) in parallel (see ``SchemeNetworkClient/serializationKey(for:requestURL:)``).
///
/// One lock per key exists only while some payment holds or waits for it, so the table does not grow with
/// every channel ever paid. Share one serializer between all wrappers that pay from the same scheme state.
/// Waiting for a turn does not end on cancellation; the cancelled task gives its turn back when it gets it.
public final class PaymentSerializer: Sendable {
    private struct Entry {
        let lock = AsyncLock()
        var users = 0
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// An empty serializer.
    public init() {}

    /// Runs `body` alone among the bodies of `key`; a nil key runs at once.
    public func withTurn<T: Sendable>(for key: String?, _ body: () async throws -> T) async throws -> T {
        guard let key else { return try await body() }
        let lock = entries.withLock { table -> AsyncLock in
            var entry = table[key] ?? Entry()
            entry.users += 1
            table[key] = entry
            return entry.lock
        }
        defer {
            entries.withLock { table in
                guard var entry = table[key] else { return }
                entry.users -= 1
                // Idle: drop it; a later payment of this key makes a fresh lock.
                table[key] = entry.users == 0 ? nil : entry
            }
        }
        return try await lock.withLock(body)
    }

    /// Keys with a payment running or waiting.
    public var activeKeys: Int { entries.withLock { $0.count } }
}
