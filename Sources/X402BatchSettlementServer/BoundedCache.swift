import Synchronization

/// A small lock-guarded map for values that are costly to derive but cheap to derive again: when it holds `limit`
/// entries it forgets them all, so its memory stays bounded whatever keys requests bring.
final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: Value]>([:])
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    /// The cached value of `key`.
    subscript(key: Key) -> Value? { entries.withLock { $0[key] } }

    /// Caches `value` under `key`.
    func set(_ key: Key, _ value: Value) {
        entries.withLock { cache in
            if cache.count >= limit { cache.removeAll(keepingCapacity: true) }
            cache[key] = value
        }
    }

    /// The cached value of `key`, or `make()`'s, cached (made outside the lock).
    func value(_ key: Key, orMake make: () -> Value) -> Value {
        if let cached = self[key] { return cached }
        let value = make()
        set(key, value)
        return value
    }
}
