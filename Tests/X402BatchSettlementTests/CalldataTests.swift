import Foundation
import Testing
import X402EVM
@testable import X402BatchSettlement

/// Shared inputs of protocol.md C.1 and the signatures of C.5–C.8.
enum Fixture {
    static let payer = try! Address(hex: "0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1")
    static let receiverAuthorizer = try! Address(hex: "0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c")
    static let receiver = try! Address(hex: "0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70")
    static let usdc = try! Address(hex: "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
    static let config1 = ChannelConfig(payer: payer, payerAuthorizer: payer, receiver: receiver,
                                       receiverAuthorizer: receiverAuthorizer, token: usdc, withdrawDelay: 900)
    static let voucher1000Signature = try! Hex.decode("0xb467ce6c629f33be7ed8e947818fa409a53cd6f152b33e010659effc3fa9d08a3c29572b2d5c8bb96a01847a37ab9eb059ba8745957066746908626ef52added1c")
    static let singleBatchSignature = try! Hex.decode("0x6ef8eed79aa75cd5218f4173f3ae4d5da78423ba44c525b963552f3002f5073723d618cabd6b87d099ec8b0e2e5d681309f6f1e4dca1511578ec6464bba4369a1c")
    static let refundSignature = try! Hex.decode("0x50345eedb1542a622a9e7ba5d727965294ed9760b1f7b34f74997ab1a03aa9f80345978174799861835d8728a33b353ee4392e2529b63088bd14d9e4553d55901c")
    static let erc3009Signature = try! Hex.decode("0xb198fc766f3549887ff8fb7430dc070b90e30421cefa851aede0a07c78f3bef128c981cf817bb4a10630785231e685cc6699634a0e91cbfa6f6b3389bebfc2281c")
    static let permit2Signature = try! Hex.decode("0xeb8122828c360a2b8cb10c58d8a2e5dbc9e3d034bbe6f3efbae03d3a5112df0a4b0731dfde904ce48b4cd66eea43f6cbdb0fbe552dc3266b57392c3ad0d9ddcd1c")
    static let erc3009CollectorData = "0x00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000069800e80111111111111111111111111111111111111111111111111111111111111111100000000000000000000000000000000000000000000000000000000000000800000000000000000000000000000000000000000000000000000000000000041b198fc766f3549887ff8fb7430dc070b90e30421cefa851aede0a07c78f3bef128c981cf817bb4a10630785231e685cc6699634a0e91cbfa6f6b3389bebfc2281c00000000000000000000000000000000000000000000000000000000000000"
}

/// protocol.md C.10, byte for byte.
@Suite struct CalldataTests {
    static let configWords = "0000000000000000000000001a642f0e3c3af545e7acbd38b07251b3990914f10000000000000000000000001a642f0e3c3af545e7acbd38b07251b3990914f10000000000000000000000003325a78425f17a7e487eb5666b2bfd93abb06c700000000000000000000000005050a4f4b3f9338c3472dcc01a87c76a144b3c9c000000000000000000000000036cbd53842c5426634e7929541ec2318f3dcf7e00000000000000000000000000000000000000000000000000000000000003840000000000000000000000000000000000000000000000000000000000000000"

    static let claimRow = VoucherClaim(channel: Fixture.config1, maxClaimableAmount: 1000,
                                       signature: Fixture.voucher1000Signature, totalClaimed: 1000)

    @Test func claimWithSignatureMatchesC10() throws {
        let expected = "0xe43ce1f200000000000000000000000000000000000000000000000000000000000000400000000000000000000000000000000000000000000000000000000000000240000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000200000000000000000000000001a642f0e3c3af545e7acbd38b07251b3990914f10000000000000000000000001a642f0e3c3af545e7acbd38b07251b3990914f10000000000000000000000003325a78425f17a7e487eb5666b2bfd93abb06c700000000000000000000000005050a4f4b3f9338c3472dcc01a87c76a144b3c9c000000000000000000000000036cbd53842c5426634e7929541ec2318f3dcf7e0000000000000000000000000000000000000000000000000000000000000384000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003e8000000000000000000000000000000000000000000000000000000000000014000000000000000000000000000000000000000000000000000000000000003e80000000000000000000000000000000000000000000000000000000000000041b467ce6c629f33be7ed8e947818fa409a53cd6f152b33e010659effc3fa9d08a3c29572b2d5c8bb96a01847a37ab9eb059ba8745957066746908626ef52added1c0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000416ef8eed79aa75cd5218f4173f3ae4d5da78423ba44c525b963552f3002f5073723d618cabd6b87d099ec8b0e2e5d681309f6f1e4dca1511578ec6464bba4369a1c00000000000000000000000000000000000000000000000000000000000000"
        let calldata = try BatchSettlementCalldata.claimWithSignature([Self.claimRow], authorizerSignature: Fixture.singleBatchSignature)
        #expect(calldata.hexString == expected)
        let decoded = try BatchSettlementCalldata.decodeClaimWithSignature(calldata)
        #expect(decoded.claims == [Self.claimRow])
        #expect(decoded.authorizerSignature == Fixture.singleBatchSignature)
    }

