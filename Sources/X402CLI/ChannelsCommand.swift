import ArgumentParser
import Logging
import X402AsyncHTTPClient
import X402BatchSettlement
import X402BatchSettlementServer
import X402Core
import X402EVM
import X402EVMMechanisms

/// `x402 channels`: the seller operator's view of its channels, and claims, settles and refunds by hand.
struct ChannelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channels",
        abstract: "List the seller's channels; claim, settle or refund them.",
        discussion: """
            Works on the storage `x402 serve` uses (a file storage only while no seller holds it). The receiver-authorizer \
            key comes from X402_AUTHORIZER_KEY or --authorizer-key-file; without one the facilitator signs for \
            X402_FACILITATOR_API_KEY.
            """,
        subcommands: [List.self, Claim.self, Settle.self, Refund.self])

    struct Options: ParsableArguments {
        @Option(help: "Channel storage: memory, file:DIR or postgres:URL.")
        var storage = "file:x402-seller-data"

        @Option(help: "Facilitator base URL (claim, settle, refund).")
        var facilitator: String?

        @Option(help: "Receiver address.")
        var payTo: String?

        @Option(help: "CAIP-2 network.")
        var network = "eip155:84532"

        @Option(help: "Token address (default: the network's default stablecoin).")
        var token: String?

        @Option(help: "File with the receiver-authorizer key (hex).")
        var authorizerKeyFile: String?

        @Option(help: "Vouchers per claim transaction.")
        var maxClaimsPerBatch = 100

        func manager(_ background: inout [Task<Void, Never>]) async throws -> (ChannelManager, any ChannelStorage) {
            var logger = Logger(label: "x402.channels")
            logger.logLevel = Logger.Level(rawValue: environment("X402_LOG_LEVEL") ?? "warning") ?? .warning
            guard let facilitator else { throw ValidationError("--facilitator is required") }
            guard let payTo, let receiver = try? Address(hex: payTo) else { throw ValidationError("--pay-to must be an address") }
            let network = try Network(validating: network)
            let tokenAddress = try token.map { try Address(hex: $0) } ?? DefaultAssets.asset(for: network).address
            let authorizerKey = try authorizerKey(file: authorizerKeyFile)
            let client = facilitatorClient(url: facilitator, timeout: .seconds(120), logger: logger)
            let channelStorage = try await ServeCommand.openStorage(storage, logger: logger, background: &background)
            let manager = try ChannelManager(storage: channelStorage, facilitator: client, network: network, receiver: receiver,
                                             token: tokenAddress, receiverAuthorizerKey: authorizerKey,
                                             configuration: ChannelManagerConfiguration(maxClaimsPerBatch: maxClaimsPerBatch),
                                             logger: logger)
            return (manager, channelStorage)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per channel: id, payer, balance, charged, claimed, signed, last request.")

        @OptionGroup var options: Options

        func run() async throws {
            var background: [Task<Void, Never>] = []
            defer { for task in background { task.cancel() } }
            let channelStorage = try await ServeCommand.openStorage(options.storage, logger: Logger(label: "x402.channels"), background: &background)
            let channels = try await channelStorage.channels().sorted { $0.lastRequestTimestamp > $1.lastRequestTimestamp }
            print("channel payer balance charged claimed signed withdrawRequestedAt lastRequestMs")
            for c in channels {
                print("\(c.channelId.hex) \(c.config.payer.checksummed) \(c.balance) \(c.chargedCumulativeAmount) \(c.totalClaimed) "
                      + "\(c.signedMaxClaimable) \(c.withdrawRequestedAt) \(c.lastRequestTimestamp)")
            }
            if let files = channelStorage as? FileChannelStorage { await files.close() }
        }
    }

    struct Claim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Claim every charged, unclaimed voucher (or --channel ones).")

        @OptionGroup var options: Options

        @Option(name: .customLong("channel"), help: "A channel id (repeatable); default every claimable channel.")
        var channels: [String] = []

        func run() async throws {
            var background: [Task<Void, Never>] = []
            defer { for task in background { task.cancel() } }
            let (manager, storage) = try await options.manager(&background)
            let ids = try channels.map { try Bytes32(hex: $0) }
            let report = try await manager.claim(channels: ids.isEmpty ? nil : ids)
            for row in report.claimed { print("claimed \(row.channelId.hex) \(row.totalClaimed)") }
            for row in report.failed { print("failed \(row.channelId.hex) \(row.reason)") }
            for tx in report.transactions { print("transaction \(tx)") }
            if let files = storage as? FileChannelStorage { await files.close() }
            if !report.failed.isEmpty { throw ExitCode(2) }
        }
    }

    struct Settle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move the receiver's claimed funds to its wallet.")

        @OptionGroup var options: Options

        func run() async throws {
            var background: [Task<Void, Never>] = []
            defer { for task in background { task.cancel() } }
            let (manager, storage) = try await options.manager(&background)
            if let report = try await manager.settle(force: true) {
                print("settled \(report.amount) transaction \(report.transaction)")
            } else {
                print("nothing to settle")
            }
            if let files = storage as? FileChannelStorage { await files.close() }
        }
    }

    struct Refund: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Return a channel's uncharged balance to its payer (claims its charges first).")

        @OptionGroup var options: Options

        @Option(name: .customLong("channel"), help: "A channel id (repeatable).")
        var channels: [String] = []

        func run() async throws {
            guard !channels.isEmpty else { throw ValidationError("give at least one --channel") }
            var background: [Task<Void, Never>] = []
            defer { for task in background { task.cancel() } }
            let (manager, storage) = try await options.manager(&background)
            let report = try await manager.refund(channels: try channels.map { try Bytes32(hex: $0) })
            for row in report.refunded { print("refunded \(row.channelId.hex) \(row.amount) transaction \(row.transaction)") }
            for row in report.skipped { print("skipped \(row.channelId.hex) \(row.reason)") }
            for row in report.failed { print("failed \(row.channelId.hex) \(row.reason)") }
            if let files = storage as? FileChannelStorage { await files.close() }
            if !report.failed.isEmpty { throw ExitCode(2) }
        }
    }
}
