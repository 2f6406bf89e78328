import Logging
import X402BatchSettlement
import X402Core
import X402EVM
import X402EVMMechanisms


/// Options of ``BatchSettlementClientScheme``.
public struct BatchSettlementClientConfiguration: Sendable {
    /// The channel salt (`ChannelConfig.salt`); all-zero by default, as in the SDK clients.
    public var salt: Bytes32
    /// Deposit sizing.
    public var depositPolicy: DepositPolicy
    /// The app's say on each deposit (skip, cap, raise); `nil` accepts the computed deposit.
    public var depositStrategy: DepositStrategy?
    /// Spending controls, checked before signing.
    public var limits: SpendingLimits
    /// Bounds of the voucher-signing (session) key; `nil` means unrestricted.
    public var session: SessionPolicy?
    /// Unix seconds (injectable for tests); sizes `validBefore`/`deadline`, session expiry and budget windows.
    public var clock: @Sendable () -> UInt64
    /// Called when a seller's answer fails a steady-state check and its channel becomes distrusted (channel id,
    /// reason). The paid answer is still handed to the caller; the next payment on that channel is refused.
    public var onChannelDistrusted: (@Sendable (_ channelId: String, _ distrust: ChannelDistrust) -> Void)?

    /// A configuration; every option has the SDK's default.
    public init(salt: Bytes32 = .zero, depositPolicy: DepositPolicy = DepositPolicy(), depositStrategy: DepositStrategy? = nil,
                limits: SpendingLimits = SpendingLimits(), session: SessionPolicy? = nil,
                clock: @escaping @Sendable () -> UInt64 = BatchSettlementClientScheme.systemSeconds,
                onChannelDistrusted: (@Sendable (_ channelId: String, _ distrust: ChannelDistrust) -> Void)? = nil) {
        self.salt = salt
        self.depositPolicy = depositPolicy
        self.depositStrategy = depositStrategy
        self.limits = limits
        self.session = session
        self.clock = clock
        self.onChannelDistrusted = onChannelDistrusted
    }
}

/// The buyer side of `batch-settlement` on EVM (protocol.md B.15): opens and tops up channels with ERC-3009 or
/// Permit2 deposits signed by the wallet, pays with cumulative vouchers signed by the voucher (session) key,
/// checks every `PAYMENT-RESPONSE`, recovers from corrective 402s, and builds cooperative refunds.
///
/// The channel is `ChannelConfig(payer: wallet, payerAuthorizer: voucherSigner, receiver: payTo,
/// receiverAuthorizer: extra.receiverAuthorizer, token: asset, withdrawDelay: extra.withdrawDelay, salt)`.
/// Register it with an `X402Client` for `eip155:*`; HTTP wrappers serialize one channel's payments through
/// ``serializationKey(for:requestURL:)``.
///
/// Gas sponsoring: a Permit2 deposit to a seller that declares `eip2612GasSponsoring` carries the wallet's EIP-2612
/// permit of Permit2 in `PaymentPayload.extensions` when the payer's Permit2 allowance is short (needs `chainReader`).
///
/// Trust: a seller whose response fails a steady-state check (over-charge, wrong channel, inconsistent
/// cumulative or balance) gets its channel *distrusted*: its numbers are never adopted and further payments on
/// that channel throw ``BatchSettlementClientError/channelDistrusted(channelId:_:)`` (refunds still work).
///
/// ```swift
/// let scheme = try BatchSettlementClientScheme(
///     wallet: PrivateKeySigner(walletKey), voucherSigner: PrivateKeySigner(sessionKey),
///     storage: try FileClientChannelStorage(directory: "/var/lib/x402/buyer"),
///     chainReader: RPCChannelChainReader(rpc: rpc, network: "eip155:84532"),
///     configuration: .init(limits: SpendingLimits(maxPerPayment: 10_000, budget: Budget(perOrigin: 1_000_000, window: .seconds(3600))),
///                          session: SessionPolicy(expiresAt: now + 86_400, allowedOrigins: ["https://api.example.com"])))
/// let client = X402Client().register(scheme, for: "eip155:*")
/// // refunds: try await scheme.refund(url: "https://api.example.com/data", transport: { url, headers in ... })
/// ```
public final class BatchSettlementClientScheme: SchemeNetworkClient {
    /// `"batch-settlement"`.
    public let scheme = BatchSettlement.scheme
    /// The payer: signs deposits.
    public let wallet: any TypedDataSigner
    /// Signs vouchers; its address is the channel's `payerAuthorizer`.
    public let voucherSigner: any TypedDataSigner
    /// The options.
    public let configuration: BatchSettlementClientConfiguration
    /// The local channel records.
    public let storage: any ClientChannelStorage
    /// Chain access for recovery, when available.
    public let chainReader: (any ChannelChainReader)?
    let logger: Logger
    private let ledger = SpendingLedger()

