import ArgumentParser

@main
struct X402: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "x402",
        abstract: "x402 batch-settlement in Swift.",
        subcommands: [VectorsCommand.self, DecodeCommand.self, FacilitatorCommand.self, ServeCommand.self, ChannelsCommand.self, PayCommand.self, RefundCommand.self, WalletCommand.self, WithdrawCommand.self, DemoCommand.self])
}
