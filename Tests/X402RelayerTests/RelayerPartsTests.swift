import Synchronization
import Testing
import X402EVM
@testable import X402EVMRelayer

@Suite struct RelayerPartsTests {
    /// The per-key lane admits one holder at a time, across suspension points, and every waiter gets in.
    @Test func asyncLockIsExclusive() async {
        final class Probe: Sendable {
            let state = Mutex<(inside: Int, most: Int, seen: Set<Int>)>((0, 0, []))
        }
        let lock = AsyncLock()
        let probe = Probe()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<50 {
                group.addTask {
                    await lock.withLock { () async -> Void in
                        probe.state.withLock { s in
                            s.inside += 1
                            s.most = max(s.most, s.inside)
                            s.seen.insert(i)
                        }
                        await Task.yield()
                        try? await Task.sleep(for: .microseconds(200))
                        probe.state.withLock { $0.inside -= 1 }
                    }
                }
            }
        }
        #expect(probe.state.withLock { $0.most } == 1)
        #expect(probe.state.withLock { $0.seen.count } == 50)
    }

    @Test func revertReasonsAreNamed() {
        RevertReason.register(["ClaimExceedsBalance()"])
        #expect(RevertReason.describe([0x7d, 0x82, 0x42, 0xb6]) == "ClaimExceedsBalance")
        // Error("boom")
        let error: [UInt8] = [0x08, 0xc3, 0x79, 0xa0] + (try! ABI.encode([.string("boom")], as: [.string]))
        #expect(RevertReason.describe(error) == "boom")
        // Panic(0x11)
        let panic: [UInt8] = [0x4e, 0x48, 0x7b, 0x71] + UInt256(0x11).word.bytes
        #expect(RevertReason.describe(panic) == "Panic(17)")
        #expect(RevertReason.describe([]) == "")
        #expect(RevertReason.describe([0xde, 0xad, 0xbe, 0xef, 0x01]) == "0xdeadbeef01")
        // Truncated Error(string) data falls back to hex instead of trapping.
        #expect(RevertReason.describe([0x08, 0xc3, 0x79, 0xa0, 0x00]) == "0x08c379a000")
    }
}