    /// Creates the scheme. `voucherSigner` defaults to `wallet` (then `payerAuthorizer == payer`).
    ///
    /// - Throws: ``BatchSettlementClientError/invalidConfiguration(_:)`` when `depositMultiplier < 3`.
    public init(wallet: any TypedDataSigner, voucherSigner: (any TypedDataSigner)? = nil,
                storage: any ClientChannelStorage = InMemoryClientChannelStorage(), chainReader: (any ChannelChainReader)? = nil,
                configuration: BatchSettlementClientConfiguration = BatchSettlementClientConfiguration(),
                logger: Logger = Logger(label: "x402.buyer.batch-settlement")) throws(BatchSettlementClientError) {
        guard configuration.depositPolicy.depositMultiplier >= 3 else {
            throw .invalidConfiguration("depositMultiplier must be an integer >= 3, got \(configuration.depositPolicy.depositMultiplier)")
        }
        self.wallet = wallet
        self.voucherSigner = voucherSigner ?? wallet
        self.storage = storage
        self.chainReader = chainReader
        self.configuration = configuration
        self.logger = logger
    }

    /// The channel's `payerAuthorizer`: the voucher signer's address.
    public var payerAuthorizer: Address { voucherSigner.address }

    /// Unix seconds from the system clock.
    @Sendable public static func systemSeconds() -> UInt64 { WallClock.seconds() }

    // MARK: Channel

    /// One requirement resolved to its channel.
    struct Target {
        var requirements: PaymentRequirements
        var extra: BatchSettlementRequirementsExtra
        var price: UInt128
        var domain: BatchSettlementDomain
        var config: ChannelConfig
        var channelId: Bytes32
        var key: String { ClientChannelRecord.key(channelId) }
    }

    /// The channel config this client uses for `requirements` (protocol.md B.4 client mapping).
    public func channelConfig(for requirements: PaymentRequirements) throws(BatchSettlementClientError) -> ChannelConfig {
        try target(requirements).config
    }

    /// The channel id this client uses for `requirements`.
    public func channelId(for requirements: PaymentRequirements) throws(BatchSettlementClientError) -> Bytes32 {
        try target(requirements).channelId
    }

    /// The stored record of the channel for `requirements`, if any.
    public func channelRecord(for requirements: PaymentRequirements) async throws -> ClientChannelRecord? {
        try await storage.channel(try target(requirements).key)
    }

    func target(_ requirements: PaymentRequirements) throws(BatchSettlementClientError) -> Target {
        guard requirements.scheme == scheme else { throw .invalidRequirements("scheme is \(requirements.scheme), not \(scheme)") }
        guard let price = Amounts.digits(requirements.amount), price > 0 else {
            throw .invalidRequirements("amount '\(requirements.amount)' is not a positive uint128 decimal")
        }
        let extra: BatchSettlementRequirementsExtra
        do { extra = try BatchSettlementRequirementsExtra(extra: requirements.extra) } catch {
            throw .invalidRequirements("extra: \(error)")
        }
        let chainId: UInt64
        do { chainId = try requirements.network.evmChainId() } catch {
            throw .invalidRequirements("network \(requirements.network) is not an eip155 chain")
        }
        let receiver: Address, token: Address
        do {
            receiver = try Address(hex: requirements.payTo)
            token = try Address(hex: requirements.asset)
        } catch {
            throw .invalidRequirements("payTo or asset is not an address")
        }
        let domain = BatchSettlementDomain(chainId: chainId)
        let config = ChannelConfig(payer: wallet.address, payerAuthorizer: payerAuthorizer, receiver: receiver,
                                   receiverAuthorizer: extra.receiverAuthorizer, token: token,
                                   withdrawDelay: extra.withdrawDelay, salt: configuration.salt)
        return Target(requirements: requirements, extra: extra, price: price, domain: domain, config: config,
                      channelId: config.channelId(in: domain))
    }

