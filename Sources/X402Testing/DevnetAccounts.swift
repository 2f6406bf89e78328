import X402EVM

/// A funded devnet account. The keys are the well-known anvil/hardhat development keys
/// (`test test … junk`): public knowledge, never for real funds.
public struct DevnetAccount: Sendable {
    /// The account's address.
    public let address: Address
    /// Its signing key.
    public let privateKey: PrivateKey
    /// The key as hex, for handing a public development key to a child process (its environment) in tests.
    public let privateKeyHex: String

    init(_ address: String, _ key: String) {
        // Constants checked by the X402EVMRPCTests (each key derives its address).
        self.address = try! Address(hex: address)
        self.privateKey = try! PrivateKey(hex: key)
        self.privateKeyHex = key
    }
}

extension Devnet {
    /// The devnet's default chain id (Base Sepolia); `Devnet/devnet --chain-id` changes it.
    public static let defaultChainID: UInt64 = 84532

    /// Accounts #0–#9 of the anvil/hardhat mnemonic, 10 000 ETH each at genesis on the devnet (and on
    /// anvil). #9 is the devnet's ``deployer``; #0–#8 start with nonce 0.
    public static let accounts: [DevnetAccount] = [
        DevnetAccount("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"),
        DevnetAccount("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"),
        DevnetAccount("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"),
        DevnetAccount("0x90F79bf6EB2c4f870365E785982E1f101E93b906", "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"),
        DevnetAccount("0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65", "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"),
        DevnetAccount("0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba"),
        DevnetAccount("0x976EA74026E726554dB657fA54763abd0C3a0aa9", "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e"),
        DevnetAccount("0x14dC79964da2C08b23698B3D3cc7Ca32193d9955", "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356"),
        DevnetAccount("0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f", "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97"),
        DevnetAccount("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720", "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"),
    ]

    /// Account #9, which sends the devnet's genesis `init` transactions.
    public static var deployer: DevnetAccount { accounts[9] }

    /// Multicall3 at its canonical address (deployed by the devnet and most public chains).
    public static let multicall3 = try! Address(hex: "0xcA11bde05977b3631167028862bE2a173976CA11")
    /// The devnet's test USDC (mintable via `devnet_mint`) at the Base Sepolia USDC address.
    public static let testUSDC = try! Address(hex: "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
}