    @Test func depositMatchesC10() throws {
        let collectorData = try Hex.decode(Fixture.erc3009CollectorData)
        let calldata = try BatchSettlementCalldata.deposit(config: Fixture.config1, amount: 10000,
                                                           collector: BatchSettlement.erc3009CollectorAddress,
                                                           collectorData: collectorData)
        let expected = "0x140f1e75" + Self.configWords
            + "0000000000000000000000000000000000000000000000000000000000002710"
            + "0000000000000000000000004020806089470a89826cb9fb1f4059150b550004"
            + "0000000000000000000000000000000000000000000000000000000000000140"
            + "0000000000000000000000000000000000000000000000000000000000000100"
            + Fixture.erc3009CollectorData.dropFirst(2)
        #expect(calldata.hexString == expected)
        let decoded = try BatchSettlementCalldata.decodeDeposit(calldata)
        #expect(decoded.config == Fixture.config1 && decoded.amount == 10000 && decoded.collectorData == collectorData)
        #expect(decoded.collector == BatchSettlement.erc3009CollectorAddress)
    }

    @Test func refundWithSignatureMatchesC10() throws {
        let expected = "0xb77433e90000000000000000000000001a642f0e3c3af545e7acbd38b07251b3990914f10000000000000000000000001a642f0e3c3af545e7acbd38b07251b3990914f10000000000000000000000003325a78425f17a7e487eb5666b2bfd93abb06c700000000000000000000000005050a4f4b3f9338c3472dcc01a87c76a144b3c9c000000000000000000000000036cbd53842c5426634e7929541ec2318f3dcf7e00000000000000000000000000000000000000000000000000000000000003840000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000138800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000140000000000000000000000000000000000000000000000000000000000000004150345eedb1542a622a9e7ba5d727965294ed9760b1f7b34f74997ab1a03aa9f80345978174799861835d8728a33b353ee4392e2529b63088bd14d9e4553d55901c00000000000000000000000000000000000000000000000000000000000000"
        let calldata = try BatchSettlementCalldata.refundWithSignature(config: Fixture.config1, amount: 5000, nonce: 0,
                                                                       signature: Fixture.refundSignature)
        #expect(calldata.hexString == expected)
        let decoded = try BatchSettlementCalldata.decodeRefundWithSignature(calldata)
        #expect(decoded.amount == 5000 && decoded.nonce == 0 && decoded.signature == Fixture.refundSignature)
    }

    @Test func settleAndGetChannelIdMatchC10() throws {
        #expect(try BatchSettlementCalldata.settle(receiver: Fixture.receiver, token: Fixture.usdc).hexString
            == "0x9db32a8f0000000000000000000000003325a78425f17a7e487eb5666b2bfd93abb06c70000000000000000000000000036cbd53842c5426634e7929541ec2318f3dcf7e")
        #expect(try BatchSettlementCalldata.getChannelId(config: Fixture.config1).hexString == "0x5e5e0b87" + Self.configWords)
    }