    /// The stored record, else one recovered from `channels(channelId)` (nil for an empty or unreadable channel).
    func loadOrRecover(_ t: Target) async throws -> ClientChannelRecord? {
        if let record = try await loadRecord(t.key) { return record }
        guard let chainReader else { return nil }
        do {
            let onchain = try await chainReader.channel(t.channelId, network: t.requirements.network)
            guard onchain.balance > 0 || onchain.totalClaimed > 0 else { return nil }
            logger.info("recovered channel from chain", metadata: ["channel": "\(t.key)"])
            return ClientChannelRecord(channelId: t.channelId, chargedCumulativeAmount: onchain.totalClaimed,
                                       balance: onchain.balance, totalClaimed: onchain.totalClaimed)
        } catch {
            logger.warning("channel recovery from chain failed", metadata: ["channel": "\(t.key)", "error": "\(error)"])
            return nil
        }
    }

    private func loadRecord(_ key: String) async throws(BatchSettlementClientError) -> ClientChannelRecord? {
        do { return try await storage.channel(key) } catch let e as BatchSettlementClientError { throw e } catch {
            throw .storage("\(error)")
        }
    }

    private func saveRecord(_ record: ClientChannelRecord) async throws(BatchSettlementClientError) {
        do { try await storage.save(record) } catch let e as BatchSettlementClientError { throw e } catch {
            throw .storage("\(error)")
        }
    }

    private func deleteRecord(_ key: String) async throws(BatchSettlementClientError) {
        do { try await storage.delete(key) } catch let e as BatchSettlementClientError { throw e } catch {
            throw .storage("\(error)")
        }
    }

    // MARK: Session and limits

    /// Refuses when the session key expired or the request's origin is not allowed.
    func checkSession(requestURL: String?) throws(BatchSettlementClientError) {
        do { try configuration.session?.check(requestURL: requestURL, now: configuration.clock()) } catch {
            switch error {
            case .expired(let expiry): throw .sessionExpired(expiresAt: expiry)
            case .originUnknown: throw .originUnknown
            case .originNotAllowed(let origin): throw .originNotAllowed(origin)
            }
        }
    }

    /// Reserves `amount` of the origin's budget in the current window (throws when it would exceed it).
    private func reserveBudget(origin: String, amount: UInt128, now: UInt64) throws(BatchSettlementClientError) {
        guard let budget = configuration.limits.budget else { return }
        if let total = ledger.reserve(origin: origin, amount: amount, now: now, budget: budget) {
            throw .limitExceeded(.budgetPerOrigin, requested: total, limit: budget.perOrigin)
        }
    }

    /// Gives back a reservation whose payment was never signed.
    private func releaseBudget(origin: String, amount: UInt128, now: UInt64) {
        ledger.release(origin: origin, amount: amount, now: now)
    }

    /// The amount authorized for `origin` (a URL or an origin) within the budget's current window.
    public func budgetSpent(origin: String) -> UInt128 {
        guard let budget = configuration.limits.budget, let key = Origin.normalize(origin) else { return 0 }
        return ledger.spent(origin: key, now: configuration.clock(), budget: budget)
    }

    // MARK: Payments

