import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import X402BatchSettlementClient
import X402Core
import X402EVM
import X402URLSession

/// The URLSession wrapper with the batch-settlement client, paying `x402 serve` on the devnet.
extension DevnetIntegrationTests {
    @Test(.enabled(if: FacilitatorProcess.isAvailable, "x402 binary not built"))
    func urlSessionBuyerPaysTheSeller() async throws {
        let stack = try await SellerStack(receiverSeed: 113)
        defer { stack.cleanup() }
        let url = try stack.startSeller().url
        let key = try await Self.fundedPayer(stack.rpc).key
        let reader = RPCChannelChainReader(rpc: stack.rpc, network: "eip155:84532")
        var configuration = BatchSettlementClientConfiguration()
        configuration.clock = try await reader.chainAlignedClock()
        let scheme = try BatchSettlementClientScheme(wallet: PrivateKeySigner(key), chainReader: reader, configuration: configuration)
        let paying = X402URLSessionClient(client: X402Client().register(scheme, for: .family("eip155")))
        var transactions: [String] = []
        for _ in 0..<3 {
            let answer = try await paying.data(for: URLRequest(url: try #require(URL(string: url + "/weather"))))
            #expect(answer.response.statusCode == 200 && String(decoding: answer.data, as: UTF8.self).contains("sunny"))
            let settle = try #require(answer.settleResponse)
            #expect(settle.success && settle.extra?["chargedAmount"] == "1000")
            transactions.append(settle.transaction)
        }
        // One deposit (with its transaction), then vouchers (none).
        #expect(transactions[0].count == 66 && transactions[1...].allSatisfy(\.isEmpty))
        stack.seller?.kill9()
        #expect(try stack.channels(["claim"]).status == 0)
        #expect(try await stack.receiverTotals().totalClaimed == 3000)
    }
}
