import X402EVM

/// Fixed facts of the batch-settlement scheme and its canonical contracts (protocol.md B.1).
public enum BatchSettlement {
    /// The scheme id on the wire.
    public static let scheme = "batch-settlement"
    /// `x402BatchSettlement`, deployed with CREATE2 at the same address on every chain.
    public static let settlementAddress = try! Address(hex: "0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003")
    /// `ERC3009DepositCollector`.
    public static let erc3009CollectorAddress = try! Address(hex: "0x4020806089470a89826cB9fB1f4059150b550004")
    /// `Permit2DepositCollector`.
    public static let permit2CollectorAddress = try! Address(hex: "0x4020425FAf3B746C082C2f942b4E5159887B0005")
    /// Uniswap Permit2.
    public static let permit2Address = try! Address(hex: "0x000000000022D473030F116dDEE9F6B43aC78BA3")
    /// Multicall3, used by facilitators for batched reads.
    public static let multicall3Address = try! Address(hex: "0xcA11bde05977b3631167028862bE2a173976CA11")
    /// Smallest allowed `withdrawDelay`, seconds.
    public static let minWithdrawDelay: UInt64 = 900
    /// Largest allowed `withdrawDelay`, seconds (30 days).
    public static let maxWithdrawDelay: UInt64 = 2_592_000
    /// Validity buffer the facilitator requires on ERC-3009 `validBefore` / Permit2 `deadline`, seconds.
    public static let authorizationValidityBuffer: UInt64 = 6
    /// EIP-712 domain name of the settlement contract.
    public static let domainName = "x402 Batch Settlement"
    /// EIP-712 domain version of the settlement contract.
    public static let domainVersion = "1"
    /// The `PaymentPayload.extensions` key of EIP-2612 gas sponsoring for Permit2 deposits (protocol.md B.6).
    public static let eip2612GasSponsoringKey = "eip2612GasSponsoring"
}
