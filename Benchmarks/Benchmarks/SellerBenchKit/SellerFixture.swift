import Foundation
import HTTPTypes
import Synchronization
import X402BatchSettlement
import X402BatchSettlementServer
import X402Core
import X402EVM
import X402JSON

/// The seller of the seller benchmarks (after Tests/X402BatchSettlementServerTests/ServerSchemeSupport.swift): the
/// batch-settlement scheme over an in-memory storage holding `channelCount` synced channels, on an
/// `X402HTTPResourceServer` pricing `GET /paid` at $0.001 (1000 atomic USDC on Base Sepolia), and pre-signed
/// cumulative vouchers for every channel.
///
/// The facilitator is a stub that only answers `/supported` (advertising the receiver authorizer): vouchers on
/// synced channels verify locally and commit without it, and it counts any other call so a benchmark can fail
/// when the fast path left the process.
package final class SellerFixture: Sendable {
    package static let network: Network = "eip155:84532"
    package static let domain = BatchSettlementDomain(chainId: 84532)
    package static let usdc = try! Address(hex: "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
    package static let payTo = try! Address(hex: "0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70")
    package static let authorizerKeyHex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
    package static let authorizerKey = try! PrivateKey(hex: authorizerKeyHex)
    package static let payerKey = try! PrivateKey(hex: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6")
    package static let price: UInt128 = 1000
    package static let withdrawDelay: UInt64 = 900
    /// The mirrored balance of every channel: more than any run signs.
    package static let balance: UInt128 = 1_000_000_000_000

    /// The 402's requirement as a client would see it (the `accepted` of every payload).
    package static let requirement = PaymentRequirements(
        scheme: "batch-settlement", network: network, asset: usdc.checksummed, amount: String(price),
        payTo: payTo.checksummed, maxTimeoutSeconds: 300,
        extra: ["name": "USDC", "version": "2", "receiverAuthorizer": .string(authorizerKey.address.checksummed),
                "withdrawDelay": .number(JSONNumber(withdrawDelay)), "minDeposit": .string(String(price * 10))])

    package let storage = InMemoryChannelStorage()
    package let facilitator = StubFacilitator(authorizer: SellerFixture.authorizerKey.address)
    package let scheme: BatchSettlementServerScheme
    package let http: X402HTTPResourceServer
    package let configs: [ChannelConfig]
    package let channelIds: [Bytes32]

    /// A seller with `channelCount` channels (salts 1…channelCount of one payer), initialized and seeded.
    package init(channelCount: Int) async throws {
        var configuration = BatchSettlementServerConfiguration()
        configuration.receiverAuthorizerKey = Self.authorizerKey
        scheme = BatchSettlementServerScheme(storage: storage, configuration: configuration)
        let server = X402ResourceServer(facilitator: facilitator)
        server.register(scheme, for: "eip155:*")
        http = X402HTTPResourceServer(server: server, routes: try RouteTable([("GET /paid", RouteConfig(accepts: [Self.option]))]))
        try await http.initialize()
        configs = Self.channelConfigs(count: channelCount)
        channelIds = configs.map { $0.channelId(in: Self.domain) }
        try await reset()
        // The route's own 402 must be what the vouchers are signed against.
        guard case .paymentRequired(let response) = await http.processRequest(Self.request(path: "/paid")),
              let header = response.headerFields[.paymentRequired],
              // Byte for byte, key order included: a client echoes the 402's requirement as it was written.
              try HeaderCodec.decodePaymentRequired(header).accepts.map({ try X402JSON.encode($0) }) == [try X402JSON.encode(Self.requirement)] else {
            throw BenchError("the seller's 402 differs from SellerFixture.requirement")
        }
    }

    package static var option: PaymentOption {
        PaymentOption(scheme: "batch-settlement", price: .money(.string("$0.001")), network: network, payTo: payTo.checksummed)
    }

    package static func channelConfigs(count: Int) -> [ChannelConfig] {
        (1...count).map { salt in
            ChannelConfig(payer: payerKey.address, payerAuthorizer: payerKey.address, receiver: payTo,
                          receiverAuthorizer: authorizerKey.address, token: usdc, withdrawDelay: withdrawDelay,
                          salt: Bytes32(0, 0, 0, UInt64(salt)))
        }
    }

    /// Puts every channel back to its seeded record: nothing charged, mirrored state fresh as of now.
    package func reset() async throws {
        let now = BatchSettlementServerScheme.systemMilliseconds()
        for (config, id) in zip(configs, channelIds) {
            let seeded = SellerChannel(channelId: id, config: config, balance: Self.balance, onchainSyncedAt: now,
                                       lastRequestTimestamp: now)
            try await storage.update(id) { $0 = seeded }
        }
    }

    /// `GET path` as the HTTP layer sees it (HTTP/1 moves `Host` into the authority).
    package static func request(path: String, paymentSignature: String? = nil) -> HTTPRequest {
        var request = HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1", path: path)
        if let paymentSignature { request.headerFields[.paymentSignature] = paymentSignature }
        return request
    }

    /// The `k`-th voucher (cumulative `(k+1) × price`, k from 0) of `config`, as a `PAYMENT-SIGNATURE` value and
    /// its signature (the recovery baseline recovers the same signatures).
    package static func voucher(_ config: ChannelConfig, _ k: Int, accepted: PaymentRequirements = requirement) throws
        -> (header: String, digest: Bytes32, signature: Signature) {
        let id = config.channelId(in: domain)
        let m = UInt128(k + 1) * price
        let digest = Voucher(channelId: id, maxClaimableAmount: m).digest(in: domain)
        let signature = payerKey.sign(digest: digest)
        let payload = BatchSettlementPayload.voucher(VoucherPayload(
            channelConfig: config,
            voucher: SignedVoucher(channelId: id, maxClaimableAmount: TokenAmount128(m), signature: HexBytes(signature.bytes))))
        let header = try HeaderCodec.encodePaymentSignature(PaymentPayload(payload: payload.jsonObject(), accepted: accepted))
        return (header, digest, signature)
    }

    /// `perChannel` vouchers of each channel: `[channel][k]`.
    package func vouchers(perChannel: Int, accepted: PaymentRequirements = requirement) throws
        -> [[(header: String, digest: Bytes32, signature: Signature)]] {
        try Self.vouchers(configs, perChannel: perChannel, accepted: accepted)
    }

    /// `perChannel` vouchers of each of `configs`: `[channel][k]` (what a client of a seller process signs).
    package static func vouchers(_ configs: [ChannelConfig], perChannel: Int, accepted: PaymentRequirements = requirement) throws
        -> [[(header: String, digest: Bytes32, signature: Signature)]] {
        try configs.map { config in try (0..<perChannel).map { try voucher(config, $0, accepted: accepted) } }
    }

    /// The channels as the Python seller seeds them (Benchmarks/python/fastapi_seller.py).
    package static func pythonSeed(_ configs: [ChannelConfig]) -> JSONValue {
        let channelIds = configs.map { $0.channelId(in: domain) }
        return .object([
            "network": .string(network.rawValue),
            "payTo": .string(payTo.checksummed),
            "asset": .string(usdc.checksummed),
            "price": "$0.001",
            "receiverAuthorizerKey": .string(authorizerKeyHex),
            "withdrawDelay": .number(JSONNumber(withdrawDelay)),
            "balance": .string(String(balance)),
            "channels": .array(zip(configs, channelIds).map { config, id in
                .object([
                    "channelId": .string(id.hex),
                    "payer": .string(config.payer.checksummed),
                    "payerAuthorizer": .string(config.payerAuthorizer.checksummed),
                    "receiver": .string(config.receiver.checksummed),
                    "receiverAuthorizer": .string(config.receiverAuthorizer.checksummed),
                    "token": .string(config.token.checksummed),
                    "withdrawDelay": .number(JSONNumber(config.withdrawDelay)),
                    "salt": .string(config.salt.hex),
                ])
            }),
        ])
    }
}

/// A facilitator that only answers `/supported`; `/verify` and `/settle` count and fail (the local fast path must
/// not reach them).
package final class StubFacilitator: FacilitatorClient {
    package let authorizer: Address
    package let remoteCalls = Atomic<Int>(0)

    package init(authorizer: Address) { self.authorizer = authorizer }

    package func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> VerifyResponse {
        remoteCalls.add(1, ordering: .relaxed)
        throw BenchError("the stub facilitator does not verify")
    }

    package func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> SettleResponse {
        remoteCalls.add(1, ordering: .relaxed)
        throw BenchError("the stub facilitator does not settle")
    }

    package func supported() async throws -> SupportedResponse {
        SupportedResponse(kinds: [SupportedKind(scheme: "batch-settlement", network: SellerFixture.network,
                                                extra: ["receiverAuthorizer": .string(authorizer.checksummed)])])
    }
}

/// Seconds of a duration, as a Double.
package func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// A benchmark's own failure.
package struct BenchError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
