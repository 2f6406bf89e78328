import Testing
import X402EVM
@testable import X402BatchSettlement

/// Every selector, topic0 and error selector of protocol.md B.7 equals the value computed from its signature.
@Suite struct SelectorTests {
    typealias S = BatchSettlementABI

    @Test func functionSelectors() {
        let expected: [(ABIFunction, String)] = [
            (S.deposit, "0x140f1e75"), (S.claim, "0x29237b0c"), (S.claimWithSignature, "0xe43ce1f2"),
            (S.settle, "0x9db32a8f"), (S.initiateWithdraw, "0xcf5cf3dc"), (S.finalizeWithdraw, "0xe88377b1"),
            (S.refund, "0xdce4bfae"), (S.refundWithSignature, "0xb77433e9"), (S.multicall, "0xac9650d8"),
            (S.getChannelId, "0x5e5e0b87"), (S.getVoucherDigest, "0x862bb199"), (S.getRefundDigest, "0xe25cf189"),
            (S.getClaimBatchDigest, "0x488ccc3b"), (S.channels, "0x7a7ebd7b"), (S.pendingWithdrawals, "0xb7f06ebe"),
            (S.receivers, "0x21ff6389"), (S.refundNonce, "0xf0dc792e"), (S.minWithdrawDelay, "0xae159439"),
            (S.maxWithdrawDelay, "0x1fc3277d"), (S.channelConfigTypehash, "0x8e4a68ac"), (S.voucherTypehash, "0x94739e87"),
            (S.refundTypehash, "0x1e69ef40"), (S.claimEntryTypehash, "0xba94ec0d"), (S.claimBatchTypehash, "0x53ab0fae"),
            (S.eip712Domain, "0x84b0196e"), (S.collect, "0xe416d8d3"), (S.x402BatchSettlement, "0x4dec6d95"),
            (S.permit2, "0x6afdd850"), (S.depositWitnessTypeString, "0x22971aa0"), (S.depositWitnessTypehash, "0x4f829976"),
            (S.receiveWithAuthorization, "0x88b7ab63"), (S.balanceOf, "0x70a08231"), (S.allowance, "0xdd62ed3e"),
            (S.permit, "0xd505accf"), (S.permitWitnessTransferFrom, "0x137c29fe"), (S.isValidSignature, "0x1626ba7e"),
            (S.tryAggregate, "0xbce38bd7"),
            // Not in B.7; well-known values (Multicall3, ERC-3009, EIP-2612).
            (S.aggregate3, "0x82ad56cb"), (S.authorizationState, "0xe94a0102"), (S.nonces, "0x7ecebe00"),
        ]
        for (function, selector) in expected {
            #expect(function.selectorHex == selector, "\(function.signature)")
        }
        #expect(Set(expected.map(\.0.signature)) == Set(S.allFunctions.map(\.signature)))
        #expect(S.erc1271MagicValue == S.isValidSignature.selector)
    }