    /// Builds and signs the payload for `requirements` (protocol.md B.15.2): a `deposit` (the voucher included)
    /// when the channel has no balance or `charged + price > balance`, a `voucher` otherwise.
    ///
    /// Every refusal (session, limits, distrust, deposit sizing) is thrown before anything is signed or stored.
    public func createPaymentPayload(for requirements: PaymentRequirements, context: PaymentPayloadContext) async throws -> SchemePayload {
        let t = try target(requirements)
        try checkSession(requestURL: context.requestURL)
        let limits = configuration.limits
        if let max = limits.maxPerPayment, t.price > max { throw BatchSettlementClientError.limitExceeded(.maxPerPayment, requested: t.price, limit: max) }
        var origin: String?
        if limits.budget != nil {
            guard let url = context.requestURL, let o = Origin.normalize(url) else { throw BatchSettlementClientError.originUnknown }
            origin = o
        }
        var record = try await loadOrRecover(t) ?? ClientChannelRecord(channelId: t.channelId, config: t.config, network: t.requirements.network.rawValue)
        if let distrust = record.distrust { throw BatchSettlementClientError.channelDistrusted(channelId: t.key, distrust) }
        if record.config == nil {
            record.config = t.config
            record.network = t.requirements.network.rawValue
        }
        let m = try Amounts.add(record.chargedCumulativeAmount, t.price)
        let balance = record.balance ?? 0
        var deposit: UInt128?
        if balance == 0 || m > balance {
            deposit = try await depositAmount(for: t, record: record, maxClaimable: m, balance: balance,
                                                    spendCap: context.maxAmountPerPayment)
            if let amount = deposit { deposit = try await funded(t, deposit: amount, needed: m - balance) }
        }
        let now = configuration.clock()
        if let origin { try reserveBudget(origin: origin, amount: t.price, now: now) }
        do {
            let voucher = try await signVoucher(t, m)
            let payload: BatchSettlementPayload
            var extensions: JSONObject?
            if let amount = deposit {
                let deadline = try depositDeadline(t, now: now)
                let authorization = try await signDeposit(t, amount: amount, deadline: deadline)
                payload = .deposit(DepositPayload(channelConfig: t.config, voucher: voucher,
                                                  deposit: DepositFields(amount: TokenAmount128(amount), authorization: authorization)))
                extensions = try await eip2612GasSponsoring(t, amount: amount, deadline: deadline, declared: context.extensions)
                record.depositsAuthorized = try Amounts.add(record.depositsAuthorized, amount)
                try await saveRecord(record)
            } else {
                payload = .voucher(VoucherPayload(channelConfig: t.config, voucher: voucher))
            }
            logger.debug("signed batch-settlement payment", metadata: [
                "channel": "\(t.key)", "maxClaimable": "\(m)", "deposit": "\(deposit.map { String($0) } ?? "none")",
                "gasSponsoring": "\(extensions != nil)"])
            return SchemePayload(payload: payload.jsonObject(), extensions: extensions)
        } catch {
            if let origin { releaseBudget(origin: origin, amount: t.price, now: now) }
            throw error
        }
    }

