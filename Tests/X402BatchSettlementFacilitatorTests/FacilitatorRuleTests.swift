import Testing
import X402BatchSettlement
import X402Core
import X402EVM
@testable import X402EVMRPC
@testable import X402BatchSettlementFacilitator

/// The facilitator's pure rules, without a chain: config checks in order, lenient requirement fields,
/// the newer spec's floor, receipt event parsing, snapshots.
@Suite struct FacilitatorRuleTests {
    static let payer = try! Address(hex: "0x90F79bf6EB2c4f870365E785982E1f101E93b906")
    static let receiver = try! Address(hex: "0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70")
    static let authorizer = try! Address(hex: "0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c")
    static let token = try! Address(hex: "0x036CbD53842c5426634e7929541eC2318f3dCF7e")
    static let domain = BatchSettlementDomain(chainId: 84532)

    static func config(delay: UInt64 = 900) -> ChannelConfig {
        ChannelConfig(payer: payer, payerAuthorizer: payer, receiver: receiver, receiverAuthorizer: authorizer, token: token,
                      withdrawDelay: delay, salt: Bytes32(0, 0, 0, 1))
    }

    static func requirements(_ extra: JSONObject = ["receiverAuthorizer": .string(authorizer.checksummed), "withdrawDelay": 900],
                             payTo: Address = receiver, asset: Address = token) -> PaymentRequirements {
        PaymentRequirements(scheme: "batch-settlement", network: "eip155:84532", asset: asset.checksummed, amount: "1000",
                            payTo: payTo.checksummed, maxTimeoutSeconds: 300, extra: extra)
    }

    func check(_ c: ChannelConfig, _ r: PaymentRequirements, id: Bytes32? = nil) -> BatchSettlementErrorCode? {
        checkChannelConfig(c, channelId: id ?? c.channelId(in: Self.domain), fields: RequirementFields(r), domain: Self.domain)
    }

