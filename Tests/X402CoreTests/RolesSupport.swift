import HTTPTypes
import Synchronization
import X402Core

/// Records events in order, shared by fakes and hooks.
final class EventLog: Sendable {
    private let events = Mutex<[String]>([])
    func add(_ event: String) { events.withLock { $0.append(event) } }
    var all: [String] { events.withLock { $0 } }
    func count(_ event: String) -> Int { all.filter { $0 == event }.count }
}

enum Fake {
    static let scheme = "fake"
    static let network: Network = "eip155:84532"
    static let otherNetwork: Network = "eip155:8453"
    static let asset = "0xToken"
    static let payTo = "0xSeller"
    static let payer = "0xBuyer"
    static let invalidSignature: ErrorReason = "invalid_fake_signature"
}

/// Client side of the fake scheme: "signs" by writing the amount it agrees to pay.
struct FakeClientScheme: SchemeNetworkClient {
    var scheme = Fake.scheme
    var log: EventLog?
    var tag = "client"
    var decision: PaymentResponseDecision = .done

    func createPaymentPayload(for requirements: PaymentRequirements, context: PaymentPayloadContext) async throws -> SchemePayload {
        log?.add("\(tag).create:\(requirements.network)")
        return SchemePayload(payload: ["signature": .string("sig-\(requirements.amount)"), "payer": .string(Fake.payer)],
                             extensions: ["fakeExtension": ["info": ["signed": true]]])
    }

    func onPaymentResponse(_ context: PaymentResponseContext) async throws -> PaymentResponseDecision {
        log?.add("\(tag).response:\(context.settleResponse?.success.description ?? "nil"):\(context.paymentRequired?.error ?? "nil")")
        return decision
    }
}

/// Server side of the fake scheme: `$x` and numbers with 6 decimals of `0xToken`; every hook is optional.
struct FakeServerScheme: SchemeNetworkServer {
    var scheme = Fake.scheme
    var log: EventLog?
    var beforeVerify: (@Sendable (PaymentContext) async throws -> BeforeVerifyDecision)?
    var afterVerify: (@Sendable (PaymentContext, VerifyResponse) async throws -> AfterVerifyDecision)?
    var beforeSettle: (@Sendable (PaymentContext) async throws -> BeforeSettleDecision)?
    var enrichPayload: (@Sendable (PaymentContext) async throws -> JSONObject?)?
    var enrichResponse: (@Sendable (PaymentContext, SettleResponse) async throws -> JSONObject?)?
    var enrichRequired: (@Sendable (PaymentRequiredContext) async throws -> [PaymentRequirements]?)?
    var settleFailure: (@Sendable (PaymentContext, X402Error) async -> SettleResponse?)?

    func parsePrice(_ price: Price, network: Network) throws -> AssetAmount {
        switch price {
        case .assetAmount(let a): return a
        case .money(let money):
            // Money through the core's exact decimal parsing, with a fixed 6-decimal fake token.
            guard let (amount, _) = try? money.parse(), let atomic = try? amount.atomicAmount(decimals: 6) else {
                throw X402Error(.invalidPrice, "\(money)")
            }
            return AssetAmount(amount: atomic.description, asset: Fake.asset, extra: ["name": "Fake"])
        }
    }

    func enhanceRequirements(_ requirements: PaymentRequirements, supportedKind: SupportedKind,
                             facilitatorExtensions: [String]) async throws -> PaymentRequirements {
        var r = requirements
        if let feePayer = supportedKind.extra?["feePayer"] { r.extra["feePayer"] = feePayer }
        return r
    }

    func assetDecimals(asset: String, network: Network) -> Int? { asset == Fake.asset ? 6 : nil }

    func beforeVerify(_ context: PaymentContext) async throws -> BeforeVerifyDecision {
        log?.add("scheme.beforeVerify")
        return try await beforeVerify?(context) ?? .proceed
    }
    func afterVerify(_ context: PaymentContext, result: VerifyResponse) async throws -> AfterVerifyDecision {
        log?.add("scheme.afterVerify")
        return try await afterVerify?(context, result) ?? .proceed
    }
    func onVerifyFailure(_ context: PaymentContext, error: X402Error) async -> VerifyResponse? {
        log?.add("scheme.verifyFailure:\(error.reason)")
        return nil
    }
    func onPaymentCanceled(_ context: PaymentContext, reason: PaymentCancellation) async {
        log?.add("scheme.canceled:\(reason)")
    }
    func beforeSettle(_ context: PaymentContext) async throws -> BeforeSettleDecision {
        log?.add("scheme.beforeSettle:\(context.requirements.amount)")
        return try await beforeSettle?(context) ?? .proceed
    }
    func enrichSettlementPayload(_ context: PaymentContext) async throws -> JSONObject? {
        log?.add("scheme.enrichPayload")
        return try await enrichPayload?(context)
    }
    func afterSettle(_ context: PaymentContext, result: SettleResponse) async throws {
        log?.add("scheme.afterSettle")
    }
    func onSettleFailure(_ context: PaymentContext, error: X402Error) async -> SettleResponse? {
        log?.add("scheme.settleFailure:\(error.reason)")
        return await settleFailure?(context, error)
    }
    func enrichSettlementResponse(_ context: PaymentContext, result: SettleResponse) async throws -> JSONObject? {
        log?.add("scheme.enrichResponse")
        return try await enrichResponse?(context, result)
    }
    func enrichPaymentRequired(_ context: PaymentRequiredContext) async throws -> [PaymentRequirements]? {
        try await enrichRequired?(context)
    }
}

