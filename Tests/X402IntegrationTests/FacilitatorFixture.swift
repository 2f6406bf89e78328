import Logging
import Testing
import X402BatchSettlement
import X402BatchSettlementFacilitator
import X402Core
import X402EVM
import X402EVMRPC
import X402EVMRelayer
import X402Testing

/// A batch-settlement facilitator on the devnet, and a payer that builds real signed payloads.
///
/// Keys: relayer = dev account #5, receiver authorizer = #6, payer = #3, receivers are fresh addresses
/// per test (so receiver totals never mix).
struct FacilitatorFixture {
    static let chainId: UInt64 = 84532
    static let network: Network = .eip155(chainId)
    static let relayerKey = Devnet.accounts[5].privateKey
    static let authorizerKey = Devnet.accounts[6].privateKey
    static let payerKey = Devnet.accounts[3].privateKey

    let rpc: RPCClient
    let journal: any TransactionJournal
    let relayer: Relayer
    let facilitator: BatchSettlementFacilitator
    let registry: X402Facilitator

    /// Wraps parts made elsewhere (e.g. a relayer behind a proxy).
    init(rpc: RPCClient, journal: any TransactionJournal, relayer: Relayer, facilitator: BatchSettlementFacilitator) {
        self.rpc = rpc
        self.journal = journal
        self.relayer = relayer
        self.facilitator = facilitator
        self.registry = X402Facilitator().register(facilitator, networks: [Self.network])
    }

    init(journal: any TransactionJournal = InMemoryTransactionJournal(), relayerKeys: [PrivateKey] = [Self.relayerKey],
         receiptTimeout: Duration = .seconds(20), maxBlockGasPercent: UInt64 = 90,
         now: (@Sendable () -> UInt64)? = nil) async throws {
        rpc = try await TestDevnet.client()
        self.journal = journal
        relayer = Relayer(rpc: rpc, keys: relayerKeys, journal: journal,
                          configuration: RelayerConfiguration(chainId: Self.chainId, maxBlockGasPercent: maxBlockGasPercent,
                                                              receiptTimeout: receiptTimeout))
        var configuration = BatchSettlementFacilitatorConfiguration(chainId: Self.chainId, authorizerKey: Self.authorizerKey)
        if let now { configuration.now = now }
        facilitator = BatchSettlementFacilitator(relayer: relayer, configuration: configuration)
        registry = X402Facilitator().register(facilitator, networks: [Self.network])
        if try await tokenBalance(Self.payerKey.address) < UInt256(1_000_000_000) {
            _ = try await rpc.request("devnet_mint", [.string(Devnet.testUSDC.lowercased), .string(Self.payerKey.address.lowercased),
                                                      .string("0xe8d4a51000")])  // 10^12
        }
    }

    /// A channel from the payer to `receiver`, delegating receiver authorization to the facilitator.
    static func channel(receiver: Address, salt: UInt64, payerAuthorizer: Address? = nil, withdrawDelay: UInt64 = 900) -> ChannelConfig {
        ChannelConfig(payer: payerKey.address, payerAuthorizer: payerAuthorizer ?? payerKey.address, receiver: receiver,
                      receiverAuthorizer: authorizerKey.address, token: Devnet.testUSDC, withdrawDelay: withdrawDelay,
                      salt: Bytes32(0, 0, 0, salt))
    }

    static func requirements(receiver: Address, amount: UInt128 = 1000, extra: JSONObject? = nil) -> PaymentRequirements {
        PaymentRequirements(scheme: BatchSettlement.scheme, network: network, asset: Devnet.testUSDC.checksummed,
                            amount: String(amount), payTo: receiver.checksummed, maxTimeoutSeconds: 300,
                            extra: extra ?? ["name": "USDC", "version": "2", "receiverAuthorizer": .string(authorizerKey.address.checksummed),
                                             "withdrawDelay": 900])
    }

    static func voucher(_ config: ChannelConfig, _ max: UInt128, key: PrivateKey = payerKey) -> SignedVoucher {
        let id = config.channelId(chainId: chainId)
        let sig = key.sign(digest: Voucher(channelId: id, maxClaimableAmount: max).digest(chainId: chainId))
        return SignedVoucher(channelId: id, maxClaimableAmount: TokenAmount128(max), signature: HexBytes(sig.bytes))
    }