    @Test func withdrawDelayBeyondUint40IsAnErrorNotATrap() {
        var config = Fixture.config1
        config.withdrawDelay = 1 << 40
        #expect(throws: ABIError.valueOutOfRange(type: "uint40")) {
            try BatchSettlementCalldata.finalizeWithdraw(config: config)
        }
    }

    @Test func multicallWrapsAndUnwrapsInnerCalls() throws {
        let claim = try BatchSettlementCalldata.claimWithSignature([Self.claimRow], authorizerSignature: Fixture.singleBatchSignature)
        let refund = try BatchSettlementCalldata.refundWithSignature(config: Fixture.config1, amount: 3000, nonce: 0,
                                                                     signature: Fixture.refundSignature)
        let calldata = try BatchSettlementCalldata.multicall([claim, refund])
        #expect(Array(calldata.prefix(4)).hexString == "0xac9650d8")
        #expect(try BatchSettlementCalldata.decodeMulticallCall(calldata) == [claim, refund])
        let output = try BatchSettlementABI.multicall.encodeOutput([.array([.bytes([]), .bytes([1, 2, 3])])])
        #expect(try BatchSettlementCalldata.decodeMulticall(output) == [[], [1, 2, 3]])
    }

    @Test func viewOutputsDecodeIntoTypedValues() throws {
        let channelId = try Bytes32(hex: "0x66f2b00c9859327c1b959575fc0b0ff71971f15eda6ff270caa3cec308ede223")
        #expect(try BatchSettlementCalldata.channels(channelId: channelId).hexString == "0x7a7ebd7b" + channelId.hex.dropFirst(2))
        let channel = try BatchSettlementABI.channels.encodeOutput([.uint128(10000), .uint128(2500)])
        #expect(try BatchSettlementCalldata.decodeChannel(channel) == OnchainChannel(balance: 10000, totalClaimed: 2500))
        let pending = try BatchSettlementABI.pendingWithdrawals.encodeOutput([.uint128(7), .uint64(1_770_000_000)])
        #expect(try BatchSettlementCalldata.decodePendingWithdrawal(pending) == PendingWithdrawal(amount: 7, initiatedAt: 1_770_000_000))
        let totals = try BatchSettlementABI.receivers.encodeOutput([.uint128(.max), .uint128(0)])
        #expect(try BatchSettlementCalldata.decodeReceiverTotals(totals) == ReceiverTotals(totalClaimed: .max, totalSettled: 0))
        #expect(try BatchSettlementCalldata.decodeUInt256(ABI.encode(.uint(.max), as: .uint256)) == .max)
        #expect(try BatchSettlementCalldata.decodeBytes32(channelId.bytes) == channelId)
        // A uint128 slot holding 2^128 is not a valid return value: rejected, not truncated.
        var tooBig = channel
        tooBig[15] = 1
        #expect(throws: ABIError.self) { try BatchSettlementCalldata.decodeChannel(tooBig) }
        #expect(throws: ABIError.self) { try BatchSettlementCalldata.decodeChannel(channel.prefix(63)) }
    }

    @Test func multicall3RoundTrip() throws {
        let balanceCall = try BatchSettlementCalldata.balanceOf(Fixture.payer)
        #expect(balanceCall.hexString == "0x70a08231" + Fixture.payer.word.hex.dropFirst(2))
        let calls = [Multicall3Call(target: Fixture.usdc, callData: balanceCall),
                     Multicall3Call(target: BatchSettlement.settlementAddress, allowFailure: false, callData: [])]
        let data = try BatchSettlementCalldata.aggregate3(calls)
        let args = try BatchSettlementABI.aggregate3.decodeCall(data)
        #expect(args == [.array([.tuple([.address(Fixture.usdc), .bool(true), .bytes(balanceCall)]),
                                 .tuple([.address(BatchSettlement.settlementAddress), .bool(false), .bytes([])])])])
        let tryData = try BatchSettlementCalldata.tryAggregate(requireSuccess: false, calls)
        #expect(Array(tryData.prefix(4)).hexString == "0xbce38bd7")
        let output = try BatchSettlementABI.tryAggregate.encodeOutput([.array([.tuple([.bool(true), .bytes([9])]), .tuple([.bool(false), .bytes([])])])])
        #expect(try BatchSettlementCalldata.decodeAggregate3(output)
            == [Multicall3Result(success: true, returnData: [9]), Multicall3Result(success: false, returnData: [])])
    }

    @Test func erc1271MagicValueCheckIsStrict() throws {
        #expect(BatchSettlementCalldata.isERC1271MagicValue(try Hex.decode("0x1626ba7e00000000000000000000000000000000000000000000000000000000")))
        #expect(!BatchSettlementCalldata.isERC1271MagicValue(try Hex.decode("0x1626ba7e00000000000000000000000000000000000000000000000000000001")))
        #expect(!BatchSettlementCalldata.isERC1271MagicValue(try Hex.decode("0xffffffff00000000000000000000000000000000000000000000000000000000")))
        #expect(!BatchSettlementCalldata.isERC1271MagicValue([]))
    }

    @Test func voucherClaimWireShape() throws {
        let json = #"{"voucher":{"channel":{"payer":"0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1","payerAuthorizer":"0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1","receiver":"0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70","receiverAuthorizer":"0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c","token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","withdrawDelay":900,"salt":"0x0000000000000000000000000000000000000000000000000000000000000000"},"maxClaimableAmount":"1000"},"signature":"0xb467ce6c629f33be7ed8e947818fa409a53cd6f152b33e010659effc3fa9d08a3c29572b2d5c8bb96a01847a37ab9eb059ba8745957066746908626ef52added1c","totalClaimed":"1000"}"#
        let claim = try JSONDecoder().decode(VoucherClaim.self, from: Data(json.utf8))
        #expect(claim == Self.claimRow)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let again = try JSONDecoder().decode(VoucherClaim.self, from: encoder.encode(claim))
        #expect(again == claim)
        let object = try JSONSerialization.jsonObject(with: encoder.encode(claim)) as! [String: Any]
        #expect(object["totalClaimed"] as? String == "1000")
        #expect((object["voucher"] as! [String: Any])["maxClaimableAmount"] as? String == "1000")

        for bad in [json.replacingOccurrences(of: #""totalClaimed":"1000""#, with: #""totalClaimed":"-1""#),
                    json.replacingOccurrences(of: #""totalClaimed":"1000""#, with: #""totalClaimed":1000"#),
                    json.replacingOccurrences(of: #""maxClaimableAmount":"1000""#, with: #""maxClaimableAmount":"340282366920938463463374607431768211456""#),
                    json.replacingOccurrences(of: #""signature":"0xb4"#, with: #""signature":"b4"#)] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(VoucherClaim.self, from: Data(bad.utf8)) }
        }
    }
}