/// Facilitator side: valid when the signature names the accepted amount; settles by echoing the amount.
final class FakeFacilitatorScheme: SchemeNetworkFacilitator {
    let scheme = Fake.scheme
    let caipFamily = "eip155:*"
    let log: EventLog?
    let settleResults = Mutex<[SettleResponse]>([])
    let settledPayloads = Mutex<[(PaymentPayload, PaymentRequirements)]>([])

    init(log: EventLog? = nil) { self.log = log }

    /// Queues results returned by the next settle calls (FIFO) instead of success.
    func queueSettleResult(_ r: SettleResponse) { settleResults.withLock { $0.append(r) } }

    func extra(for network: Network) -> JSONObject? { ["feePayer": "0xFeePayer"] }
    func signers(for network: Network) -> [String] { ["0xRelayer"] }

    func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> VerifyResponse {
        log?.add("facilitator.verify")
        guard payload.payload["signature"] == .string("sig-\(payload.accepted.amount)") else {
            return .invalid(Fake.invalidSignature, message: "bad signature")
        }
        return VerifyResponse(isValid: true, payer: Fake.payer)
    }

    func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> SettleResponse {
        log?.add("facilitator.settle:\(requirements.amount)")
        settledPayloads.withLock { $0.append((payload, requirements)) }
        if let queued = settleResults.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return queued }
        return SettleResponse(success: true, payer: Fake.payer, transaction: "0xtx", network: requirements.network,
                              amount: requirements.amount)
    }
}

/// A wired-up seller and facilitator on `Fake.network`.
struct FakeDeployment {
    let log = EventLog()
    let facilitatorScheme: FakeFacilitatorScheme
    let facilitator = X402Facilitator()
    let server: X402ResourceServer

    init(scheme: (EventLog) -> FakeServerScheme = { FakeServerScheme(log: $0) }) {
        facilitatorScheme = FakeFacilitatorScheme(log: log)
        facilitator.register(facilitatorScheme, networks: [Fake.network])
        server = X402ResourceServer(facilitator: LocalFacilitatorClient(facilitator))
        server.register(scheme(log), for: NetworkPattern(Fake.network))
    }

    static func option(_ price: Price = "$0.001", network: Network = Fake.network) -> PaymentOption {
        PaymentOption(scheme: Fake.scheme, price: price, network: network, payTo: Fake.payTo)
    }

    /// An initialized HTTP server protecting `GET /paid` (and `/refund`) with `option`.
    func httpServer(option: PaymentOption = FakeDeployment.option()) async throws -> X402HTTPResourceServer {
        let routes = try RouteTable(["GET /paid": RouteConfig(accepts: [option], description: "paid thing", mimeType: "application/json")])
        let http = X402HTTPResourceServer(server: server, routes: routes)
        try await http.initialize()
        return http
    }
}

func request(_ path: String, method: HTTPRequest.Method = .get, headers: HTTPFields = HTTPFields()) -> HTTPRequest {
    HTTPRequest(method: method, scheme: "https", authority: "api.example.com", path: path, headerFields: headers)
}

func paymentHeader(_ payload: PaymentPayload) throws -> HTTPFields {
    var fields = HTTPFields()
    fields[.paymentSignature] = try HeaderCodec.encodePaymentSignature(payload)
    return fields
}

/// The requirement a client would echo, built like the server does for `FakeDeployment.option()`.
func fakeRequirements(amount: String = "1000", network: Network = Fake.network) -> PaymentRequirements {
    PaymentRequirements(scheme: Fake.scheme, network: network, asset: Fake.asset, amount: amount, payTo: Fake.payTo,
                        maxTimeoutSeconds: 300, extra: ["name": "Fake", "feePayer": "0xFeePayer"])
}

func fakePayload(_ requirements: PaymentRequirements = fakeRequirements(), signature: String? = nil) -> PaymentPayload {
    PaymentPayload(payload: ["signature": .string(signature ?? "sig-\(requirements.amount)")], accepted: requirements,
                   resource: ResourceInfo(url: "https://api.example.com/paid"))
}
