import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import Testing
import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMRPC
import X402EVMRelayer
import X402Testing

/// Starts `process` running `executable ARGUMENTS` with this process's environment changed by `environment` (a nil
/// value removes the variable) and stderr discarded; returns the first line it prints on stdout (nil: it exited first).
///
/// `X402_DATABASE_URL` is always removed: state goes to the test's directories, and a shared PostgreSQL journal would
/// mix relayer nonces across devnets.
func startChild(_ process: Process, _ executable: String, _ arguments: [String], environment: [String: String?]) throws -> String? {
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["X402_DATABASE_URL"] = nil
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    var line = [UInt8]()
    while true {
        guard let b = out.fileHandleForReading.readData(ofLength: 1).first else { return nil }
        if b == UInt8(ascii: "\n") { break }
        line.append(b)
    }
    return String(decoding: line, as: UTF8.self)
}

/// Runs `x402 ARGUMENTS` to completion with this process's environment changed by `environment` (a nil value removes
/// the variable); returns the exit status, stdout and stderr.
func runX402(_ arguments: [String], environment: [String: String?]) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: ListeningProcess.binary)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// An `x402` subcommand started as a real process that prints `listening URL` once ready.
final class ListeningProcess: @unchecked Sendable {
    static var binary: String { FacilitatorProcess.binary }

    let process = Process()
    let url: String