    /// The deposit for a payment that needs one, or nil when the strategy skips it.
    func depositAmount(for t: Target, record: ClientChannelRecord, maxClaimable m: UInt128, balance: UInt128,
                       spendCap: String?) async throws -> UInt128? {
        let needed = m - balance  // m > balance, or balance == 0
        let multiplier = UInt128(configuration.depositPolicy.depositMultiplier)
        var target = try Amounts.multiply(multiplier, t.price)
        if configuration.depositPolicy.useMinDepositHint, let hint = t.extra.minDeposit.flatMap({ Amounts.digits($0) }),
           hint > 0, hint >= t.price {
            target = hint
        }
        var deposit = max(needed, target)
        var maxDeposit: UInt128?
        let caps = [spendCap.flatMap { Amounts.digits($0) }.flatMap { $0 > 0 ? $0 : nil }, configuration.limits.maxPerPayment]
            .compactMap { $0 }
        if let cap = caps.min() {
            let ceiling = cap.multipliedReportingOverflow(by: multiplier)
            let limit = ceiling.overflow ? UInt128.max : ceiling.partialValue
            guard needed <= limit else { throw BatchSettlementClientError.limitExceeded(.depositSpendCap, requested: needed, limit: limit) }
            maxDeposit = limit
        }
        if let perChannel = configuration.limits.maxDepositPerChannel {
            let remaining = perChannel > record.depositsAuthorized ? perChannel - record.depositsAuthorized : 0
            guard needed <= remaining else {
                throw BatchSettlementClientError.limitExceeded(.maxDepositPerChannel,
                                                               requested: try Amounts.add(record.depositsAuthorized, needed), limit: perChannel)
            }
            maxDeposit = min(maxDeposit ?? remaining, remaining)
        }
        if let maxDeposit { deposit = min(deposit, maxDeposit) }
        guard let strategy = configuration.depositStrategy else { return deposit }
        let context = DepositContext(requirements: t.requirements, channelConfig: t.config, channelId: t.channelId, price: t.price,
                                     maxClaimableAmount: m, currentBalance: balance, requiredDeposit: needed,
                                     proposedDeposit: deposit, maxDeposit: maxDeposit)
        switch try await strategy(context) {
        case .accept: return deposit
        case .skip: return nil
        case .amount(let chosen):
            guard chosen >= needed else { throw BatchSettlementClientError.depositBelowRequired(deposit: chosen, required: needed) }
            return maxDeposit.map { min(chosen, $0) } ?? chosen
        }
    }

    /// `deposit` capped at the wallet's token balance, when the chain reader can tell it; a wallet holding less than
    /// `needed` (what this payment needs deposited at least) cannot open or top up the channel: refused before signing.
    func funded(_ t: Target, deposit: UInt128, needed: UInt128) async throws -> UInt128 {
        guard let chainReader else { return deposit }
        let held: UInt256?
        do {
            held = try await chainReader.tokenBalance(token: t.config.token, owner: t.config.payer, network: t.requirements.network)
        } catch {
            // Not knowing is no reason to refuse: the facilitator checks the balance before it settles.
            logger.debug("token balance unreadable; deposit not checked", metadata: ["error": "\(error)"])
            return deposit
        }
        guard let held, held < UInt256(deposit) else { return deposit }
        guard held >= UInt256(needed), let available = held.uint128 else {
            throw BatchSettlementClientError.insufficientFunds(required: needed, available: held)
        }
        return available
    }

    private func signVoucher(_ t: Target, _ m: UInt128) async throws -> SignedVoucher {
        let signature = try await Voucher(channelId: t.channelId, maxClaimableAmount: m).signTypedData(with: voucherSigner, in: t.domain)
        return SignedVoucher(channelId: t.channelId, maxClaimableAmount: TokenAmount128(m), signature: HexBytes(signature.bytes))
    }

    /// `validBefore` / `deadline` of a deposit: now + `maxTimeoutSeconds`.
    private func depositDeadline(_ t: Target, now: UInt64) throws(BatchSettlementClientError) -> UInt64 {
        guard t.requirements.maxTimeoutSeconds >= 0 else { throw .invalidRequirements("negative maxTimeoutSeconds") }
        let (before, overflow) = now.addingReportingOverflow(UInt64(t.requirements.maxTimeoutSeconds))
        guard !overflow else { throw .amountOverflow }
        return before
    }

