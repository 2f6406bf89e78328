import Logging
import Synchronization
import X402Core
import X402EVM
import X402EVMMechanisms
import X402EVMRPC
import X402EVMRelayer
import X402Exact

/// The `exact` facilitator scheme on one EVM chain, ERC-3009 `transferWithAuthorization` (Python SDK 2.25.0
/// `ExactEvmScheme`, its verify order and error codes).
///
/// `/verify`: the offline rules of ``ExactRules``, then the signature against the chain (ECDSA for an account
/// without code, ERC-1271 for a contract wallet), the asset's code, and an `eth_call` of the transfer whose revert
/// is named (nonce used, balance, expiry, signature) or diagnosed from `authorizationState`, `name`, `version` and
/// `balanceOf`.
///
/// `/settle`: the same checks, then `transferWithAuthorization` through the shared ``Relayer`` (its nonce manager and
/// journal, so a settle retried with the same authorization gets the first one's transaction and answer), the
/// receipt, and the token's `Transfer(from, to, value)` log (fail closed). An unconfirmed transaction answers
/// `settlement_pending` with its hash.
public final class ExactFacilitator: SchemeNetworkFacilitator {
    /// `exact`.
    public let scheme = Exact.scheme
    /// `eip155:*`.
    public let caipFamily = "eip155:*"
    /// Settings.
    public let configuration: ExactFacilitatorConfiguration
    /// Sends the transfers (shared with the other schemes of the facilitator).
    public let relayer: Relayer
    /// Where refusals and failures are logged.
    public let logger: Logger

    /// Assets already seen to be contracts (the SDK caches the positive answer too).
    private let knownAssets = Mutex<Set<Address>>([])

    /// A facilitator for `configuration.chainId`, sending through `relayer` (same chain).
    public init(relayer: Relayer, configuration: ExactFacilitatorConfiguration,
                logger: Logger = Logger(label: "x402.facilitator.exact")) {
        self.relayer = relayer
        self.configuration = configuration
        self.logger = logger
    }

    /// The relayer addresses.
    public func signers(for network: Network) -> [String] { relayer.addresses.map(\.checksummed) }

    var network: Network { configuration.network }

    // MARK: Verify

    /// Checks the payment without moving funds.
    public func verify(_ payload: PaymentPayload, requirements: PaymentRequirements) async throws -> VerifyResponse {
        if ExactPermit2Payload.isPermit2(payload.payload) {
            switch await checkPermit2(payload, requirements: requirements) {
            case .success(let payment): return VerifyResponse(isValid: true, payer: payment.payer.checksummed)
            case .failure(let failure): return failure.verifyResponse
            }
        }
        switch await check(payload, requirements: requirements, simulate: true) {
        case .success(let payment): return VerifyResponse(isValid: true, payer: payment.payer.checksummed)
        case .failure(let failure): return failure.verifyResponse
        }
    }

    /// Offline rules, then the chain; `simulate` runs the transfer as an `eth_call` (settle leaves that to the
    /// relayer's gas estimate, which runs the same call).
    func check(_ payload: PaymentPayload, requirements: PaymentRequirements, simulate: Bool) async
        -> Result<ExactCheckedPayment, ExactRuleFailure> {
        let payment: ExactCheckedPayment
        switch ExactRules.check(payload, requirements: requirements, chainId: configuration.chainId, now: configuration.now()) {
        case .success(let p): payment = p
        case .failure(let f): return .failure(f)
        }
        if let failure = await checkSignature(payment) { return .failure(failure) }
        if let failure = await checkAsset(payment) { return .failure(failure) }
        if simulate, let failure = await simulateTransfer(payment) { return .failure(failure) }
        return .success(payment)
    }

    /// ECDSA for an account without code; ERC-1271 for a contract, whose refusal is left to the simulation (the
    /// token's own check decides, as in the SDK).
    func checkSignature(_ p: ExactCheckedPayment) async -> ExactRuleFailure? {
        let signature = ExactTokenCalls.normalized(p.payload.signature)
        let code: [UInt8]
        do { code = try await relayer.rpc.getCode(p.payer) } catch {
            return failure(.failedToVerifySignature, p, "\(error)")
        }
        if !code.isEmpty { return nil }
        if signature.count > 32, Array(signature.suffix(32)) == Self.erc6492MagicSuffix { return failure(.factoryNotAllowed, p) }
        if signature.count != 65 { return failure(.undeployedSmartWallet, p) }
        return recovers(digest: p.digest, signature: signature, to: p.payer) ? nil : failure(.invalidSignature, p)
    }

