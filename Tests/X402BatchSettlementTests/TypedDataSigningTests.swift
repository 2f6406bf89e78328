import Testing
import X402BatchSettlement
import X402EVM

/// protocol.md C.5–C.9 signatures, byte for byte (RFC 6979 signing is deterministic), and recovery.
@Suite struct TypedDataSigningTests {
    typealias T = TypedDataTests
    static let payerKey = PrivateKeySigner(try! PrivateKey(hex: "0x" + String(repeating: "01", count: 32)))
    static let authorizerKey = PrivateKeySigner(try! PrivateKey(hex: "0x" + String(repeating: "02", count: 32)))
    static let domain = BatchSettlementDomain(chainId: 84532)

    @Test func c5Vouchers() async throws {
        for (channel, amount, expected) in [
            (T.channel1, 1000 as UInt128, "0xb467ce6c629f33be7ed8e947818fa409a53cd6f152b33e010659effc3fa9d08a3c29572b2d5c8bb96a01847a37ab9eb059ba8745957066746908626ef52added1c"),
            (T.channel1, 2000, "0x93995ae90cead46d06da5ced18721d84e2d8639fecc8e725057fb0ad1a7cb67d40817b484d7850f1580ae10efc5aa4a191fe084ad7568a41aab7c0dd08046cc51b"),
            (T.channel1, 2500, "0x73ded6c2c765d56c497f2a700f8ff82a309ea4eff1473037d3d2af915813e205296a2cff20f3810979b6ffbed0a0058063a484ed18633f4bb6476a6a8914af431c"),
            (T.channel1, 3000, "0xb3de9827d08dff6e37d58b4418e191b129e97b148b242e2ca8079d55033a42260fc4926bd59937bf96888e412b904483b495be3477e2c56b1b93bce9e7da33da1c"),
            (T.channel2, 2500, "0x9aac6d4b1ed2f304749f674e04a895a4a2fb5fcdb691612270eacceeebdbc16835aae96ae61290e167b2671c7f63c9ea33ba5a177af8a1ea631a8ae8ea76f83b1c"),
        ] {
            let voucher = Voucher(channelId: channel, maxClaimableAmount: amount)
            let signature = try await voucher.sign(with: Self.payerKey, chainId: 84532)
            #expect(signature.hex == expected)
            #expect(try await voucher.sign(with: Self.payerKey, in: Self.domain) == signature)
            #expect(try voucher.recoverSigner(signature, in: Self.domain) == T.payer)
            // The same signature over another amount recovers someone else.
            let other = Voucher(channelId: channel, maxClaimableAmount: amount + 1)
            #expect((try? other.recoverSigner(signature, in: Self.domain)) != T.payer)
        }
    }

    @Test func c6Refund() async throws {
        let refund = Refund(channelId: T.channel1, nonce: 0, amount: 5000)
        let signature = try await refund.sign(with: Self.authorizerKey, chainId: 84532)
        #expect(signature.hex == "0x50345eedb1542a622a9e7ba5d727965294ed9760b1f7b34f74997ab1a03aa9f80345978174799861835d8728a33b353ee4392e2529b63088bd14d9e4553d55901c")
        #expect(try refund.recoverSigner(signature, in: Self.domain) == T.receiverAuthorizer)
    }

    @Test func c7ClaimBatches() async throws {
        let two = ClaimBatch(entries: [
            ClaimEntry(channelId: T.channel1, maxClaimableAmount: 1000, totalClaimed: 700),
            ClaimEntry(channelId: T.channel2, maxClaimableAmount: 2500, totalClaimed: 2500),
        ])
        let signature = try await two.sign(with: Self.authorizerKey, chainId: 84532)
        #expect(signature.hex == "0x4a5f2cd55cb9bb312a2fe757a497555940208ad0c735ba6265bbc08b5fdb3860050f92392239889bcd7dbbc2eaf6172446dbbfd942dce94850d91c89108a40a81c")
        #expect(try two.recoverSigner(signature, in: Self.domain) == T.receiverAuthorizer)
        let one = ClaimBatch(entries: [ClaimEntry(channelId: T.channel1, maxClaimableAmount: 1000, totalClaimed: 1000)])
        #expect(try await one.sign(with: Self.authorizerKey, chainId: 84532).hex == "0x6ef8eed79aa75cd5218f4173f3ae4d5da78423ba44c525b963552f3002f5073723d618cabd6b87d099ec8b0e2e5d681309f6f1e4dca1511578ec6464bba4369a1c")
    }

    @Test func c8ERC3009() async throws {
        let authorization = ReceiveWithAuthorization.deposit(
            payer: T.payer, amount: 10000, validBefore: 1_770_000_000, channelId: T.channel1,
            salt: try Bytes32(hex: "0x" + String(repeating: "11", count: 32)))
        let signature = try await authorization.sign(with: Self.payerKey, in: T.usdcDomain)
        #expect(signature.hex == "0xb198fc766f3549887ff8fb7430dc070b90e30421cefa851aede0a07c78f3bef128c981cf817bb4a10630785231e685cc6699634a0e91cbfa6f6b3389bebfc2281c")
        #expect(try authorization.recoverSigner(signature, in: T.usdcDomain) == T.payer)
    }

    @Test func c9Permit2() async throws {
        let permit = PermitWitnessTransferFrom(token: T.usdc, amount: 10000, nonce: 123_456_789, deadline: 1_770_000_000,
                                               channelId: T.channel1)
        let signature = try await permit.sign(with: Self.payerKey, chainId: 84532)
        #expect(signature.hex == "0xeb8122828c360a2b8cb10c58d8a2e5dbc9e3d034bbe6f3efbae03d3a5112df0a4b0731dfde904ce48b4cd66eea43f6cbdb0fbe552dc3266b57392c3ad0d9ddcd1c")
        #expect(try permit.recoverSigner(signature, chainId: 84532) == T.payer)
    }
}
