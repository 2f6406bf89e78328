import X402EVM
import X402EVMRPC
import X402Testing

/// The node the integration tests talk to: `X402_RPC_URL` (a project devnet, or anvil for all but the
/// `devnet_mint` test), or one `Devnet/devnet --port 0` launched on first use and shared by the whole
/// test process (see `Devnet.shared()`).
enum TestDevnet {
    /// True when a node can be had: an external URL or the devnet launcher in this checkout.
    static var isAvailable: Bool { Devnet.isAvailable }

    /// A client for the shared node.
    static func client() async throws -> RPCClient { try await Devnet.shared().client() }
}

/// Dev accounts #0–#2 (anvil's mnemonic), funded by the devnet.
enum DevAccounts {
    static let keys = Devnet.accounts.prefix(3).map(\.privateKey)
    static let addresses = Devnet.accounts.prefix(3).map(\.address)
}