    @Test func configChecksInTheDocumentedOrder() {
        let c = Self.config()
        #expect(check(c, Self.requirements()) == nil)
        // Every field wrong at once: the first rule wins, then each in turn once the earlier ones pass.
        let other = try! Address(hex: "0x00000000000000000000000000000000000000aa")
        #expect(check(c, Self.requirements(["withdrawDelay": 1], payTo: other, asset: other), id: Bytes32(0, 0, 0, 9)) == .channelIdMismatch)
        #expect(check(c, Self.requirements(["withdrawDelay": 1], payTo: other, asset: other)) == .receiverMismatch)
        #expect(check(c, Self.requirements(["withdrawDelay": 1], asset: other)) == .receiverAuthorizerMismatch)
        #expect(check(c, Self.requirements(["receiverAuthorizer": .string(Address.zero.checksummed)])) == .receiverAuthorizerMismatch)
        #expect(check(c, Self.requirements(["receiverAuthorizer": "not an address"])) == .receiverAuthorizerMismatch)
        #expect(check(c, Self.requirements(["receiverAuthorizer": .string(Self.authorizer.lowercased), "withdrawDelay": 1], asset: other))
                == .tokenMismatch)
        #expect(check(c, Self.requirements(["receiverAuthorizer": .string(Self.authorizer.lowercased), "withdrawDelay": 1]))
                == .withdrawDelayMismatch)
        #expect(check(c, Self.requirements(["receiverAuthorizer": .string(Self.authorizer.lowercased), "withdrawDelay": "900"])) == nil)
        #expect(check(c, Self.requirements(["receiverAuthorizer": .string(Self.authorizer.lowercased), "withdrawDelay": true]))
                == .withdrawDelayMismatch)
        // Absent withdrawDelay: only the contract's range applies.
        let authorizerOnly: JSONObject = ["receiverAuthorizer": .string(Self.authorizer.checksummed)]
        #expect(check(Self.config(delay: 899), Self.requirements(authorizerOnly)) == .withdrawDelayOutOfRange)
        #expect(check(Self.config(delay: 2_592_001), Self.requirements(authorizerOnly)) == .withdrawDelayOutOfRange)
        #expect(check(Self.config(delay: 2_592_000), Self.requirements(authorizerOnly)) == nil)
    }

    @Test func requestFloorOfTheNewerSpec() {
        #expect(BatchSettlementFacilitator.belowRequestFloor(2000, totalClaimed: 1000, amount: 1000) == nil)
        #expect(BatchSettlementFacilitator.belowRequestFloor(1999, totalClaimed: 1000, amount: 1000) != nil)
        #expect(BatchSettlementFacilitator.belowRequestFloor(5, totalClaimed: 5, amount: 0) == nil)
        // A floor past uint128 can never be met (no trap on the overflow).
        #expect(BatchSettlementFacilitator.belowRequestFloor(.max, totalClaimed: .max, amount: 1) != nil)
    }

    @Test func requirementAmountsAreReadStrictly() {
        var r = Self.requirements()
        r.amount = "12345"
        #expect(RequirementFields(r).amount == 12345)
        r.amount = "-1"
        #expect(RequirementFields(r).amount == 0)
        r.amount = String(repeating: "9", count: 60)  // beyond uint128
        #expect(RequirementFields(r).amount == 0)
    }

    @Test func snapshotRoundTrip() throws {
        let state = OnchainChannelState(balance: 10_000, totalClaimed: 3000, withdrawRequestedAt: 1_700_000_000, refundNonce: UInt256(2))
        let object = BatchSettlementFacilitator.snapshotObject(state, channelId: Bytes32(0, 0, 0, 7))
        #expect(object["balance"] == "10000" && object["refundNonce"] == "2" && object["withdrawRequestedAt"] == .number(JSONNumber(UInt64(1_700_000_000))))
        #expect(OnchainChannelState(snapshot: object) == state)
        var broken = object
        broken["balance"] = 5
        #expect(OnchainChannelState(snapshot: broken) == nil)
    }

    @Test func receiptEventsAreMatchedByContractAndTopics() throws {
        let contract = BatchSettlement.settlementAddress
        let channel = Bytes32(0, 0, 0, 42)
        func word(_ v: UInt128) -> [UInt8] { UInt256(v).word.bytes }
        func log(_ address: Address, _ topics: [Bytes32], _ data: [UInt8]) -> JSONValue {
            .object(["address": .string(address.lowercased), "topics": .array(topics.map { .string($0.hex) }),
                     "data": .string(Hex.encode(data)), "logIndex": "0x0", "removed": false])
        }
        let sender = ContractEvents.addressTopic(Self.payer)
        let logs: [JSONValue] = [
            log(Self.token, [ContractEvents.depositedTopic, channel, sender], word(1) + word(2)),        // another contract
            log(contract, [ContractEvents.depositedTopic, Bytes32(0, 0, 0, 43), sender], word(5) + word(6)),  // another channel
            log(contract, [ContractEvents.depositedTopic, channel, sender], word(7000) + word(17000)),
            log(contract, [ContractEvents.settledTopic, ContractEvents.addressTopic(Self.receiver), ContractEvents.addressTopic(Self.token), sender],
                word(3000)),
            log(contract, [ContractEvents.refundedTopic, channel, sender], [0xff] + word(1).dropFirst()),  // over uint128: ignored
        ]
        let receipt = try TransactionReceipt(json: .object([
            "transactionHash": .string(Bytes32(0, 0, 0, 1).hex), "transactionIndex": "0x0", "blockHash": .string(Bytes32(0, 0, 0, 2).hex),
            "blockNumber": "0x10", "from": .string(Self.payer.lowercased), "to": .string(contract.lowercased), "status": "0x1",
            "gasUsed": "0x5208", "cumulativeGasUsed": "0x5208", "logs": .array(logs),
        ]))
        #expect(ContractEvents.deposited(in: receipt, contract: contract, channelId: channel)! == (7000, 17000))
        #expect(ContractEvents.settled(in: receipt, contract: contract, receiver: Self.receiver, token: Self.token) == 3000)
        #expect(ContractEvents.settled(in: receipt, contract: contract, receiver: Self.payer, token: Self.token) == nil)
        #expect(ContractEvents.refunded(in: receipt, contract: contract, channelId: channel) == nil)
    }
}
