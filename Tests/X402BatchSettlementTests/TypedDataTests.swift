import Testing
import X402BatchSettlement
import X402EVM

/// protocol.md Part C, byte for byte, and every fast-path hash against the general EIP-712 encoder.
@Suite struct TypedDataTests {
    static let payer = try! Address(hex: "0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1")
    static let receiverAuthorizer = try! Address(hex: "0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c")
    static let receiver = try! Address(hex: "0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70")
    static let usdc = try! Address(hex: "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
    static let config1 = ChannelConfig(payer: payer, payerAuthorizer: payer, receiver: receiver,
                                       receiverAuthorizer: receiverAuthorizer, token: usdc, withdrawDelay: 900, salt: .zero)
    static let config2 = { var c = config1; c.salt = Bytes32(0, 0, 0, 1); return c }()
    static let channel1 = try! Bytes32(hex: "0x66f2b00c9859327c1b959575fc0b0ff71971f15eda6ff270caa3cec308ede223")
    static let channel2 = try! Bytes32(hex: "0x2ad3ac89504841d043bab2ad401a48623cbbaf51435a1d5d0d408fd55993ca04")
    static let usdcDomain = ERC3009Domain(name: "USDC", version: "2", chainId: 84532, token: usdc)

    @Test func c2TypeHashes() {
        typealias H = BatchSettlement.TypeHash
        #expect(H.channelConfig.hex == "0x1c9a06ceab9b0ebbd3301dc56c9111bb6d9af421356dc9ccb3b7084c755db308")
        #expect(H.voucher.hex == "0x1e1bd6ff84c3e0d9029a292b212e039c0ca97ec497c55191a4a5874294609a69")
        #expect(H.refund.hex == "0xbe23ad087435072cd69b49cc5b92de10ee610fce7ae0ab428307972d764bb216")
        #expect(H.claimEntry.hex == "0x30b9a0367528fca13c3e8ec6134c3113f1887ebe7a1ad61de0955aac288b0cf5")
        #expect(H.claimBatch.hex == "0x42bd57c010b870c2e96203c66341f28a6a19b4d56a74533a8eb5f706b9fd6d57")
        #expect(H.receiveWithAuthorization.hex == "0xd099cc98ef71107a616c4f0f941f04c322d8e254fe26b3c6668db87aae413de8")
        #expect(H.permitWitnessTransferFrom.hex == "0x436a25c01a21a6ed025816c4c9ea3d6132aa879dd7ef16f6188dd3b0aebccc52")
        #expect(H.tokenPermissions.hex == "0x618358ac3db8dc274f0cd8829da7e234bd48cd73c4a740aede1adec9846d06a1")
        #expect(H.depositWitness.hex == "0xba0000097e86dabe64178afe31109221193339a6861598f2133fcbdc92c84479")
        #expect(H.domain.hex == "0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f")
        #expect(H.permit2Domain.hex == "0x8cad95687ba82c2ce50e74f7b754645e5117c3a5bec8151c0726d5857980a866")
        #expect(H.eip2612Permit.hex == "0x6e71edae12b1b97f4d1f60370fef10105fa2faae0126114a169c64845d6126c9")
    }

    @Test func typeStringsAreWhatTheGeneralEncoderProduces() throws {
        typealias S = BatchSettlement.TypeString
        let voucher = Voucher(channelId: Self.channel1, maxClaimableAmount: 1)
        #expect(try voucher.typedData(chainId: 1).types.encodeType("Voucher") == S.voucher)
        #expect(try Self.config1.typedData(chainId: 1).types.encodeType("ChannelConfig") == S.channelConfig)
        #expect(try Refund(channelId: .zero, nonce: 0, amount: 0).typedData(chainId: 1).types.encodeType("Refund") == S.refund)
        #expect(try ClaimBatch(entries: []).typedData(chainId: 1).types.encodeType("ClaimBatch") == S.claimBatch)
        let permit = PermitWitnessTransferFrom(token: Self.usdc, amount: 1, nonce: 1, deadline: 1, channelId: .zero)
        #expect(try permit.typedData(chainId: 1).types.encodeType("PermitWitnessTransferFrom") == S.permitWitnessTransferFrom)
        let rwa = ReceiveWithAuthorization.deposit(payer: Self.payer, amount: 1, validBefore: 1, channelId: .zero, salt: .zero)
        #expect(try rwa.typedData(domain: Self.usdcDomain).types.encodeType("ReceiveWithAuthorization") == S.receiveWithAuthorization)
        let permit2612 = EIP2612Permit(owner: Self.payer, value: 1, nonce: 1, deadline: 1)
        #expect(try permit2612.typedData(domain: Self.usdcDomain).types.encodeType("Permit") == S.eip2612Permit)
        #expect(S.depositWitnessTypeString == "DepositWitness witness)DepositWitness(bytes32 channelId)TokenPermissions(address token,uint256 amount)")
    }

    @Test func c3DomainSeparators() {
        #expect(BatchSettlement.domainSeparator(chainId: 84532).hex == "0xfdef80764086b1e0fc6ba99f0cb9aa1d59109fda7c23d60334c89d2de44dffce")
        #expect(BatchSettlementDomain(chainId: 8453).separator.hex == "0xd8d982716899b0e20cf2c1e706a37b8a892c83fdd4ac9b540cfeec11f9c73a39")
        #expect(Self.usdcDomain.separator.hex == "0x71f17a3b2ff373b803d70a5a07c046c1a2bc8e89c09ef722fcb047abe94c9818")
        #expect(BatchSettlement.permit2DomainSeparator(chainId: 84532).hex == "0x010f27a92fb9a32622f44f001dc4d15706a85b33499cfc2ce9033113ab26592c")
        #expect(BatchSettlementDomain(chainId: 84532).eip712Domain.separator == BatchSettlement.domainSeparator(chainId: 84532))
        #expect(Self.usdcDomain.eip712Domain.separator == Self.usdcDomain.separator)
    }

    @Test func c4ChannelIds() throws {
        #expect(Self.config1.channelId(chainId: 84532) == Self.channel1)
        #expect(Self.config2.channelId(chainId: 84532) == Self.channel2)
        #expect(Self.config1.channelId(chainId: 8453).hex == "0xcd742bdb5fcc9bfb7475f17a39ba7f525179904daa91e4cd91683b472fcd6d58")
        var zeroAuthorizer = Self.config1
        zeroAuthorizer.payerAuthorizer = .zero
        #expect(zeroAuthorizer.channelId(chainId: 84532).hex == "0x3148340da5cedf99567b0a2f1abb7e59ee5beac024ede5249e2968e3544fdf50")
        let lower = ChannelConfig(
            payer: try Address(hex: Self.payer.lowercased), payerAuthorizer: try Address(hex: Self.payer.lowercased),
            receiver: try Address(hex: Self.receiver.lowercased), receiverAuthorizer: try Address(hex: Self.receiverAuthorizer.lowercased),
            token: try Address(hex: Self.usdc.lowercased), withdrawDelay: 900)
        #expect(lower.channelId(chainId: 84532) == Self.channel1)
        #expect(try Self.config1.typedData(chainId: 84532).digest() == Self.channel1)
    }

    @Test func c5Voucher() throws {
        let voucher = Voucher(channelId: Self.channel1, maxClaimableAmount: 1000)
        #expect(voucher.digest(chainId: 84532).hex == "0xa8dd04df4747a18827c2f5f1b206ee1ecc99ccbbcd09038958c377b69813e10d")
        #expect(voucher.digest(in: BatchSettlementDomain(chainId: 84532)) == voucher.digest(chainId: 84532))
        #expect(try voucher.typedData(chainId: 84532).digest() == voucher.digest(chainId: 84532))
    }

    @Test func c6Refund() throws {
        let refund = Refund(channelId: Self.channel1, nonce: 0, amount: 5000)
        #expect(refund.digest(chainId: 84532).hex == "0xbae38275d9b257a28d0c7d63882de6b14af74583ec3087e5ae057e14c9131f35")
        #expect(try refund.typedData(chainId: 84532).digest() == refund.digest(chainId: 84532))
        // Nonce and amount are distinct words in the order channelId, nonce, amount.
        #expect(Refund(channelId: Self.channel1, nonce: 5000, amount: 0).digest(chainId: 84532) != refund.digest(chainId: 84532))
    }

    @Test func c7ClaimBatch() throws {
        let e1 = ClaimEntry(channelId: Self.channel1, maxClaimableAmount: 1000, totalClaimed: 700)
        let e2 = ClaimEntry(channelId: Self.channel2, maxClaimableAmount: 2500, totalClaimed: 2500)
        #expect(e1.structHash.hex == "0x5c55deb7ef04e68446c2cdee2cd00491d9085fb7f2a83c8fb360459855378ad8")
        #expect(e2.structHash.hex == "0xc3cffd6186afd07df6bac2b40c4f47c42f8fd94940e718febc6d1ba006acc55d")
        let batch = ClaimBatch(entries: [e1, e2])
        #expect(batch.entriesRoot.hex == "0x1329ed359ce6ae6f0dd58cfc6c6b175daecc209bb1add2108f0d5b3b9ce753cb")
        #expect(batch.digest(chainId: 84532).hex == "0xe31cab3ba279641351f042b7ab9e3eb93ae7f2409f66d3a4c0f59e75a7446e27")
        #expect(try batch.typedData(chainId: 84532).digest() == batch.digest(chainId: 84532))
        let empty = ClaimBatch(entries: [])
        #expect(empty.entriesRoot == Keccak256.hash([UInt8]()))
        #expect(try empty.typedData(chainId: 84532).digest() == empty.digest(chainId: 84532))
    }

    @Test func c8ERC3009Deposit() throws {
        let salt = try Bytes32(hex: "0x" + String(repeating: "11", count: 32))
        let nonce = BatchSettlement.erc3009DepositNonce(channelId: Self.channel1, salt: salt)
        #expect(nonce.hex == "0xf65a0b59572398baf1c114a2c6aad6090fb39843e0853eec4ef3eda3cf93dc35")
        let auth = ReceiveWithAuthorization.deposit(payer: Self.payer, amount: 10000, validBefore: 1_770_000_000,
                                                    channelId: Self.channel1, salt: salt)
        #expect(auth.to == BatchSettlement.erc3009CollectorAddress && auth.validAfter == .zero && auth.nonce == nonce)
        #expect(auth.digest(in: Self.usdcDomain).hex == "0xce2c02fd87f7a6763878816b4883956e5019754c411d23b7a1a9e414651e2cd6")
        #expect(try auth.typedData(domain: Self.usdcDomain).digest() == auth.digest(in: Self.usdcDomain))
    }

    @Test func c9Permit2Deposit() throws {
        #expect(PermitWitnessTransferFrom.depositWitnessHash(channelId: Self.channel1).hex
            == "0x12452461be6c167a6cfd50220093705c1ed20546b92d587b4b4082456f517390")
        let permit = PermitWitnessTransferFrom(token: Self.usdc, amount: 10000, nonce: 123_456_789, deadline: 1_770_000_000,
                                               channelId: Self.channel1)
        #expect(permit.spender == BatchSettlement.permit2CollectorAddress)
        #expect(permit.digest(chainId: 84532).hex == "0xb00d708f6539ef8498459f649d61489566fd00ca96c84170286446450b348cde")
        #expect(try permit.typedData(chainId: 84532).digest() == permit.digest(chainId: 84532))
    }