    static func depositPayload(_ config: ChannelConfig, amount: UInt128, max: UInt128, validBefore: UInt64? = nil,
                               saltSeed: UInt64 = 1) -> DepositPayload {
        let id = config.channelId(chainId: chainId)
        let before = validBefore ?? (WallClock.seconds() + 3600)
        let salt = Bytes32(0, 0, saltSeed, UInt64(truncatingIfNeeded: before))
        let auth = ReceiveWithAuthorization(from: config.payer, to: BatchSettlement.erc3009CollectorAddress, value: UInt256(amount),
                                            validAfter: .zero, validBefore: UInt256(before),
                                            nonce: BatchSettlement.erc3009DepositNonce(channelId: id, salt: salt))
        let domain = ERC3009Domain(name: "USDC", version: "2", chainId: chainId, token: config.token)
        let sig = payerKey.sign(digest: auth.digest(in: domain))
        let erc3009 = ERC3009Authorization(validAfter: .zero, validBefore: TokenAmount(UInt256(before)), salt: salt,
                                           signature: HexBytes(sig.bytes))
        return DepositPayload(channelConfig: config, voucher: voucher(config, max),
                              deposit: DepositFields(amount: TokenAmount128(amount), authorization: .erc3009(erc3009)))
    }

    static func payment(_ payload: BatchSettlementPayload, _ requirements: PaymentRequirements) -> PaymentPayload {
        PaymentPayload(payload: payload.jsonObject(), accepted: requirements)
    }

    /// A server-authored job's requirement (protocol.md B.9.3).
    static func jobRequirements(receiver: Address) -> PaymentRequirements {
        PaymentRequirements(scheme: BatchSettlement.scheme, network: network, asset: Devnet.testUSDC.checksummed, amount: "0",
                            payTo: receiver.checksummed, maxTimeoutSeconds: 0, extra: [:])
    }

    /// Opens a channel with `amount` on chain through the facilitator; returns its config.
    func open(receiver: Address, salt: UInt64, amount: UInt128 = 10_000, first: UInt128 = 1000) async throws -> ChannelConfig {
        let config = Self.channel(receiver: receiver, salt: salt)
        let payload = Self.payment(.deposit(Self.depositPayload(config, amount: amount, max: first, validBefore: try await validBefore(),
                                                                saltSeed: salt)),
                                   Self.requirements(receiver: receiver))
        let response = await registry.settle(payload, requirements: Self.requirements(receiver: receiver))
        guard response.success else { throw FixtureError(description: "deposit failed: \(response)") }
        return config
    }

    /// An ERC-3009 deadline an hour past the chain's clock (the devnet's clock runs ahead of the wall clock).
    func validBefore(_ seconds: UInt64 = 3600) async throws -> UInt64 {
        let head = try #require(try await rpc.getBlockByNumber(.latest))
        return max(head.timestamp, WallClock.seconds()) + seconds
    }

    /// Runs `body` as the authenticated owner of `receivers`.
    static func asOwner<T>(of receivers: [Address], _ body: () async throws -> T) async rethrows -> T {
        try await FacilitatorCaller.$current.withValue(FacilitatorCaller(id: "test-seller", receivers: Set(receivers)), operation: body)
    }

    /// `channels(id)` read directly.
    func onchainChannel(_ config: ChannelConfig) async throws -> OnchainChannel {
        let data = try await rpc.call(CallRequest(to: BatchSettlement.settlementAddress,
                                                  data: try BatchSettlementCalldata.channels(channelId: config.channelId(chainId: Self.chainId))))
        return try BatchSettlementCalldata.decodeChannel(data)
    }

    func tokenBalance(_ account: Address) async throws -> UInt256 {
        let data = try await rpc.call(CallRequest(to: Devnet.testUSDC, data: try BatchSettlementCalldata.balanceOf(account)))
        return try BatchSettlementCalldata.decodeUInt256(data)
    }

    func receiverTotals(_ receiver: Address) async throws -> ReceiverTotals {
        let data = try await rpc.call(CallRequest(to: BatchSettlement.settlementAddress,
                                                  data: try BatchSettlementCalldata.receivers(receiver: receiver, token: Devnet.testUSDC)))
        return try BatchSettlementCalldata.decodeReceiverTotals(data)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

/// A fresh receiver address for test `n` (never a dev account).
func freshReceiver(_ n: UInt64) -> Address { Address(word: Bytes32(0, 0, 0x7EC3_1AE5, n &+ UInt64(WallClock.millis() % 1_000_000) << 20)) }

/// A salt unique to this test process and `n`.
func uniqueSalt(_ n: UInt64) -> UInt64 { WallClock.millis() << 8 | (n & 0xFF) }
