import ArgumentParser
import X402BatchSettlement
import X402Core
import X402EVMMechanisms
import X402EVM

/// `x402 vectors`: computes the vectors of protocol.md Part C in Swift and prints them as JSON, one per line.
struct VectorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vectors",
        abstract: "Compute the protocol.md Part C vectors and print them as JSON lines.")

    func run() async throws {
        for vector in try await ProtocolVectors.compute() {
            print(vector.jsonLine)
        }
    }
}

/// One computed vector: its protocol.md section, a name, and the value (hex or text).
struct ComputedVector {
    var section: String
    var name: String
    var value: String

    var jsonLine: String {
        let object: JSONObject = ["section": .string(section), "name": .string(name), "value": .string(value)]
        return (try? X402JSON.encodeString(object)) ?? ""
    }
}

/// The inputs of protocol.md C.1 and every derived value of C.2–C.12.
enum ProtocolVectors {
    static func compute() async throws -> [ComputedVector] {
        var out: [ComputedVector] = []
        func add(_ section: String, _ name: String, _ value: String) { out.append(.init(section: section, name: name, value: value)) }

        // C.1 inputs: public test keys.
        let payerKey = try PrivateKey(hex: "0x" + String(repeating: "01", count: 32))
        let authorizerKey = try PrivateKey(hex: "0x" + String(repeating: "02", count: 32))
        let receiver = try PrivateKey(hex: "0x" + String(repeating: "03", count: 32)).address
        let payerSigner = PrivateKeySigner(payerKey)
        let authorizerSigner = PrivateKeySigner(authorizerKey)
        let chainId: UInt64 = 84532
        let usdc = try Address(hex: "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
        add("C.1", "payer", payerKey.address.checksummed)
        add("C.1", "receiverAuthorizer", authorizerKey.address.checksummed)
        add("C.1", "receiver", receiver.checksummed)

        let config1 = ChannelConfig(payer: payerKey.address, payerAuthorizer: payerKey.address, receiver: receiver,
                                    receiverAuthorizer: authorizerKey.address, token: usdc, withdrawDelay: 900, salt: .zero)
        var config2 = config1
        config2.salt = try Bytes32(hex: "0x" + String(repeating: "0", count: 63) + "1")

        // C.2 type hashes.
        let typeHashes: [(String, Bytes32)] = [
            ("CHANNEL_CONFIG_TYPEHASH", BatchSettlement.TypeHash.channelConfig),
            ("VOUCHER_TYPEHASH", BatchSettlement.TypeHash.voucher),
            ("REFUND_TYPEHASH", BatchSettlement.TypeHash.refund),
            ("CLAIM_ENTRY_TYPEHASH", BatchSettlement.TypeHash.claimEntry),
            ("CLAIM_BATCH_TYPEHASH", BatchSettlement.TypeHash.claimBatch),
            ("RECEIVE_WITH_AUTHORIZATION_TYPEHASH", BatchSettlement.TypeHash.receiveWithAuthorization),
            ("PERMIT_WITNESS_TRANSFER_FROM_TYPEHASH", BatchSettlement.TypeHash.permitWitnessTransferFrom),
            ("TOKEN_PERMISSIONS_TYPEHASH", BatchSettlement.TypeHash.tokenPermissions),
            ("DEPOSIT_WITNESS_TYPEHASH", BatchSettlement.TypeHash.depositWitness),
        ]
        for (name, hash) in typeHashes { add("C.2", name, hash.hex) }

        // C.3 domain separators.
        let domain = BatchSettlementDomain(chainId: chainId)
        let usdcDomain = ERC3009Domain(name: "USDC", version: "2", chainId: chainId, token: usdc)
        add("C.3", "batchSettlementDomainSeparator(84532)", domain.separator.hex)
        add("C.3", "batchSettlementDomainSeparator(8453)", BatchSettlementDomain(chainId: 8453).separator.hex)
        add("C.3", "usdcDomainSeparator(84532)", usdcDomain.separator.hex)
        add("C.3", "permit2DomainSeparator(84532)", BatchSettlement.permit2DomainSeparator(chainId: chainId).hex)

        // C.4 channel ids.
        let channel1 = config1.channelId(in: domain)
        let channel2 = config2.channelId(in: domain)
        var noAuthorizer = config1
        noAuthorizer.payerAuthorizer = .zero
        add("C.4", "channelId(config1, 84532)", channel1.hex)
        add("C.4", "channelId(config2, 84532)", channel2.hex)
        add("C.4", "channelId(config1, 8453)", config1.channelId(chainId: 8453).hex)
        add("C.4", "channelId(config1 with zero payerAuthorizer, 84532)", noAuthorizer.channelId(in: domain).hex)

        // C.5 vouchers.
        let voucher1000 = Voucher(channelId: channel1, maxClaimableAmount: 1000)
        add("C.5", "voucherDigest(channel1, 1000)", voucher1000.digest(in: domain).hex)
        var voucherSignatures: [String: Signature] = [:]
        for (label, channel, amount) in [("channel1", channel1, UInt128(1000)), ("channel1", channel1, 2000),
                                         ("channel1", channel1, 2500), ("channel1", channel1, 3000), ("channel2", channel2, 2500)] {
            let signature = try await Voucher(channelId: channel, maxClaimableAmount: amount).sign(with: payerSigner, in: domain)
            voucherSignatures["\(label)/\(amount)"] = signature
            add("C.5", "voucherSignature(\(label), \(amount))", signature.hex)
        }

        // C.6 refund.
        let refund = Refund(channelId: channel1, nonce: 0, amount: 5000)
        let refundSignature = try await refund.sign(with: authorizerSigner, chainId: chainId)
        add("C.6", "refundDigest(channel1, nonce 0, 5000)", refund.digest(in: domain).hex)
        add("C.6", "refundSignature", refundSignature.hex)

        // C.7 claim batches.
        let entry1 = ClaimEntry(channelId: channel1, maxClaimableAmount: 1000, totalClaimed: 700)
        let entry2 = ClaimEntry(channelId: channel2, maxClaimableAmount: 2500, totalClaimed: 2500)
        let batch = ClaimBatch(entries: [entry1, entry2])
        add("C.7", "claimEntryHash(1)", entry1.structHash.hex)
        add("C.7", "claimEntryHash(2)", entry2.structHash.hex)
        add("C.7", "entriesRoot", batch.entriesRoot.hex)
        add("C.7", "claimBatchDigest", batch.digest(in: domain).hex)
        add("C.7", "claimBatchSignature", try await batch.sign(with: authorizerSigner, chainId: chainId).hex)
        let single = ClaimBatch(entries: [ClaimEntry(channelId: channel1, maxClaimableAmount: 1000, totalClaimed: 1000)])
        let singleSignature = try await single.sign(with: authorizerSigner, chainId: chainId)
        add("C.7", "singleEntryClaimBatchSignature", singleSignature.hex)

        // C.8 ERC-3009 deposit authorization.
        let authorizationSalt = try Bytes32(hex: "0x" + String(repeating: "11", count: 32))
        let validBefore: UInt64 = 1_770_000_000
        let receive = ReceiveWithAuthorization.deposit(payer: payerKey.address, amount: 10000, validBefore: validBefore,
                                                       channelId: channel1, salt: authorizationSalt)
        let receiveSignature = try await receive.sign(with: payerSigner, in: usdcDomain)
        let erc3009Data = try ERC3009CollectorData(validAfter: .zero, validBefore: UInt256(validBefore),
                                                   salt: authorizationSalt, signature: receiveSignature.bytes).encoded()
        add("C.8", "erc3009Nonce", BatchSettlement.erc3009DepositNonce(channelId: channel1, salt: authorizationSalt).hex)
        add("C.8", "receiveWithAuthorizationDigest", receive.digest(in: usdcDomain).hex)
        add("C.8", "receiveWithAuthorizationSignature", receiveSignature.hex)
        add("C.8", "erc3009CollectorData", erc3009Data.hexString)

        // C.9 Permit2 deposit authorization.
        let permit = PermitWitnessTransferFrom(token: usdc, amount: 10000, nonce: 123_456_789,
                                               deadline: UInt256(validBefore), channelId: channel1)
        let permitSignature = try await permit.sign(with: payerSigner, chainId: chainId)
        add("C.9", "depositWitnessHash", PermitWitnessTransferFrom.depositWitnessHash(channelId: channel1).hex)
        add("C.9", "permitWitnessTransferFromDigest", permit.digest(chainId: chainId).hex)
        add("C.9", "permit2Signature", permitSignature.hex)
        add("C.9", "permit2CollectorData", try Permit2CollectorData(nonce: 123_456_789, deadline: UInt256(validBefore),
                                                                   signature: permitSignature.bytes).encoded().hexString)

        // C.10 calldata.
        let voucherSignature = voucherSignatures["channel1/1000"]!
        let claim = VoucherClaim(channel: config1, maxClaimableAmount: 1000, signature: voucherSignature.bytes, totalClaimed: 1000)
        add("C.10", "claimWithSignature", try BatchSettlementCalldata.claimWithSignature([claim], authorizerSignature: singleSignature.bytes).hexString)
        add("C.10", "deposit", try BatchSettlementCalldata.deposit(config: config1, amount: 10000,
                                                                   collector: BatchSettlement.erc3009CollectorAddress,
                                                                   collectorData: erc3009Data).hexString)
        add("C.10", "refundWithSignature", try BatchSettlementCalldata.refundWithSignature(
            config: config1, amount: 5000, nonce: 0, signature: refundSignature.bytes).hexString)
        add("C.10", "settle", try BatchSettlementCalldata.settle(receiver: receiver, token: usdc).hexString)
        add("C.10", "getChannelId", try BatchSettlementCalldata.getChannelId(config: config1).hexString)

        // C.11a the voucher PAYMENT-SIGNATURE of step 3.
        let voucher2000 = voucherSignatures["channel1/2000"]!
        let accepted = PaymentRequirements(
            scheme: BatchSettlement.scheme, network: "eip155:84532", asset: usdc.checksummed, amount: "1000",
            payTo: receiver.checksummed, maxTimeoutSeconds: 300,
            extra: ["name": "USDC", "version": "2", "receiverAuthorizer": .string(authorizerKey.address.checksummed),
                    "withdrawDelay": 900, "minDeposit": "10000"])
        let payload = BatchSettlementPayload.voucher(VoucherPayload(
            channelConfig: config1,
            voucher: SignedVoucher(channelId: channel1, maxClaimableAmount: 2000, signature: HexBytes(voucher2000.bytes))))
        let paymentPayload = PaymentPayload(payload: payload.jsonObject(), accepted: accepted,
                                            resource: ResourceInfo(url: "http://localhost/data", description: "", mimeType: ""))
        add("C.11a", "PAYMENT-SIGNATURE", try HeaderCodec.encodePaymentSignature(paymentPayload))

        // C.12 money.
        for network in ["eip155:84532", "eip155:8453"] {
            let amount = try Price.money("$0.01").resolve(on: Network(rawValue: network))
            add("C.12", "$0.01 on \(network)", try X402JSON.encodeString(amount))
        }
        return out
    }
}