    init(_ arguments: [String], environment extra: [String: String]) throws {
        var env: [String: String?] = ["X402_LOG_LEVEL": "warning"]
        for (k, v) in extra { env[k] = v }
        guard let text = try startChild(process, Self.binary, arguments, environment: env) else {
            throw FixtureError(description: "x402 \(arguments.first ?? "") exited before listening")
        }
        guard text.hasPrefix("listening ") else { throw FixtureError(description: "unexpected first line \(text)") }
        url = String(text.dropFirst("listening ".count))
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then waits; returns the exit status.
    @discardableResult
    func terminate() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// A seller on the devnet: our facilitator and `x402 serve` as real processes in front of a loopback upstream.
///
/// Keys: facilitator relayer = dev account #4, its authorizer #6; the seller's own authorizer #7; payers are #3
/// (and #2 for a second one).
final class SellerStack: @unchecked Sendable {
    static let sellerAuthorizer = Devnet.accounts[7].privateKey

    let rpc: RPCClient
    let rpcURL: String
    let directory: String
    let facilitator: ListeningProcess
    let upstream: LoopbackHTTPServer
    let payTo: Address
    var seller: ListeningProcess?

    /// The upstream answers `/weather` with JSON, `/dynamic` with a 50% `Settlement-Overrides`, `/slow` after
    /// `slowSeconds`, and `/broken` with a 500.
    ///
    /// With `sellerSecret` the facilitator signs claims and refunds only for that API key, which owns `payTo`;
    /// without it, for anyone.
    init(receiverSeed: UInt64, slowSeconds: Double = 0.4, sellerSecret: String? = nil) async throws {
        rpc = try await TestDevnet.client()
        rpcURL = try await Devnet.shared().url
        directory = NSTemporaryDirectory() + "x402-seller-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let payTo = freshReceiver(receiverSeed)
        self.payTo = payTo
        var env = ["X402_RELAYER_KEYS": Devnet.accounts[4].privateKeyHex, "X402_AUTHORIZER_KEY": Devnet.accounts[6].privateKeyHex]
        var signing = ["--allow-unauthenticated-signing"]
        if let sellerSecret {
            env["X402_API_KEYS"] = #"[{"id":"seller","secret":"\#(sellerSecret)","receivers":["\#(payTo.checksummed)"]}]"#
            signing = []
        }
        facilitator = try ListeningProcess(
            ["facilitator", "--rpc-url", rpcURL, "--network", "eip155:84532", "--port", "0", "--data-dir", directory + "/facilitator",
             "--receipt-timeout", "30", "--rate-limit", "0"] + signing,
            environment: env)
        upstream = try LoopbackHTTPServer { request in
            switch request.path {
            case "/dynamic": return .init(body: Array(#"{"tier":"half"}"#.utf8), headers: [("Settlement-Overrides", #"{"amount":"50%"}"#)])
            case "/slow": return .init(body: Array(#"{"slow":true}"#.utf8), delay: slowSeconds)
            case "/broken": return .init(status: 500, body: Array(#"{"error":"boom"}"#.utf8))
            default: return .init(body: Array(#"{"weather":"sunny"}"#.utf8))
            }
        }
        if try await tokenBalance(Devnet.accounts[3].address) < UInt256(1_000_000_000) {
            _ = try await rpc.request("devnet_mint", [.string(Devnet.testUSDC.lowercased), .string(Devnet.accounts[3].address.lowercased),
                                                      .string("0xe8d4a51000")])
        }
    }

    /// Starts `x402 serve` (routes priced 1000 atomic units, `/dynamic` and `/slow` too) with `storage`.
    @discardableResult
    func startSeller(storage: String? = nil, extra: [String] = [], ownKey: Bool = true,
                     environment: [String: String] = [:]) throws -> ListeningProcess {
        var env = environment
        if ownKey { env["X402_AUTHORIZER_KEY"] = Self.sellerAuthorizer.privateKeyHexForTests }
        let process = try ListeningProcess(
            ["serve", "--upstream", upstream.url, "--facilitator", facilitator.url, "--pay-to", payTo.checksummed,
             "--network", "eip155:84532", "--port", "0", "--storage", storage ?? "file:\(directory)/seller",
             "--route", "GET /weather=$0.001", "--route", "GET /dynamic=$0.001", "--route", "GET /slow=$0.001",
             "--route", "GET /broken=$0.001", "--claim-interval", "0", "--settle-interval", "0"] + extra,
            environment: env)
        seller = process
        return process
    }

    func cleanup() {
        seller?.kill9()
        facilitator.kill9()
        upstream.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func onchainChannel(_ config: ChannelConfig) async throws -> OnchainChannel {
        let data = try await rpc.call(CallRequest(to: BatchSettlement.settlementAddress,
                                                  data: try BatchSettlementCalldata.channels(channelId: config.channelId(chainId: 84532))))
        return try BatchSettlementCalldata.decodeChannel(data)
    }

    func tokenBalance(_ account: Address) async throws -> UInt256 {
        let data = try await rpc.call(CallRequest(to: Devnet.testUSDC, data: try BatchSettlementCalldata.balanceOf(account)))
        return try BatchSettlementCalldata.decodeUInt256(data)
    }

    func receiverTotals() async throws -> ReceiverTotals {
        let data = try await rpc.call(CallRequest(to: BatchSettlement.settlementAddress,
                                                  data: try BatchSettlementCalldata.receivers(receiver: payTo, token: Devnet.testUSDC)))
        return try BatchSettlementCalldata.decodeReceiverTotals(data)
    }

    /// Runs `x402 channels ARGS` against this stack's facilitator and seller storage; returns stdout.
    func channels(_ arguments: [String], storage: String? = nil, ownKey: Bool = true,
                  environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        var env: [String: String?] = ["X402_LOG_LEVEL": "warning"]
        if ownKey { env["X402_AUTHORIZER_KEY"] = Self.sellerAuthorizer.privateKeyHexForTests }
        for (k, v) in environment { env[k] = v }
        let run = try runX402(["channels"] + arguments + ["--facilitator", facilitator.url, "--pay-to", payTo.checksummed,
                                                           "--network", "eip155:84532", "--storage", storage ?? "file:\(directory)/seller"],
                              environment: env)
        return (run.status, run.out)
    }
}

extension SellerStack {
    /// Runs a buyer command (`x402 pay|refund|wallet|withdraw ARGS`) on this stack's chain with its state in
    /// `DIRECTORY/buyer`; keys come through `environment`, never argv. Returns the exit status, stdout and stderr.
    func buyerCommand(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, out: String, err: String) {
        var env: [String: String?] = ["X402_DATABASE_URL": nil]
        for (k, v) in environment { env[k] = v }
        return try runX402(arguments + ["--state-dir", directory + "/buyer", "--rpc-url", rpcURL], environment: env)
    }

    /// The payer's token balance and a channel's on-chain state, to show that a refused payment changed nothing.
    func payerState(_ payer: Address, _ config: ChannelConfig) async throws -> PayerChainState {
        PayerChainState(tokens: try await tokenBalance(payer), channel: try await onchainChannel(config))
    }
}

/// A payer's token balance and one of its channels on chain.
struct PayerChainState: Equatable {
    var tokens: UInt256
    var channel: OnchainChannel
}

extension PrivateKey {
    /// The key as hex, for handing it to a child process through its environment (tests only).
    var privateKeyHexForTests: String { Devnet.accounts.first { $0.address == address }!.privateKeyHex }
}

/// An HTTP answer as the buyer sees it.
struct PaidAnswer {
    var status: UInt
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    var paymentRequired: PaymentRequired? { header("PAYMENT-REQUIRED").flatMap { try? HeaderCodec.decodePaymentRequired($0) } }
    var paymentResponse: SettleResponse? { header("PAYMENT-RESPONSE").flatMap { try? HeaderCodec.decodePaymentResponse($0) } }
}

/// A buyer that speaks batch-settlement by hand: reads the 402, deposits with ERC-3009, signs cumulative vouchers.
final class TestBuyer: @unchecked Sendable {
    let key: PrivateKey
    let config: ChannelConfig
    let requirement: PaymentRequirements
    /// What the buyer believes the seller has charged so far.
    var charged: UInt128 = 0

    /// Probes `url` for its 402 and builds the channel config from it.
    init(url: String, key: PrivateKey = Devnet.accounts[3].privateKey, salt: UInt64) async throws {
        self.key = key
        let probe = try await Self.get(url)
        guard probe.status == 402, let required = probe.paymentRequired, let r = required.accepts.first else {
            throw FixtureError(description: "no 402 from \(url): \(probe.status)")
        }
        requirement = r
        let extra = try BatchSettlementRequirementsExtra(extra: r.extra)
        config = ChannelConfig(payer: key.address, payerAuthorizer: key.address, receiver: try Address(hex: r.payTo),
                               receiverAuthorizer: extra.receiverAuthorizer, token: try Address(hex: r.asset),
                               withdrawDelay: extra.withdrawDelay, salt: Bytes32(0, 0, 0, salt))
    }

    var channelId: Bytes32 { config.channelId(chainId: 84532) }
    var price: UInt128 { UInt128(requirement.amount)! }

    func voucher(_ m: UInt128) -> SignedVoucher {
        let sig = key.sign(digest: Voucher(channelId: channelId, maxClaimableAmount: m).digest(chainId: 84532))
        return SignedVoucher(channelId: channelId, maxClaimableAmount: TokenAmount128(m), signature: HexBytes(sig.bytes))
    }

    /// The next voucher; `otherV` flips its recovery id (27 ↔ 28): the same (r, s), recovering another key.
    func voucherPayload(_ m: UInt128? = nil, otherV: Bool = false) -> BatchSettlementPayload {
        var signed = voucher(m ?? charged + price)
        if otherV { signed.signature.bytes[64] = signed.signature.bytes[64] == 27 ? 28 : 27 }
        return .voucher(VoucherPayload(channelConfig: config, voucher: signed))
    }

    func depositPayload(_ amount: UInt128, rpc: RPCClient) async throws -> BatchSettlementPayload {
        let head = try #require(try await rpc.getBlockByNumber(.latest))
        let before = max(head.timestamp, WallClock.seconds()) + 3600
        let salt = Bytes32(0, 0, UInt64.random(in: 1...UInt64.max), before)
        let auth = ReceiveWithAuthorization(from: config.payer, to: BatchSettlement.erc3009CollectorAddress, value: UInt256(amount),
                                            validAfter: .zero, validBefore: UInt256(before),
                                            nonce: BatchSettlement.erc3009DepositNonce(channelId: channelId, salt: salt))
        let sig = key.sign(digest: auth.digest(in: ERC3009Domain(name: "USDC", version: "2", chainId: 84532, token: config.token)))
        let erc3009 = ERC3009Authorization(validAfter: .zero, validBefore: TokenAmount(UInt256(before)), salt: salt, signature: HexBytes(sig.bytes))
        return .deposit(DepositPayload(channelConfig: config, voucher: voucher(charged + price),
                                       deposit: DepositFields(amount: TokenAmount128(amount), authorization: .erc3009(erc3009))))
    }

    func header(_ payload: BatchSettlementPayload) -> String {
        try! HeaderCodec.encodePaymentSignature(PaymentPayload(payload: payload.jsonObject(), accepted: requirement))
    }

    /// Sends `payload` to `url`; on success adds the seller's `chargedAmount` to `charged`.
    @discardableResult
    func pay(_ url: String, _ payload: BatchSettlementPayload) async throws -> PaidAnswer {
        let answer = try await Self.get(url, headers: [("PAYMENT-SIGNATURE", header(payload))])
        if answer.status == 200, let response = answer.paymentResponse, response.success,
           case .string(let text)? = response.extra?["chargedAmount"], let amount = UInt128(text) {
            charged += amount
        }
        return answer
    }

    static func get(_ url: String, headers: [(String, String)] = []) async throws -> PaidAnswer {
        var request = HTTPClientRequest(url: url)
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 20)
        return PaidAnswer(status: response.status.code, headers: response.headers.map { ($0.name, $0.value) },
                          body: Array(body.readableBytesView))
    }
}
