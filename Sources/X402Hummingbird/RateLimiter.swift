import Synchronization

/// Per-client token buckets: each holds a minute's worth of requests and refills continuously.
///
/// Memory is bounded by `maxClients`: when full, buckets that have refilled completely (idle clients, whose
/// state equals a fresh bucket) are dropped first, then the least recently seen, down to 7/8 of the cap, so
/// the sweep runs at most once per `maxClients / 8` new clients.
final class RateLimiter: Sendable {
    /// Whether a request may proceed and, if not, when to retry.
    enum Decision: Equatable {
        case allowed
        case limited(retryAfterSeconds: Int)
    }

    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private let capacity: Double
    private let refillPerSecond: Double
    private let maxClients: Int
    private let now: @Sendable () -> Double
    private let buckets = Mutex<[String: Bucket]>([:])

    /// `requestsPerMinute` per client (must be positive), at most `maxClients` tracked; `now` is monotonic seconds.
    init(requestsPerMinute: Int, maxClients: Int, now: (@Sendable () -> Double)? = nil) {
        precondition(requestsPerMinute > 0 && maxClients > 0)
        capacity = Double(requestsPerMinute)
        refillPerSecond = Double(requestsPerMinute) / 60
        self.maxClients = maxClients
        if let now {
            self.now = now
        } else {
            let start = ContinuousClock.now
            self.now = { (ContinuousClock.now - start) / .seconds(1) }
        }
    }

    /// Takes one token from `client`'s bucket.
    func acquire(_ client: String) -> Decision {
        let t = now()
        return buckets.withLock { buckets in
            var bucket: Bucket
            if let existing = buckets[client] {
                bucket = existing
                bucket.tokens = min(capacity, bucket.tokens + (t - bucket.updated) * refillPerSecond)
            } else {
                if buckets.count >= maxClients { evict(&buckets, at: t) }
                bucket = Bucket(tokens: capacity, updated: t)
            }
            bucket.updated = t
            let decision: Decision
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                decision = .allowed
            } else {
                let wait = (1 - bucket.tokens) / refillPerSecond
                decision = .limited(retryAfterSeconds: max(1, Int(wait.rounded(.up))))
            }
            buckets[client] = bucket
            return decision
        }
    }

    /// Clients currently tracked.
    var trackedClients: Int { buckets.withLock { $0.count } }

    private func evict(_ buckets: inout [String: Bucket], at t: Double) {
        let refillTime = capacity / refillPerSecond
        buckets = buckets.filter { t - $0.value.updated < refillTime }
        let target = maxClients - max(1, maxClients / 8)
        guard buckets.count > target else { return }
        let oldest = buckets.sorted { $0.value.updated < $1.value.updated }.prefix(buckets.count - target)
        for (client, _) in oldest { buckets[client] = nil }
    }
}
