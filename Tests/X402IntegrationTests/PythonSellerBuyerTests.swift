import AsyncHTTPClient
import Foundation
import Testing
import X402AsyncHTTPClient
import X402BatchSettlement
import X402BatchSettlementClient
import X402Core
import X402EVM
import X402Testing

/// The official Python SDK's FastAPI seller (Interop/fastapi_seller_app.py: the SDK's resource server, batch-settlement
/// server scheme with its own authorizer key, FileChannelStorage, `payment_middleware`) as a process.
final class PythonSeller: @unchecked Sendable {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The project venv's interpreter (`Devnet/ensure-venv` creates it; `./scripts/test` runs that first).
    static var python: String { root.appendingPathComponent("Devnet/.venv/bin/python").path }
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: python) }

    let process = Process()
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts the seller (on `port`, 0: any) and waits until it answers `/weather`.
    init(facilitator: String, payTo: Address, storage: String, authorizerKeyHex: String, port: Int = 0) async throws {
        let arguments = [Self.root.appendingPathComponent("Interop/fastapi_seller_app.py").path, "--facilitator", facilitator,
                         "--pay-to", payTo.checksummed, "--storage", storage, "--port", String(port)]
        let text = try startChild(process, Self.python, arguments, environment: ["SELLER_AUTHORIZER_KEY": authorizerKeyHex]) ?? ""
        guard text.hasPrefix("LISTENING "), let bound = Int(text.dropFirst("LISTENING ".count)) else {
            throw FixtureError(description: "the Python seller did not start: \(text)")
        }
        self.port = bound
        for _ in 0..<200 {  // uvicorn accepts once the middleware's startup (/supported) is done
            if (try? await TestBuyer.get(url + "/weather"))?.status == 402 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FixtureError(description: "the Python seller never answered 402")
    }

    /// SIGKILL: the child inherits the test runner's blocked signal mask, so SIGTERM would never arrive.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

extension DevnetIntegrationTests {
    /// One long-lived Swift buyer (one `X402PayingHTTPClient`, file channel storage) paying the Python SDK's FastAPI
    /// seller through our facilitator: a deposit and vouchers; the seller restarts on the same port and storage while
    /// the client keeps its connection pool; then our side restarts (a new scheme and client on the reopened storage)
    /// and goes on with vouchers from the stored cumulative; finally a refund of the rest, settled on chain.
    @Test(.enabled(if: FacilitatorProcess.isAvailable && PythonSeller.isAvailable, "needs the x402 binary and Devnet/.venv"))
    func longLivedSwiftBuyerPaysThePythonSellerAcrossRestarts() async throws {
        let stack = try await SellerStack(receiverSeed: 118)
        defer { stack.cleanup() }
        let sellerStorage = stack.directory + "/python-seller", buyerStorage = stack.directory + "/buyer"
        let authorizer = Self.freshKeyHex()
        var seller = try await PythonSeller(facilitator: stack.facilitator.url, payTo: stack.payTo, storage: sellerStorage,
                                            authorizerKeyHex: authorizer)
        defer { seller.stop() }
        let url = seller.url + "/weather"
        let key = try await Self.fundedPayer(stack.rpc).key

        /// Pays once; returns the payload kind and its voucher ceiling.
        func pay(_ paying: X402PayingHTTPClient) async throws -> (BatchSettlementPayloadKind, UInt128?) {
            let response = try await paying.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
            #expect(response.status == .ok, "\(response.status)")
            #expect(String(buffer: response.body).contains(#""seller":"python""#))
            #expect(Self.chargedAmount(response.settleResponse) == 1000)
            let payload = try BatchSettlementPayload(try #require(response.paymentPayload))
            return (payload.kind, payload.voucher?.maxClaimableAmount.value)
        }

        var storage = try FileClientChannelStorage(directory: buyerStorage)
        var (scheme, paying) = try await Self.buyer(key, rpc: stack.rpc, storage: storage)
        let first = try await pay(paying)
        #expect(first.0 == .deposit && first.1 == 1000)
        for m: UInt128 in [2000, 3000] { #expect(try await pay(paying) == (.voucher, m)) }

        // The Python seller is killed and restarts on its storage and port; the same client (pooled connections now dead) goes on.
        seller.stop()
        seller = try await PythonSeller(facilitator: stack.facilitator.url, payTo: stack.payTo, storage: sellerStorage,
                                        authorizerKeyHex: authorizer, port: seller.port)
        for m: UInt128 in [4000, 5000] { #expect(try await pay(paying) == (.voucher, m)) }

        // Our side restarts: the channel state comes back from the file, no new deposit.
        await storage.close()
        storage = try FileClientChannelStorage(directory: buyerStorage)
        (scheme, paying) = try await Self.buyer(key, rpc: stack.rpc, storage: storage)
        let requirement = try await Self.requirement(url)
        let channelId = try scheme.channelId(for: requirement)
        let reopened = try #require(try await storage.channel(ClientChannelRecord.key(channelId)))
        #expect(reopened.chargedCumulativeAmount == 5000 && reopened.balance == 10_000)
        for m: UInt128 in [6000, 7000] { #expect(try await pay(paying) == (.voucher, m)) }
        #expect(try await stack.onchainChannel(try scheme.channelConfig(for: requirement)) == OnchainChannel(balance: 10_000, totalClaimed: 0))

        // The rest back through the Python seller's refund (it claims the charges and signs the refund).
        let refund = try await scheme.refund(url: url, transport: Self.refundTransport)
        #expect(refund.success && refund.amount == "3000", "\(refund)")
        #expect(try await stack.tokenBalance(key.address) == UInt256(UInt64(993_000)))
        #expect(try await stack.onchainChannel(try scheme.channelConfig(for: requirement)).totalClaimed == 7000)
        await storage.close()
    }
}
