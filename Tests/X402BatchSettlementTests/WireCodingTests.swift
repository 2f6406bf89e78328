import Testing
import X402BatchSettlement
import X402Core
import X402EVM

/// The wire structs' (mostly synthesized) Codable: SDK key order, decimal-string amounts out, lenient amounts in.
@Suite struct WireCodingTests {
    typealias W = WirePayloadTests
    static let row = #"{"voucher":{"channel":\#(W.config),"maxClaimableAmount":"2500"},"signature":"\#(W.sig)","totalClaimed":"2500"}"#
    static let state = #"{"channelId":"\#(W.channelId)","balance":"10000","totalClaimed":"0","withdrawRequestedAt":0,"refundNonce":"0","chargedCumulativeAmount":"2000"}"#

    /// Decodes `json` as `T` and re-encodes it byte for byte.
    @discardableResult
    func exact<T: Codable>(_ type: T.Type, _ json: String) throws -> T {
        let value = try X402JSON.decode(type, from: json)
        #expect(try X402JSON.encodeString(value) == json)
        return value
    }

    @Test func snapshotJSONObjectIsItsEncoding() throws {
        var snapshot = try X402JSON.decode(ChannelStateSnapshot.self, from: Self.state)
        snapshot.withdrawRequestedAt = 1_770_000_000
        snapshot.refundNonce = .max
        #expect(JSONValue.object(snapshot.jsonObject) == (try X402JSON.encodeValue(snapshot)))
        #expect(JSONSerializer.serialize(.object(snapshot.jsonObject)) == Array((try X402JSON.encodeString(snapshot)).utf8))
        snapshot.chargedCumulativeAmount = nil
        #expect(JSONValue.object(snapshot.jsonObject) == (try X402JSON.encodeValue(snapshot)))
    }

