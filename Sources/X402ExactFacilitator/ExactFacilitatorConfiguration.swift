import X402Core
import X402EVMRelayer

/// Settings of an ``ExactFacilitator``.
public struct ExactFacilitatorConfiguration: Sendable {
    /// The chain served (`eip155:<chainId>`); the relayer must send on the same chain.
    public var chainId: UInt64
    /// Unix seconds now (the `validBefore` / `validAfter` rules); injectable for tests.
    public var now: @Sendable () -> UInt64

    /// A configuration for `chainId` on the wall clock.
    public init(chainId: UInt64, now: @escaping @Sendable () -> UInt64 = { WallClock.seconds() }) {
        self.chainId = chainId
        self.now = now
    }

    /// The CAIP-2 network.
    public var network: Network { .eip155(chainId) }
}