    /// ERC-6492 signatures end with `0x6492…6492` (32 bytes).
    static let erc6492MagicSuffix: [UInt8] = Array(repeating: [0x64, 0x92], count: 16).flatMap { $0 }

    /// The asset must be a contract (cached once seen).
    func checkAsset(_ p: ExactCheckedPayment) async -> ExactRuleFailure? { await assetFailure(p.token, payer: p.payer) }

    /// Why `token` cannot be paid with (no code, or its code could not be read); nil for a contract.
    func assetFailure(_ token: Address, payer: Address) async -> ExactRuleFailure? {
        if knownAssets.withLock({ $0.contains(token) }) { return nil }
        let code: [UInt8]
        do { code = try await relayer.rpc.getCode(token) } catch {
            return ExactRuleFailure(ErrorReason(.failedToGetAssetInfo), message: String("\(error)".prefix(300)), payer: payer)
        }
        if code.isEmpty { return ExactRuleFailure(ErrorReason(.assetNotDeployedContract), payer: payer) }
        knownAssets.withLock { _ = $0.insert(token) }
        return nil
    }

    /// `eth_call` of the transfer; a failure is named from its revert reason, else diagnosed from the token's state.
    func simulateTransfer(_ p: ExactCheckedPayment) async -> ExactRuleFailure? {
        let data: [UInt8]
        do { data = try ExactTokenCalls.transfer(p.payload.authorization, signature: p.payload.signature) } catch {
            return failure(.failedToVerifySignature, p, "\(error)")
        }
        do {
            _ = try await relayer.call(to: p.token, data: data)
            return nil
        } catch {
            var code = ExactErrorCode.transactionSimulationFailed
            if error.revertData != nil {
                let named = ExactTokenCalls.code(forRevert: error.description)
                if named != .transactionFailed { code = named }
            }
            if code == .transactionSimulationFailed { code = await diagnose(p) }
            logger.warning("exact verify: transfer simulation failed", metadata: [
                "payer": "\(p.payer)", "reason": "\(code)", "revert": "\(error)",
            ])
            return failure(code, p, error.description)
        }
    }

    /// The SDK's diagnosis of a failed simulation: nonce state (a token that reverts on `authorizationState` is not
    /// ERC-3009; a node that cannot answer leaves the generic code), the domain name and version, then the balance.
    func diagnose(_ p: ExactCheckedPayment) async -> ExactErrorCode {
        let auth = p.payload.authorization
        /// The decoded first output; `.failure(true)` when the call reverted, `.failure(false)` when it could not be made.
        func read(_ function: ABIFunction, _ args: [ABIValue]) async -> Result<ABIValue, DiagnosisReadFailure> {
            guard let data = try? function.encodeCall(args) else { return .failure(DiagnosisReadFailure(reverted: false)) }
            do {
                let answer = try await relayer.call(to: p.token, data: data)
                guard let value = try? function.decodeOutput(answer).first else { return .failure(DiagnosisReadFailure(reverted: true)) }
                return .success(value)
            } catch {
                return .failure(DiagnosisReadFailure(reverted: error.revertData != nil))
            }
        }
        async let used = read(TokenABI.authorizationState, [.address(auth.from), .bytes32(auth.nonce)])
        async let name = read(TokenABI.name, [])
        async let version = read(TokenABI.version, [])
        async let balance = read(TokenABI.balanceOf, [.address(auth.from)])
        switch await used {
        case .failure(let failure): return failure.reverted ? .eip3009NotSupported : .transactionSimulationFailed
        case .success(let state):
            guard let state = state.asBool else { return .eip3009NotSupported }
            if state { return .nonceAlreadyUsed }
        }
        if case .success(let n) = await name, let text = n.asString, text != p.domain.name { return .tokenNameMismatch }
        if case .success(let v) = await version, let text = v.asString, text != p.domain.version { return .tokenVersionMismatch }
        if case .success(let b) = await balance, let amount = b.asUInt256, amount < auth.value { return .insufficientBalance }
        return .transactionSimulationFailed
    }

    func failure(_ code: ExactErrorCode, _ p: ExactCheckedPayment, _ message: String? = nil) -> ExactRuleFailure {
        ExactRuleFailure(ErrorReason(code), message: message.map { String($0.prefix(300)) }, payer: p.payer)
    }
}

/// Why a read of the simulation diagnosis failed: the token reverted (or answered garbage), or the node could not be
/// asked.
struct DiagnosisReadFailure: Error {
    var reverted: Bool
}