    /// The `eip2612GasSponsoring` permit: digest from `eth_account.messages.encode_typed_data` (x402 2.25.0's venv).
    @Test func eip2612PermitOfPermit2() throws {
        let permit = EIP2612Permit(owner: Self.payer, value: 10000, nonce: 3, deadline: 1_770_000_000)
        #expect(permit.spender == BatchSettlement.permit2Address)
        #expect(permit.digest(in: Self.usdcDomain).hex == "0x019b1d4d469370c2645937c4bf1f8beae358bd2b4baa9a4cdd24034f861951a9")
        #expect(try permit.typedData(domain: Self.usdcDomain).digest() == permit.digest(in: Self.usdcDomain))
        let key = try PrivateKey(hex: "0x" + String(repeating: "42", count: 32))
        let signed = EIP2612Permit(owner: key.address, value: 10000, nonce: 3, deadline: 1_770_000_000)
        #expect(try signed.recoverSigner(key.sign(digest: signed.digest(in: Self.usdcDomain)), in: Self.usdcDomain) == key.address)
    }

    @Test func extremeValuesMatchGeneralEncoder() throws {
        let max256 = UInt256.max
        let voucher = Voucher(channelId: Bytes32(.max, .max, .max, .max), maxClaimableAmount: .max)
        #expect(try voucher.typedData(chainId: .max).digest() == voucher.digest(chainId: .max))
        let refund = Refund(channelId: .zero, nonce: max256, amount: .max)
        #expect(try refund.typedData(chainId: 0).digest() == refund.digest(chainId: 0))
        var config = Self.config1
        config.withdrawDelay = (1 << 40) - 1
        config.salt = Bytes32(.max, 0, .max, 0)
        #expect(try config.typedData(chainId: 1).digest() == config.channelId(chainId: 1))
        let permit = PermitWitnessTransferFrom(token: .zero, amount: max256, nonce: max256, deadline: max256, channelId: .zero)
        #expect(try permit.typedData(chainId: .max).digest() == permit.digest(chainId: .max))
        let rwa = ReceiveWithAuthorization(from: .zero, to: .zero, value: max256, validAfter: max256, validBefore: max256,
                                           nonce: Bytes32(.max, .max, .max, .max))
        #expect(try rwa.typedData(domain: Self.usdcDomain).digest() == rwa.digest(in: Self.usdcDomain))
        let permit2612 = EIP2612Permit(owner: .zero, spender: .zero, value: max256, nonce: max256, deadline: max256)
        #expect(try permit2612.typedData(domain: Self.usdcDomain).digest() == permit2612.digest(in: Self.usdcDomain))
    }
}
