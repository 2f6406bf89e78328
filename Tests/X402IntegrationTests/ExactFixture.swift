import Testing
import X402Core
import X402EVM
import X402EVMMechanisms
import X402EVMRPC
import X402EVMRelayer
import X402Exact
import X402ExactFacilitator
import X402Testing

/// An `exact` facilitator on the devnet with its own fresh relayer key (no nonce shared with other fixtures), and
/// a fresh payer holding test USDC.
struct ExactFixture {
    static let chainId: UInt64 = 84532
    static let network: Network = .eip155(chainId)

    let rpc: RPCClient
    let journal: any TransactionJournal
    let relayerKey: PrivateKey
    let relayer: Relayer
    let facilitator: ExactFacilitator
    let registry: X402Facilitator
    let payer: PrivateKey

    /// `rpcURL` other than the devnet's: a proxy in front of it (the relayer talks through it; setup does not).
    init(rpcURL: String? = nil, journal: any TransactionJournal = InMemoryTransactionJournal(), receiptTimeout: Duration = .seconds(20),
         payerFunds: UInt64 = 1_000_000_000) async throws {
        rpc = try await TestDevnet.client()
        self.journal = journal
        relayerKey = Self.randomKey()
        try await rpc.devnetSetBalance(relayerKey.address, UInt256(UInt64(1_000_000_000_000_000_000)))
        payer = Self.randomKey()
        if payerFunds > 0 {
            _ = try await rpc.request("devnet_mint", [.string(Devnet.testUSDC.lowercased), .string(payer.address.lowercased),
                                                      .string("0x" + String(payerFunds, radix: 16))])
        }
        let relayerRPC = rpcURL.map { RPCClient(url: $0, timeout: .seconds(3)) } ?? rpc
        relayer = Relayer(rpc: relayerRPC, keys: [relayerKey], journal: journal,
                          configuration: RelayerConfiguration(chainId: Self.chainId, receiptTimeout: receiptTimeout))
        facilitator = ExactFacilitator(relayer: relayer, configuration: ExactFacilitatorConfiguration(chainId: Self.chainId))
        registry = X402Facilitator().register(facilitator, networks: [Self.network])
    }

    static func randomKey() -> PrivateKey {
        var g = SystemRandomNumberGenerator()
        while true {
            if let key = try? PrivateKey(Bytes32(g.next(), g.next(), g.next(), g.next()).bytes) { return key }
        }
    }

    static func requirements(payTo: Address, amount: String = "10000", asset: Address = Devnet.testUSDC,
                             extra: JSONObject = ["name": "USDC", "version": "2"]) -> PaymentRequirements {
        PaymentRequirements(scheme: Exact.scheme, network: network, asset: asset.checksummed, amount: amount, payTo: payTo.checksummed,
                            maxTimeoutSeconds: 300, extra: extra)
    }

    /// Unix seconds on the chain's clock (the devnet's clock may run ahead of the wall clock).
    func now() async throws -> UInt64 {
        guard let head = try await rpc.getBlockByNumber(.latest) else { throw FixtureError(description: "no latest block") }
        return max(head.timestamp, WallClock.seconds())
    }

    /// An authorization from `from` (default the payer) to `payTo`, valid from `validAfter` (0) until `validBefore`
    /// (default an hour after `now`, the chain's clock).
    func authorization(now: UInt64, to payTo: Address, value: UInt256 = 10000, from: Address? = nil, validAfter: UInt64 = 0,
                       validBefore: UInt64? = nil) -> TransferWithAuthorization {
        TransferWithAuthorization(from: from ?? payer.address, to: payTo, value: value, validAfter: UInt256(validAfter),
                                  validBefore: UInt256(validBefore ?? now + 3600), nonce: ExactClientScheme.randomNonce())
    }

    /// The payment for `auth`, signed by `signer` (default the payer) on `token`'s domain (default the test USDC) named
    /// `name`.
    func payment(_ auth: TransferWithAuthorization, signer: PrivateKey? = nil, name: String = "USDC",
                 token: Address = Devnet.testUSDC, accepted: PaymentRequirements) -> PaymentPayload {
        let domain = ERC3009Domain(name: name, version: "2", chainId: Self.chainId, token: token)
        let signature = (signer ?? payer).sign(digest: auth.digest(in: domain))
        return PaymentPayload(payload: ExactPayload(authorization: auth, signature: signature.bytes).jsonObject, accepted: accepted)
    }

    func tokenBalance(_ account: Address) async throws -> UInt256 {
        let data = try await rpc.call(CallRequest(to: Devnet.testUSDC, data: try TokenABI.balanceOf.encodeCall([.address(account)])))
        return try #require(try TokenABI.balanceOf.decodeOutput(data).first?.asUInt256)
    }
}
