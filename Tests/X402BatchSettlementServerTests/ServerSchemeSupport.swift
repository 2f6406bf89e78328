import HTTPTypes
import MetricsTestKit
import Synchronization
import X402BatchSettlement
import X402BatchSettlementServer
import X402Core
import X402EVM
import X402JSON
import X402Testing

/// The shared scripted facilitator (X402Testing), under the name these tests use.
typealias ScriptedFacilitator = ScriptedBatchSettlementFacilitator

/// A test clock in unix milliseconds.
final class SchemeClock: Sendable {
    let now = Atomic<UInt64>(1_800_000_000_000)
    func advance(_ ms: UInt64) { now.add(ms, ordering: .relaxed) }
    var read: @Sendable () -> UInt64 { { [self] in now.load(ordering: .relaxed) } }
}

/// A seller (resource server + HTTP layer + scheme over in-memory storage) and a buyer that signs vouchers.
final class SellerHarness: Sendable {
    static let network: Network = "eip155:84532"
    static let domain = BatchSettlementDomain(chainId: 84532)
    static let usdc = try! Address(hex: "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
    static let payTo = try! Address(hex: "0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70")
    static let authorizerKey = try! PrivateKey(hex: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
    static let payerKey = try! PrivateKey(hex: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6")

    let facilitator: ScriptedFacilitator
    let storage = InMemoryChannelStorage()
    let clock = SchemeClock()
    let scheme: BatchSettlementServerScheme
    let http: X402HTTPResourceServer
    let events = Mutex<[SellerChannelEvent]>([])
    let metrics = TestMetrics()
    let config: ChannelConfig

    init(ownKey: Bool = true, price: String = "$0.001", configuration: BatchSettlementServerConfiguration? = nil) async throws {
        facilitator = ScriptedFacilitator(advertisedAuthorizer: ownKey ? nil : Self.authorizerKey.address)
        var conf = configuration ?? BatchSettlementServerConfiguration()
        if ownKey { conf.receiverAuthorizerKey = Self.authorizerKey }
        scheme = BatchSettlementServerScheme(storage: storage, configuration: conf, clock: clock.read, metricsFactory: metrics)
        let server = X402ResourceServer(facilitator: facilitator)
        server.register(scheme, for: "eip155:*")
        let option = PaymentOption(scheme: "batch-settlement", price: .money(.string(price)), network: Self.network,
                                   payTo: Self.payTo.checksummed)
        http = X402HTTPResourceServer(server: server, routes: try RouteTable([("GET /paid", RouteConfig(accepts: [option]))]))
        try await http.initialize()
        config = ChannelConfig(payer: Self.payerKey.address, payerAuthorizer: Self.payerKey.address, receiver: Self.payTo,
                               receiverAuthorizer: Self.authorizerKey.address, token: Self.usdc, withdrawDelay: 900,
                               salt: Bytes32(0, 0, 0, 7))
        scheme.onEvent { [unowned self] event in self.events.withLock { $0.append(event) } }
    }

    var channelId: Bytes32 { config.channelId(in: Self.domain) }

    func voucher(_ m: UInt128, key: PrivateKey = payerKey) -> SignedVoucher {
        let sig = key.sign(digest: Voucher(channelId: channelId, maxClaimableAmount: m).digest(in: Self.domain))
        return SignedVoucher(channelId: channelId, maxClaimableAmount: TokenAmount128(m), signature: HexBytes(sig.bytes))
    }

    /// The route's 402 requirement.
    func requirement() async throws -> PaymentRequirements {
        guard case .paymentRequired(let response) = await http.processRequest(request()),
              let header = response.headerFields[.paymentRequired] else { throw HarnessError("no 402") }
        return try HeaderCodec.decodePaymentRequired(header).accepts[0]
    }

    func request(_ payload: BatchSettlementPayload? = nil, accepted: PaymentRequirements? = nil) -> HTTPRequest {
        var request = HTTPRequest(method: .get, scheme: "http", authority: "seller.test", path: "/paid")
        if let payload, let accepted {
            let p = PaymentPayload(payload: payload.jsonObject(), accepted: accepted)
            request.headerFields[.paymentSignature] = try! HeaderCodec.encodePaymentSignature(p)
        }
        return request
    }

    func deposit(_ amount: UInt128, voucher m: UInt128) -> BatchSettlementPayload {
        let auth = ERC3009Authorization(validBefore: TokenAmount(UInt256(UInt64(9_999_999_999))), salt: Bytes32(0, 0, 0, 9),
                                        signature: HexBytes([UInt8](repeating: 1, count: 65)))
        return .deposit(DepositPayload(channelConfig: config, voucher: voucher(m),
                                       deposit: DepositFields(amount: TokenAmount128(amount), authorization: .erc3009(auth))))
    }

    func voucherPayload(_ m: UInt128, key: PrivateKey = payerKey) -> BatchSettlementPayload {
        .voucher(VoucherPayload(channelConfig: config, voucher: voucher(m, key: key)))
    }

    /// One whole request: decide, run a handler answering `status` with `headers`, settle.
    func pay(_ payload: BatchSettlementPayload, status: HTTPResponse.Status = .ok, headers: HTTPFields = HTTPFields())
        async throws -> PaidOutcome {
        let accepted = try await requirement()
        switch await http.processRequest(request(payload, accepted: accepted)) {
        case .passThrough: return .passThrough
        case .paymentRequired(let r): return .paymentRequired(try HeaderCodec.decodePaymentRequired(r.headerFields[.paymentRequired]!))
        case .respond(let r): return .responded(r)
        case .proceed(let verified):
            var fields = headers
            switch await http.settle(verified, responseStatus: status, responseHeaders: &fields) {
            case .settled(let settlement): return .settled(settlement.response)
            case .failed(let response, _): return .settleFailed(response)
            case .notSettled: return .notSettled
            }
        }
    }

    func record() async throws -> SellerChannel? { try await storage.channel(channelId) }
}

enum PaidOutcome {
    case passThrough
    case paymentRequired(PaymentRequired)
    case responded(X402HTTPResponse)
    case settled(SettleResponse)
    case settleFailed(SettleResponse)
    case notSettled

    var settled: SettleResponse? { if case .settled(let r) = self { r } else { nil } }
    var required: PaymentRequired? { if case .paymentRequired(let r) = self { r } else { nil } }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