    @Test func everyStructKeepsTheSDKKeyOrder() throws {
        let v = try exact(SignedVoucher.self, W.voucher)
        #expect(v.maxClaimableAmount == 1000 && v.channelId.hex == W.channelId)
        let erc3009 = #"{"validAfter":"0","validBefore":"1795234803","salt":"0x6709eb0000000000000000000000000000000000000000000000000000006456","signature":"\#(W.sig)"}"#
        #expect(try exact(ERC3009Authorization.self, erc3009).validBefore == 1_795_234_803)
        let permit2 = #"{"from":"0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1","permitted":{"token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"10000"},"spender":"0x4020425FAf3B746C082C2f942b4E5159887B0005","nonce":"115792089237316195423570985008687907853269984665640564039457584007913129639935","deadline":"1770000000","witness":{"channelId":"\#(W.channelId)"},"signature":"\#(W.sig)"}"#
        let p = try exact(Permit2Authorization.self, permit2)
        #expect(p.nonce == .max && p.permitted.amount == 10000 && p.deadline == 1_770_000_000)
        let deposit = try exact(DepositFields.self, #"{"amount":"10000","authorization":{"permit2Authorization":\#(permit2)}}"#)
        #expect(deposit.amount == 10000 && deposit.authorization == .permit2(p))
        let row = try exact(ClaimRowPayload.self, Self.row)
        #expect(row.maxClaimableAmount == 2500 && row.voucher.maxClaimableAmount == 2500 && row.totalClaimed == 2500)
        #expect(row.channel.withdrawDelay == 900)
        try exact(ChannelStateSnapshot.self, Self.state)
        try exact(VoucherStateSnapshot.self, #"{"signedMaxClaimable":"3000","signature":"\#(W.sig)"}"#)
        try exact(VoucherStateSnapshot.self, #"{}"#)
        let response = try exact(BatchSettlementResponseExtra.self, #"{"channelState":\#(Self.state),"chargedAmount":"1000"}"#)
        #expect(response.chargedAmount == 1000 && response.channelState?.chargedCumulativeAmount == 2000)
        // Built in Swift, the response extra still writes channelState before chargedAmount.
        let built = BatchSettlementResponseExtra(chargedAmount: 1000, channelState: response.channelState)
        #expect(try X402JSON.encodeString(built) == #"{"channelState":\#(Self.state),"chargedAmount":"1000"}"#)
        let extra = #"{"name":"USDC","version":"2","receiverAuthorizer":"0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c","withdrawDelay":900,"minDeposit":"10000","channelState":\#(Self.state),"voucherState":{"signedMaxClaimable":"3000"}}"#
        #expect(try exact(BatchSettlementRequirementsExtra.self, extra).minDepositAmount == 10000)
    }

    @Test func amountsMayArriveAsJSONIntegers() throws {
        let voucher = try X402JSON.decode(SignedVoucher.self, from: #"{"channelId":"\#(W.channelId)","maxClaimableAmount":340282366920938463463374607431768211455,"signature":"0x"}"#)
        #expect(voucher.maxClaimableAmount == .max)
        #expect(try X402JSON.encodeString(voucher).contains(#""maxClaimableAmount":"340282366920938463463374607431768211455""#))
        let row = try X402JSON.decode(ClaimRowPayload.self, from: Self.row.replacing(#""totalClaimed":"2500""#, with: #""totalClaimed":2500"#))
        #expect(row.totalClaimed == 2500)
        let erc3009 = try X402JSON.decode(ERC3009Authorization.self, from: #"{"validAfter":0,"validBefore":1795234803,"salt":"0x6709eb0000000000000000000000000000000000000000000000000000006456","signature":"0x"}"#)
        #expect(erc3009.validAfter == .zero && erc3009.validBefore == 1_795_234_803)
        #expect(try X402JSON.encodeString(erc3009).hasPrefix(#"{"validAfter":"0","validBefore":"1795234803","#))
        // `null` optionals are absent.
        #expect(try X402JSON.decode(VoucherStateSnapshot.self, from: #"{"signedMaxClaimable":null}"#) == VoucherStateSnapshot())
        #expect(try X402JSON.decode(BatchSettlementResponseExtra.self, from: #"{"chargedAmount":null}"#) == BatchSettlementResponseExtra())
    }

    @Test func badAmountsNameTheirField() throws {
        func failure<T: Decodable>(_ type: T.Type, _ json: String) -> String {
            do { _ = try X402JSON.decode(type, from: json); return "" } catch { return "\(error)" }
        }
        #expect(failure(SignedVoucher.self, W.voucher.replacing(#""1000""#, with: #""340282366920938463463374607431768211456""#))
            .contains("maxClaimableAmount"))
        #expect(failure(ClaimRowPayload.self, Self.row.replacing(#""maxClaimableAmount":"2500""#, with: #""maxClaimableAmount":"-1""#))
            .contains("voucher.maxClaimableAmount"))
        #expect(failure(ChannelStateSnapshot.self, Self.state.replacing(#""refundNonce":"0""#, with: #""refundNonce":"1e3""#))
            .contains("refundNonce"))
        #expect(failure(BatchSettlementResponseExtra.self, #"{"chargedAmount":1.5}"#).contains("chargedAmount"))
        #expect(failure(DepositFields.self, #"{"amount":"","authorization":{}}"#).contains("amount"))
    }

    @Test func claimRowAccessorsReachTheNestedVoucher() throws {
        var row = try X402JSON.decode(ClaimRowPayload.self, from: Self.row)
        row.maxClaimableAmount = 3000
        row.channel.withdrawDelay = 1000
        #expect(row.voucher.maxClaimableAmount == 3000 && row.voucher.channel.withdrawDelay == 1000)
        #expect(try X402JSON.encodeString(row).contains(#""withdrawDelay":1000,"#))
        #expect(try X402JSON.encodeString(row).contains(#""maxClaimableAmount":"3000"}"#))
        #expect(ClaimRowPayload(channel: row.channel, maxClaimableAmount: 3000, signature: row.signature, totalClaimed: 2500) == row)
    }
}
