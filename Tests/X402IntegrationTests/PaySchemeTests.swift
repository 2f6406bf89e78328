import Foundation
import Testing
import X402Core
import X402EVM
import X402JSON
import X402Testing

// `x402 pay --scheme batch-settlement|exact|auto` against `x402 serve --scheme batch-settlement --scheme exact` (one
// route offering both) through `x402 facilitator` on the devnet.
extension DevnetIntegrationTests {
    /// The settle response `x402 pay` printed on stderr.
    static func printedSettleResponse(_ stderr: String) throws -> SettleResponse {
        let line = try #require(stderr.split(separator: "\n").first { $0.hasPrefix("PAYMENT-RESPONSE ") }, "\(stderr)")
        return try X402JSON.decode(SettleResponse.self, from: String(line.dropFirst("PAYMENT-RESPONSE ".count)))
    }

    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func x402PayChoosesTheScheme() async throws {
        let stack = try await SellerStack(receiverSeed: 340, slowSeconds: 0.2)
        defer { stack.cleanup() }
        let url = try stack.startSeller(extra: ["--scheme", "batch-settlement", "--scheme", "exact"]).url
        let (key, keyHex) = try await Self.fundedPayer(stack.rpc)
        func pay(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try stack.buyerCommand(["pay", url + "/weather"] + arguments, environment: ["EVM_PRIVATE_KEY": keyHex])
        }
        func balances() async throws -> (payer: UInt256, payTo: UInt256) {
            (try await stack.tokenBalance(key.address), try await stack.tokenBalance(stack.payTo))
        }
        let stateDir = stack.directory + "/buyer"
        let start = try await balances()
        #expect(start.payer == UInt256(UInt64(1_000_000)))

        // --scheme exact on a route that lists batch-settlement first: one transfer to payTo, no channel state.
        let exact = try pay(["--scheme", "exact"])
        #expect(exact.status == 0 && exact.out.contains("sunny"), "\(exact.err)")
        let transfer = try Self.printedSettleResponse(exact.err)
        #expect(transfer.success && transfer.payer == key.address.checksummed && transfer.extra?["chargedAmount"] == nil)
        #expect(try await stack.rpc.getTransactionReceipt(try Bytes32(hex: transfer.transaction))?.succeeded == true)
        let afterExact = try await balances()
        #expect(afterExact.payer == start.payer - UInt256(UInt64(1000)) && afterExact.payTo == start.payTo + UInt256(UInt64(1000)))
        #expect(!FileManager.default.fileExists(atPath: stateDir))
        #expect(!exact.err.contains(String(keyHex.dropFirst(2))) && !exact.out.contains(String(keyHex.dropFirst(2))))

        // --max-per-payment binds exact too: refused before signing, nothing moves.
        let capped = try pay(["--scheme", "exact", "--max-per-payment", "999"])
        #expect(capped.status != 0 && !capped.err.contains("PAYMENT-RESPONSE"), "\(capped.err)")
        #expect(try await balances() == afterExact)

        // auto (the default) when the channel may not take its deposit: falls back to exact, a fresh transfer.
        let fallback = try pay(["--max-deposit-per-channel", "500"])
        #expect(fallback.status == 0, "\(fallback.err)")
        let second = try Self.printedSettleResponse(fallback.err)
        #expect(second.success && second.transaction != transfer.transaction && second.extra?["chargedAmount"] == nil)
        let afterFallback = try await balances()
        #expect(afterFallback.payer == afterExact.payer - UInt256(UInt64(1000)) && afterFallback.payTo == afterExact.payTo + UInt256(UInt64(1000)))

        // auto unconstrained prefers the channel: a deposit of 10 x the price into the escrow, nothing to payTo yet.
        let channel = try pay([])
        #expect(channel.status == 0 && channel.err.contains("\"amount\":\"10000\""), "\(channel.err)")
        let afterChannel = try await balances()
        #expect(afterChannel.payer == afterFallback.payer - UInt256(UInt64(10_000)) && afterChannel.payTo == afterFallback.payTo)

        // --scheme batch-settlement goes on with the channel: a voucher, no transfer.
        let voucher = try pay(["--scheme", "batch-settlement"])
        #expect(voucher.status == 0 && voucher.err.contains("\"transaction\":\"\""), "\(voucher.err)")
        #expect(try await balances() == afterChannel)
    }
}
