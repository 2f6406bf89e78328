import ArgumentParser
import AsyncHTTPClient
import Logging
import NIOCore
import X402AsyncHTTPClient
import X402BatchSettlement
import X402BatchSettlementClient
import X402Core
import X402EVM
import X402EVMRPC
import X402Exact
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What every payer command needs: the wallet (and an optional session key), the chain, the channel state.
struct BuyerOptions: ParsableArguments {
    @Option(help: "File with the wallet's private key (hex); default EVM_PRIVATE_KEY.")
    var keyFile: String?

    @Option(help: "JSON-RPC URL (recovery from chain, corrective 402 checks); default X402_RPC_URL.")
    var rpcURL: String?

    @Option(help: "Directory of the client channel state (survives runs; batch-settlement only).")
    var stateDir = "x402-buyer-data"

    @Option(help: "Refuse any payment above this many atomic units.")
    var maxPerPayment: String?

    @Option(help: "Refuse deposits that would take a channel above this many atomic units in total.")
    var maxDepositPerChannel: String?

    /// What every payer scheme shares, read once: the wallet key, the chain reader of `--rpc-url` (or X402_RPC_URL) and
    /// a clock aligned with that chain (the wall clock without one).
    struct Access {
        let wallet: PrivateKey
        let reader: RPCChannelChainReader?
        let clock: (@Sendable () -> UInt64)?
    }

    func access(logger: Logger) async throws -> Access {
        let reader = (rpcURL ?? environment("X402_RPC_URL"))
            .map { RPCChannelChainReader(rpc: RPCClient(url: $0, logger: logger), network: "eip155:84532") }
        return Access(wallet: try walletKey(file: keyFile), reader: reader, clock: try await reader?.chainAlignedClock())
    }

    /// The batch-settlement scheme over the state directory (opened on first use).
    func scheme(_ access: Access, logger: Logger) throws -> (BatchSettlementClientScheme, LazyFileClientChannelStorage) {
        // A session key signs the vouchers (it becomes the channel's payerAuthorizer); the wallet only deposits.
        let session = try environment("EVM_VOUCHER_SIGNER_PRIVATE_KEY").map { try PrivateKey(hex: $0) }
        let storage = LazyFileClientChannelStorage(directory: stateDir)
        var configuration = BatchSettlementClientConfiguration()
        configuration.limits = try limits()
        if let clock = access.clock { configuration.clock = clock }
        let scheme = try BatchSettlementClientScheme(
            wallet: PrivateKeySigner(access.wallet), voucherSigner: session.map { PrivateKeySigner($0) }, storage: storage,
            chainReader: access.reader, configuration: configuration, logger: logger)
        return (scheme, storage)
    }

    /// The spending flags, shared by both schemes (`exact` has no deposits, so only `--max-per-payment` bites there).
    func limits() throws -> SpendingLimits {
        SpendingLimits(maxPerPayment: try maxPerPayment.map(Self.amount),
                       maxDepositPerChannel: try maxDepositPerChannel.map(Self.amount))
    }

    /// The `exact` scheme: the wallet key and the spending limits; no state directory. With an RPC URL its clock is
    /// chain-aligned (so `validBefore` holds on a node whose clock leads), else the wall clock.
    func exactScheme(_ access: Access) throws -> ExactClientScheme {
        var configuration = ExactClientConfiguration(limits: try limits())
        if let clock = access.clock { configuration.clock = clock }
        return ExactClientScheme(wallet: PrivateKeySigner(access.wallet), configuration: configuration)
    }

    static func amount(_ text: String) throws -> UInt128 {
        guard let value = UInt128(text) else { throw ValidationError("'\(text)' is not an atomic amount") }
        return value
    }
}

/// Which scheme(s) `x402 pay` may pay with.
enum PayScheme: String, CaseIterable, ExpressibleByArgument {
    /// A payment channel (deposit once, then vouchers); needs the state directory.
    case batchSettlement = "batch-settlement"
    /// One ERC-3009 transfer per request; needs only the wallet key.
    case exact
    /// Both registered: batch-settlement when offered, else exact; exact too when batch-settlement refuses.
    case auto

