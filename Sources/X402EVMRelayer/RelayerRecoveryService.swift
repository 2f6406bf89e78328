import Logging
import ServiceLifecycle

/// Keeps journaled transactions moving: at start (after a crash or restart) and then every `interval`,
/// re-broadcasts each unfinished transaction's exact bytes and records its receipt when it comes.
///
/// Run it in the facilitator's `ServiceGroup`; it ends on graceful shutdown. Retried operations resume
/// their own transactions too, so this only matters for operations nobody asks about again.
public struct RelayerRecoveryService: Service {
    /// The relayer whose journal is watched.
    public let relayer: Relayer
    /// Time between sweeps.
    public let interval: Duration

    /// Sweeps `relayer`'s unfinished transactions now and every `interval`.
    public init(relayer: Relayer, interval: Duration = .seconds(15)) {
        self.relayer = relayer
        self.interval = interval
    }

    /// Sweeps until graceful shutdown or cancellation (a sweep cut short leaves its entries in the journal).
    public func run() async throws {
        // Shutdown cancels the loop; that is this service's normal end, not a failure of the group.
        try? await cancelWhenGracefulShutdown {
            let first = await relayer.resumeUnfinished()
            if first > 0 { relayer.logger.notice("resumed unfinished transactions", metadata: ["relayer.count": "\(first)"]) }
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await relayer.resumeUnfinished()
            }
        }
    }
}