    @Test func canonicalSignaturesOfStructArguments() {
        #expect(S.claimWithSignature.signature
            == "claimWithSignature((((address,address,address,address,address,uint40,bytes32),uint128),bytes,uint128)[],bytes)")
        #expect(S.permitWitnessTransferFrom.signature
            == "permitWitnessTransferFrom(((address,uint256),uint256,uint256),(address,uint256),address,bytes32,string,bytes)")
        #expect(S.channels.outputTypes == [.uint(128), .uint(128)])
        #expect(S.pendingWithdrawals.outputTypes == [.uint(128), .uint(40)])
    }

    @Test func eventTopics() {
        let expected: [(ABIEvent, String)] = [
            (S.Events.channelCreated, "0x69d8248d5566bdb2ebc4d218970710d8378a2ff9b709a999e052b71970f808fa"),
            (S.Events.channelClosed, "0x8d5942f197f362dfd44dfdc1b0b7a9721c9151b67f55817c83349271d3c08d37"),
            (S.Events.deposited, "0x6c2a09353b5e75e70d0b9778b80a413809bb235d46c211811c474b3346791d89"),
            (S.Events.claimed, "0x36bd546bb573e8921fdbfd934bbed62d872796b01792cd240cce27f79dd3eddd"),
            (S.Events.settled, "0x7337b4386b690fdb8ba66905b92b9d45d33bc6626ee2620c905fb150ec0cc47d"),
            (S.Events.refunded, "0xa84286cf8ebc7903a663c77c8d99aa92b600d4c2fcca872a5d4a663db4eb394b"),
            (S.Events.withdrawInitiated, "0xe4280d0d903c7f258f62b07c62f262377cbaa23f7791d78126e6446e0f0e3c23"),
            (S.Events.withdrawFinalized, "0x546ce1e2242cd930c196bd08b894443562d709b4fffe4f028a75a6d233efc6e3"),
            (S.Events.eip2612PermitFailedWithReason, "0x0fea7e5a0e14e9f700b9b0666ffd524bacb9ceb9e6234ea2bfb8e1d0ee2365e7"),
            (S.Events.eip2612PermitFailedWithPanic, "0x278207c426558a8c6ef49e9a3c6f87d257ca5c1852f0c988ad5caf894d197623"),
            (S.Events.eip2612PermitFailedWithData, "0x41d715076dfd9c1fd3135fbb7675020aab7fb8e82349a0cd5aaa970dcfb816fe"),
        ]
        for (event, topic) in expected {
            #expect(event.topic0.hex == topic, "\(event.signature)")
        }
        #expect(expected.count == S.Events.all.count)
    }

    @Test func customErrorSelectors() {
        let e = S.Errors.self
        let expected: [(ABICustomError, String)] = [
            (e.invalidChannel, "0xea3a9a39"), (e.zeroDeposit, "0x56316e87"), (e.depositOverflow, "0x1132981b"),
            (e.invalidSignature, "0x8baa579f"), (e.notReceiverAuthorizer, "0xf5e2237d"),
            (e.notAuthorizedToClaim, "0xdefb7069"), (e.notAuthorizedToRefund, "0x7864f008"),
            (e.claimExceedsCeiling, "0xf1789775"), (e.claimExceedsBalance, "0x7d8242b6"),
            (e.withdrawalAlreadyPending, "0xa2aed0f0"), (e.withdrawalNotPending, "0x3a0a1ca6"),
            (e.notAuthorizedToFinalizeWithdraw, "0x15f969d5"), (e.withdrawDelayNotElapsed, "0xf3965827"),
            (e.nothingToWithdraw, "0xd0d04f60"), (e.withdrawAmountExceedsAvailable, "0x6d3d5764"),
            (e.withdrawDelayOutOfRange, "0x4574fab6"), (e.emptyBatch, "0xc2e5347d"),
            (e.depositCollectionFailed, "0xeb43592c"), (e.invalidCollector, "0x18b1afd4"),
            (e.invalidRefundNonce, "0x164f1afe"), (e.zeroRefund, "0xd758525c"),
            (e.reentrancyGuardReentrantCall, "0x3ee5aeb5"), (e.onlyX402BatchSettlement, "0x9794beb9"),
            (e.invalidX402BatchSettlementAddress, "0xe55654f5"), (e.invalidPermit2Address, "0x59106c89"),
            (e.permit2612AmountMismatch, "0x050cda49"),
        ]
        for (error, selector) in expected {
            #expect(error.selectorHex == selector, "\(error.signature)")
        }
        #expect(expected.count == e.all.count)
    }

    @Test func revertDataClassifiesSchemeErrors() throws {
        #expect(S.revertReason(try Hex.decode("0x8baa579f")) == .custom(name: "InvalidSignature", args: []))
        #expect(S.revertReason([]) == .empty)
        #expect(S.revertReason(try Hex.decode("0xdeadbeef")) == .unknown([0xde, 0xad, 0xbe, 0xef]))
    }
}

@Suite struct EventDecodingTests {
    typealias E = BatchSettlementABI.Events
    static let channelId = try! Bytes32(hex: "0x66f2b00c9859327c1b959575fc0b0ff71971f15eda6ff270caa3cec308ede223")

    @Test func decodesSettlementLogs() throws {
        let created = try E.channelCreated.encodeLog([.bytes32(Self.channelId), Fixture.config1.abiValue])
        #expect(created.topics == [E.channelCreated.topic0, Self.channelId])
        #expect(created.data.count == 7 * 32)
        #expect(try BatchSettlementEvent.decode(topics: created.topics, data: created.data)
            == .channelCreated(channelId: Self.channelId, config: Fixture.config1))

        let deposited = try E.deposited.encodeLog([.bytes32(Self.channelId), .address(Fixture.payer), .uint128(10000), .uint128(10000)])
        #expect(try BatchSettlementEvent.decode(topics: deposited.topics, data: deposited.data)
            == .deposited(channelId: Self.channelId, sender: Fixture.payer, amount: 10000, newBalance: 10000))

        let settled = try E.settled.encodeLog([.address(Fixture.receiver), .address(Fixture.usdc), .address(Fixture.payer), .uint128(2500)])
        #expect(settled.topics.count == 4)
        #expect(try BatchSettlementEvent.decode(topics: settled.topics, data: settled.data)
            == .settled(receiver: Fixture.receiver, token: Fixture.usdc, sender: Fixture.payer, amount: 2500))

        let initiated = try E.withdrawInitiated.encodeLog([.bytes32(Self.channelId), .uint128(5), .uint64(1_770_000_900)])
        #expect(try BatchSettlementEvent.decode(topics: initiated.topics, data: initiated.data)
            == .withdrawInitiated(channelId: Self.channelId, amount: 5, finalizeAfter: 1_770_000_900))
    }

    @Test func unknownLogsAreNilAndMalformedKnownLogsThrow() throws {
        let transferTopic = Keccak256.hash("Transfer(address,address,uint256)")
        #expect(try BatchSettlementEvent.decode(topics: [transferTopic], data: []) == nil)
        #expect(try BatchSettlementEvent.decode(topics: [], data: []) == nil)
        let deposited = try E.deposited.encodeLog([.bytes32(Self.channelId), .address(Fixture.payer), .uint128(1), .uint128(1)])
        #expect(throws: ABIError.self) { try BatchSettlementEvent.decode(topics: deposited.topics, data: deposited.data.prefix(63)) }
        #expect(throws: ABIError.topicMismatch) { try BatchSettlementEvent.decode(topics: Array(deposited.topics.prefix(2)), data: deposited.data) }
    }
}
