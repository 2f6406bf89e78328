import HTTPTypes
import Synchronization
import Testing
import X402BatchSettlement
import X402BatchSettlementClient
import X402BatchSettlementServer
import X402Core
import X402EVM
import X402Testing

/// The shared scripted facilitator (X402Testing), under the name these tests use.
typealias ScriptedFacilitator = ScriptedBatchSettlementFacilitator

/// What the seller answered to one request.
struct Answer {
    var status: Int
    var headers: [String: String]
    var settle: SettleResponse?
    var required: PaymentRequired?
}

/// The real seller (resource server + HTTP layer + `BatchSettlementServerScheme`) in process, price `$0.001`
/// on Base Sepolia → `amount "1000"`, `minDeposit "10000"` (C.11).
final class Seller: Sendable {
    static let network: Network = "eip155:84532"
    static let url = "http://seller.test/paid"
    static let usdc = try! Address(hex: "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
    static let payTo = try! Address(hex: "0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70")
    static let authorizerKey = try! PrivateKey(hex: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")

    let facilitator = ScriptedFacilitator()
    let storage = InMemoryChannelStorage()
    let scheme: BatchSettlementServerScheme
    let http: X402HTTPResourceServer

    init() async throws {
        var conf = BatchSettlementServerConfiguration()
        conf.receiverAuthorizerKey = Self.authorizerKey
        scheme = BatchSettlementServerScheme(storage: storage, configuration: conf)
        let server = X402ResourceServer(facilitator: facilitator)
        server.register(scheme, for: "eip155:*")
        let option = PaymentOption(scheme: "batch-settlement", price: .money(.string("$0.001")), network: Self.network,
                                   payTo: Self.payTo.checksummed)
        http = X402HTTPResourceServer(server: server, routes: try RouteTable([("GET /paid", RouteConfig(accepts: [option]))]))
        try await http.initialize()
    }

    /// The route's 402.
    func paymentRequired() async throws -> PaymentRequired {
        let answer = await send(nil)
        return try #require(answer.required)
    }

    /// One request, with `payload` in `PAYMENT-SIGNATURE` when given; the handler answers 200 with `handlerHeaders`.
    func send(_ payload: PaymentPayload?, handlerHeaders: HTTPFields = HTTPFields()) async -> Answer {
        var request = HTTPRequest(method: .get, scheme: "http", authority: "seller.test", path: "/paid")
        if let payload { request.headerFields[.paymentSignature] = try! HeaderCodec.encodePaymentSignature(payload) }
        switch await http.processRequest(request) {
        case .passThrough: return Answer(status: 200, headers: [:])
        case .paymentRequired(let r), .respond(let r): return Self.answer(r.status.code, r.headerFields)
        case .proceed(let verified):
            var fields = handlerHeaders
            switch await http.settle(verified, responseStatus: .ok, responseHeaders: &fields) {
            case .settled(let settlement):
                for field in settlement.headerFields { fields[field.name] = field.value }
                return Self.answer(200, fields)
            case .failed(_, let response): return Self.answer(response.status.code, response.headerFields)
            case .notSettled: return Answer(status: 200, headers: [:])
            }
        }
    }

    static func answer(_ status: Int, _ fields: HTTPFields) -> Answer {
        var headers: [String: String] = [:]
        for field in fields { headers[field.name.rawName] = field.value }
        let settle = X402Header.value(of: X402Header.paymentResponse, in: headers).flatMap { try? HeaderCodec.decodePaymentResponse($0) }
        let required = X402Header.value(of: X402Header.paymentRequired, in: headers).flatMap { try? HeaderCodec.decodePaymentRequired($0) }
        return Answer(status: status, headers: headers, settle: settle, required: required)
    }

    /// A refund transport over this seller (every request goes to `/paid`).
    var transport: RefundTransport {
        { [self] _, headers in
            var payload: PaymentPayload?
            if let h = X402Header.value(of: X402Header.paymentSignature, in: headers) { payload = try HeaderCodec.decodePaymentSignature(h) }
            let answer = await send(payload)
            return RefundHTTPResponse(status: answer.status, headers: answer.headers)
        }
    }
}

/// A settable clock in unix seconds.
final class TestClock: Sendable {
    let now = Atomic<UInt64>(1_800_000_000)
    func advance(_ s: UInt64) { now.add(s, ordering: .relaxed) }
    var read: @Sendable () -> UInt64 { { [self] in now.load(ordering: .relaxed) } }
}

/// A chain reader returning a fixed (settable) channel.
final class FakeChainReader: ChannelChainReader {
    struct Unreadable: Error {}

    let state: Mutex<OnchainChannel>
    let reads = Atomic<Int>(0)
    /// The wallet's token balance; nil: unknown; `.max`: the read fails.
    let walletBalance: Mutex<UInt256?>
    init(balance: UInt128 = 0, totalClaimed: UInt128 = 0, walletBalance: UInt256? = nil) {
        state = Mutex(OnchainChannel(balance: balance, totalClaimed: totalClaimed))
        self.walletBalance = Mutex(walletBalance)
    }
    func channel(_ channelId: Bytes32, network: Network) async throws -> OnchainChannel {
        reads.add(1, ordering: .relaxed)
        return state.withLock { $0 }
    }
    func tokenBalance(token: Address, owner: Address, network: Network) async throws -> UInt256? {
        let held = walletBalance.withLock { $0 }
        if held == .max { throw Unreadable() }
        return held
    }
}

enum Keys {
    static let wallet = try! PrivateKey(hex: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6")
    static let session = try! PrivateKey(hex: "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a")
    static let other = try! PrivateKey(hex: "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba")
}

/// The C.11 requirement, built by hand (for tests without a seller).
func requirement(amount: String = "1000", minDeposit: String? = "10000", method: String? = nil, name: String? = "USDC") -> PaymentRequirements {
    var extra: JSONObject = ["receiverAuthorizer": .string(Seller.authorizerKey.address.checksummed), "withdrawDelay": .number(JSONNumber(900))]
    if let name { extra["name"] = .string(name); extra["version"] = "2" }
    if let minDeposit { extra["minDeposit"] = .string(minDeposit) }
    if let method { extra["assetTransferMethod"] = .string(method) }
    return PaymentRequirements(scheme: "batch-settlement", network: Seller.network, asset: Seller.usdc.checksummed, amount: amount,
                               payTo: Seller.payTo.checksummed, maxTimeoutSeconds: 300, extra: extra)
}

extension BatchSettlementClientScheme {
    /// Builds the payload for the first accept of `paymentRequired`, as `X402Client` would (errors unwrapped).
    func pay(_ paymentRequired: PaymentRequired, url: String? = Seller.url) async throws -> PaymentPayload {
        let requirements = paymentRequired.accepts[0]
        let part = try await createPaymentPayload(for: requirements, context: PaymentPayloadContext(paymentRequired: paymentRequired, requestURL: url))
        return PaymentPayload(payload: part.payload, accepted: requirements, resource: paymentRequired.resource)
    }

    /// Builds a payload for a bare requirement.
    func payload(for requirements: PaymentRequirements, url: String? = Seller.url) async throws -> BatchSettlementPayload {
        let part = try await createPaymentPayload(for: requirements, context: PaymentPayloadContext(
            paymentRequired: PaymentRequired(accepts: [requirements]), requestURL: url))
        return try BatchSettlementPayload(json: part.payload)
    }

    /// Pays `seller` once and applies its answer; returns the payload, the answer and the decision.
    func payRound(_ seller: Seller, handlerHeaders: HTTPFields = HTTPFields()) async throws
        -> (payload: PaymentPayload, answer: Answer, decision: PaymentResponseDecision) {
        let required = try await seller.paymentRequired()
        let payload = try await pay(required)
        let answer = await seller.send(payload, handlerHeaders: handlerHeaders)
        let decision = try await onPaymentResponse(PaymentResponseContext(
            paymentPayload: payload, requirements: payload.accepted, settleResponse: answer.settle, paymentRequired: answer.required,
            status: answer.status, requestURL: Seller.url))
        return (payload, answer, decision)
    }
}
