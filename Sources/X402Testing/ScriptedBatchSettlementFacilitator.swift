import Synchronization
import X402BatchSettlement
import X402Core
import X402EVM

/// A facilitator for unit tests of batch-settlement sellers and buyers, without a chain: it answers `/verify` with a
/// chain snapshot it keeps, settles deposits and refunds against that snapshot, and records every call.
public final class ScriptedBatchSettlementFacilitator: FacilitatorClient {
    /// The one channel's on-chain state as the facilitator reports it.
    public struct Chain: Sendable {
        /// Deposited and not refunded.
        public var balance: UInt128 = 0
        /// Claimed by the receiver so far.
        public var totalClaimed: UInt128 = 0
        /// When the payer started a withdrawal (0: none).
        public var withdrawRequestedAt: UInt64 = 0
        /// Cooperative refunds so far.
        public var refundNonce: UInt64 = 0
    }

    /// The chain state (tests may change it).
    public let chain = Mutex(Chain())
    /// Every payload `/verify` was asked about.
    public let verifies = Mutex<[PaymentPayload]>([])
    /// Every payload `/settle` was asked about.
    public let settles = Mutex<[PaymentPayload]>([])
    /// When true, `/settle` fails with `deposit_transaction_failed`.
    public let failSettle = Mutex(false)
    /// The `receiverAuthorizer` that `/supported` advertises, if any.
    public let advertisedAuthorizer: Address?

    /// A facilitator advertising `advertisedAuthorizer` (none by default).
    public init(advertisedAuthorizer: Address? = nil) { self.advertisedAuthorizer = advertisedAuthorizer }

    /// The chain fields of a verify or settle answer for channel `id`.
    public func snapshot(_ id: Bytes32) -> JSONObject {
        chain.withLock { c in
            ["channelId": .string(id.hex), "balance": .string(String(c.balance)), "totalClaimed": .string(String(c.totalClaimed)),
             "withdrawRequestedAt": .number(JSONNumber(c.withdrawRequestedAt)), "refundNonce": .string(String(c.refundNonce))]
        }
    }

    /// Valid, with the snapshot of the payload's channel.
    public func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> VerifyResponse {
        verifies.withLock { $0.append(payload) }
        let parsed = try BatchSettlementPayload(payload)
        return VerifyResponse(isValid: true, payer: parsed.channelConfig?.payer.checksummed, extra: snapshot(parsed.voucher!.channelId))
    }

    /// A deposit adds to the balance; an enriched refund takes its amount out, sets the claimed total and bumps the
    /// refund nonce; anything else fails.
    public func settle(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> SettleResponse {
        settles.withLock { $0.append(payload) }
        if failSettle.withLock({ $0 }) {
            return .failure(ErrorReason(BatchSettlementErrorCode.depositTransactionFailed), network: requirements.network)
        }
        switch try BatchSettlementPayload(payload) {
        case .deposit(let d):
            chain.withLock { $0.balance += d.deposit.amount.value }
            return SettleResponse(success: true, payer: d.channelConfig.payer.checksummed, transaction: "0x" + String(repeating: "ab", count: 32),
                                  network: requirements.network, amount: d.deposit.amount.description,
                                  extra: ["channelState": .object(snapshot(d.voucher.channelId))])
        case .enrichedRefund(let r):
            chain.withLock {
                $0.totalClaimed = r.claims.map(\.totalClaimed.value).max() ?? $0.totalClaimed
                $0.balance -= r.amount.value
                $0.refundNonce += 1
            }
            return SettleResponse(success: true, payer: r.channelConfig.payer.checksummed, transaction: "0x" + String(repeating: "cd", count: 32),
                                  network: requirements.network, amount: r.amount.description,
                                  extra: ["channelState": .object(snapshot(r.voucher.channelId))])
        default:
            return .failure(.invalidPayload, network: requirements.network)
        }
    }

    /// batch-settlement on Base Sepolia, with the advertised authorizer.
    public func supported() async throws -> SupportedResponse {
        var extra: JSONObject? = nil
        if let advertisedAuthorizer { extra = ["receiverAuthorizer": .string(advertisedAuthorizer.checksummed)] }
        return SupportedResponse(kinds: [SupportedKind(scheme: "batch-settlement", network: "eip155:84532", extra: extra)])
    }
}