    /// The selection policy of the client: `auto` prefers batch-settlement and falls back to exact.
    var policy: PaymentSelectionPolicy {
        switch self {
        case .auto: PaymentSelectionPolicy(preferredSchemes: [BatchSettlement.scheme, Exact.scheme],
                                           fallBackWhenSchemeRefuses: true)
        case .batchSettlement, .exact: PaymentSelectionPolicy()
        }
    }
}

/// `x402 pay URL`: one paid request; the body on stdout, the payment response on stderr.
struct PayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pay",
        abstract: "Make one paid request (batch-settlement or exact): prints the body, and the payment response on stderr.",
        discussion: """
            Keys: EVM_PRIVATE_KEY (or --key-file); EVM_VOUCHER_SIGNER_PRIVATE_KEY for a batch-settlement session key. \
            --scheme auto (default) pays with a channel when the seller offers batch-settlement, else with exact, and \
            with exact when the channel refuses (e.g. --max-deposit-per-channel); the state directory is created only \
            when a channel is used.
            """)

    @Argument(help: "The URL.")
    var url: String

    @Option(help: "HTTP method.")
    var method = "GET"

    @Option(help: "Request body.")
    var data: String?

    @Option(help: "The scheme to pay with: batch-settlement, exact, or auto (batch-settlement when offered, else exact).")
    var scheme: PayScheme = .auto

    @OptionGroup var buyer: BuyerOptions

    func run() async throws {
        var logger = Logger(label: "x402.pay")
        logger.logLevel = Logger.Level(rawValue: environment("X402_LOG_LEVEL") ?? "warning") ?? .warning
        let client = X402Client(policy: scheme.policy)
        var storage: LazyFileClientChannelStorage?
        let access = try await buyer.access(logger: logger)
        if scheme != .exact {
            let (batch, channels) = try buyer.scheme(access, logger: logger)
            client.register(batch, for: .family("eip155"))
            storage = channels
        }
        if scheme != .batchSettlement { client.register(try buyer.exactScheme(access), for: .family("eip155")) }
        let paying = X402PayingHTTPClient(client: client, logger: logger)
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method.uppercased())
        if let data { request.body = .bytes(ByteBuffer(string: data)) }
        let response = try await paying.execute(request, timeout: .seconds(120))
        FileHandleOutput.write(Array(response.body.readableBytesView))
        if let settle = response.settleResponse {
            FileHandleOutput.writeError("PAYMENT-RESPONSE " + ((try? X402JSON.encodeString(settle)) ?? "") + "\n")
        }
        FileHandleOutput.writeError("HTTP \(response.status.code)\n")
        await storage?.close()
        if response.status.code >= 400 { throw ExitCode(1) }
    }
}

/// `x402 refund URL [--amount N]`: asks the seller to return a channel's unspent balance.
struct RefundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refund",
        abstract: "Ask the seller at URL for a cooperative refund of the channel's unspent balance (all, or --amount).")

    @Argument(help: "A paid URL of the seller.")
    var url: String

    @Option(help: "Atomic units to refund (default: everything not yet charged).")
    var amount: String?

    @OptionGroup var buyer: BuyerOptions

    func run() async throws {
        var logger = Logger(label: "x402.refund")
        logger.logLevel = Logger.Level(rawValue: environment("X402_LOG_LEVEL") ?? "warning") ?? .warning
        let (scheme, storage) = try buyer.scheme(try await buyer.access(logger: logger), logger: logger)
        let settled = try await scheme.refund(url: url, amount: try amount.map(BuyerOptions.amount),
                                              transport: asyncHTTPRefundTransport(timeout: .seconds(120)))
        print("refunded \(settled.amount ?? "") transaction \(settled.transaction)")
        await storage.close()
    }
}

/// Raw bytes to stdout / stderr (bodies need not be text).
enum FileHandleOutput {
    static func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }

    static func writeError(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