    private func signDeposit(_ t: Target, amount: UInt128, deadline before: UInt64) async throws -> DepositAuthorization {
        switch t.extra.transferMethod {
        case .eip3009:
            guard let name = t.extra.name, let version = t.extra.version else {
                throw BatchSettlementClientError.invalidRequirements("an eip3009 deposit needs extra.name and extra.version")
            }
            let salt = Self.randomWord()
            let domain = ERC3009Domain(name: name, version: version, chainId: t.domain.chainId, token: t.config.token)
            let auth = ReceiveWithAuthorization.deposit(payer: wallet.address, amount: amount, validBefore: before,
                                                        channelId: t.channelId, salt: salt)
            let signature = try await auth.signTypedData(with: wallet, in: domain)
            return .erc3009(ERC3009Authorization(validAfter: .zero, validBefore: TokenAmount(UInt256(before)), salt: salt,
                                                 signature: HexBytes(signature.bytes)))
        case .permit2:
            let nonce = UInt256(word: Self.randomWord())
            let permit = PermitWitnessTransferFrom(token: t.config.token, amount: UInt256(amount), nonce: nonce,
                                                   deadline: UInt256(before), channelId: t.channelId)
            let signature = try await permit.signTypedData(with: wallet, chainId: t.domain.chainId)
            return .permit2(Permit2Authorization(
                from: wallet.address, permitted: .init(token: t.config.token, amount: TokenAmount(UInt256(amount))),
                spender: permit.spender, nonce: TokenAmount(nonce), deadline: TokenAmount(UInt256(before)),
                witness: .init(channelId: t.channelId), signature: HexBytes(signature.bytes)))
        }
    }

    /// The `eip2612GasSponsoring` extension of a Permit2 deposit (protocol.md B.6), as the Python SDK builds it: only
    /// when the server declared the extension, the requirement names the token's EIP-712 domain (`extra.name`,
    /// `extra.version`), a chain reader is configured and the payer's `allowance(payer, Permit2)` is below the deposit
    /// (an unreadable allowance counts as below). The wallet signs EIP-2612 `Permit(payer, Permit2, amount,
    /// nonces(payer), deadline)` on the token's domain; `deadline` is the Permit2 authorization's.
    ///
    /// The SDK compares the allowance with the request price; this compares it with the deposit, which is what the
    /// Permit2 transfer needs (an allowance between the two would otherwise fail with `…_permit2_allowance_required`).
    func eip2612GasSponsoring(_ t: Target, amount: UInt128, deadline: UInt64, declared: JSONObject?) async throws -> JSONObject? {
        let key = BatchSettlement.eip2612GasSponsoringKey
        guard t.extra.transferMethod == .permit2, declared?[key] != nil, let chainReader,
              let name = t.extra.name, let version = t.extra.version else { return nil }
        let token = t.config.token, network = t.requirements.network
        do {
            let allowance = try await chainReader.allowance(token: token, owner: wallet.address, spender: BatchSettlement.permit2Address,
                                                            network: network)
            if allowance >= UInt256(amount) { return nil }
        } catch {
            logger.debug("Permit2 allowance unreadable; signing an EIP-2612 permit", metadata: ["error": "\(error)"])
        }
        let nonce: UInt256
        do { nonce = try await chainReader.permitNonce(token: token, owner: wallet.address, network: network) } catch {
            throw BatchSettlementClientError.gasSponsoringUnavailable("nonces(\(wallet.address.checksummed)) of \(token.checksummed): \(error)")
        }
        let permit = EIP2612Permit(owner: wallet.address, value: UInt256(amount), nonce: nonce, deadline: UInt256(deadline))
        let domain = ERC3009Domain(name: name, version: version, chainId: t.domain.chainId, token: token)
        let signature = try await permit.signTypedData(with: wallet, in: domain)
        let info: JSONObject = [
            "from": .string(wallet.address.checksummed), "asset": .string(token.checksummed),
            "spender": .string(permit.spender.checksummed), "amount": .string(String(amount)), "nonce": .string(nonce.description),
            "deadline": .string(String(deadline)), "signature": .string(Hex.encode(signature.bytes)), "version": "1",
        ]
        return [key: .object(["info": .object(info)])]
    }

    /// 32 random bytes from the system generator.
    static func randomWord() -> Bytes32 {
        var g = SystemRandomNumberGenerator()
        return Bytes32(g.next(), g.next(), g.next(), g.next())
    }

    /// Payments on one channel must not overlap: the key is the lowercase channel id (nil when the requirement
    /// is not payable by this scheme).
    public func serializationKey(for requirements: PaymentRequirements, requestURL: String?) -> String? {
        try? target(requirements).key
    }
}
