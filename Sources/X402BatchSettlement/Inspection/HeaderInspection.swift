import X402Core
import X402EVM

/// What an x402 header carries (protocol.md A.1).
public enum X402HeaderKind: String, Sendable, Hashable, CaseIterable {
    /// `PAYMENT-REQUIRED`: a ``PaymentRequired``.
    case paymentRequired = "PAYMENT-REQUIRED"
    /// `PAYMENT-SIGNATURE`: a ``PaymentPayload``.
    case paymentSignature = "PAYMENT-SIGNATURE"
    /// `PAYMENT-RESPONSE`: a ``SettleResponse``.
    case paymentResponse = "PAYMENT-RESPONSE"
}

/// One problem found in a header, with the protocol error code a verifier would report.
public struct InspectionProblem: Hashable, Sendable, CustomStringConvertible {
    /// The wire error code (`invalid_batch_settlement_evm_…`, or a generic x402 code).
    public var code: String
    /// Where and what, for a person.
    public var message: String

    /// A problem with a code and a message.
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    init(_ code: BatchSettlementErrorCode, _ message: String) { self.init(code: code.rawValue, message: message) }

    public var description: String { "\(code): \(message)" }
}

/// Why a header could not be read at all (as opposed to read and found invalid).
public enum HeaderInspectionError: Error, Sendable, CustomStringConvertible {
    /// Neither base64 JSON nor JSON text, or over the size limits.
    case unreadable(String)
    /// JSON that is none of the three header shapes.
    case unknownShape

    public var description: String {
        switch self {
        case .unreadable(let why): "unreadable header: \(why)"
        case .unknownShape: "not a PAYMENT-REQUIRED, PAYMENT-SIGNATURE or PAYMENT-RESPONSE value"
        }
    }
}

/// A decoded x402 header with every problem found in it: what `x402 decode` prints.
///
/// Checks are offline (no chain): shapes and ranges, CAIP-2 networks, batch-settlement requirement extras,
/// channel ids against the channel config, the config against the accepted requirement (B.17.1), and voucher
/// signatures recovered against `payerAuthorizer` (or the payer, when it delegates to none).
public struct HeaderInspection: Sendable {
    /// The detected kind.
    public var kind: X402HeaderKind
    /// The decoded JSON, as sent.
    public var json: JSONValue
    /// Everything wrong with it; empty when valid.
    public var problems: [InspectionProblem]
    /// Facts worth showing that are not problems (recovered signer, computed channel id, …).
    public var notes: [String]

    /// True when no problem was found.
    public var isValid: Bool { problems.isEmpty }

    /// Inspects a header value (base64 JSON) or raw JSON text; `kind` forces the shape instead of detecting it.
    public init(_ text: String, kind forced: X402HeaderKind? = nil) throws(HeaderInspectionError) {
        let trimmed = text.trimmingASCIIWhitespace()
        let json: JSONValue
        if trimmed.hasPrefix("{") {
            do { json = try JSONParser.parse(trimmed) } catch { throw .unreadable("malformed JSON: \(error)") }
        } else {
            do { json = try HeaderCodec.decodeJSON(trimmed) } catch { throw .unreadable("\(error)") }
        }
        guard let object = json.objectValue else { throw .unknownShape }
        let kind: X402HeaderKind
        if let forced {
            kind = forced
        } else if object["accepts"] != nil {
            kind = .paymentRequired
        } else if object["accepted"] != nil || object["payload"] != nil {
            kind = .paymentSignature
        } else if object["success"] != nil {
            kind = .paymentResponse
        } else {
            throw .unknownShape
        }
        self.kind = kind
        self.json = json
        self.problems = []
        self.notes = []
        switch kind {
        case .paymentRequired: inspectRequired()
        case .paymentSignature: inspectSignature()
        case .paymentResponse: inspectResponse()
        }
    }

    // MARK: Kinds

    mutating func inspectRequired() {
        guard let required = decode(PaymentRequired.self) else { return }
        checkVersion(required.x402Version)
        if required.accepts.isEmpty { problem("invalid_payment_requirements", "accepts is empty") }
        for (i, requirement) in required.accepts.enumerated() {
            inspect(requirement, at: "accepts[\(i)]")
        }
    }

    mutating func inspectSignature() {
        guard let payload = decode(PaymentPayload.self) else { return }
        checkVersion(payload.x402Version)
        inspect(payload.accepted, at: "accepted")
        guard payload.accepted.scheme.utf8Equals(BatchSettlement.scheme) else {
            notes.append("scheme \(payload.accepted.scheme): only batch-settlement payloads are checked in depth")
            return
        }
        let scheme: BatchSettlementPayload
        do { scheme = try BatchSettlementPayload(payload) } catch {
            problems.append(InspectionProblem(error.errorCode, "payload: \(error)"))
            return
        }
        notes.append("payload type: \(scheme.kind.rawValue)")
        guard let chainId = try? payload.accepted.network.evmChainId() else { return }
        if let config = scheme.channelConfig, let voucher = scheme.voucher {
            inspectChannel(config, voucher: voucher, requirement: payload.accepted, chainId: chainId)
        }
        if case .deposit(let deposit) = scheme, deposit.deposit.amount == 0 {
            problems.append(InspectionProblem(.depositPayload, "deposit.amount is 0"))
        }
    }

    mutating func inspectResponse() {
        guard let response = decode(SettleResponse.self) else { return }
        checkNetwork(response.network, at: "network")
        if !response.success && (response.errorReason?.rawValue ?? "").isEmpty {
            problem("invalid_payment_response", "success is false but errorReason is missing")
        }
        if !response.transaction.isEmpty && (try? Bytes32(hex: response.transaction)) == nil {
            problem("invalid_payment_response", "transaction \(response.transaction) is not a 0x-prefixed 32-byte hash")
        }
        if let amount = response.amount, !amount.isEmpty, (try? UInt256(decimal: amount)) == nil {
            problem("invalid_payment_response", "amount \(amount) is not a uint256 decimal string")
        }
        if let extra = response.extra, extra["channelState"] != nil || extra["chargedAmount"] != nil {
            do { _ = try BatchSettlementResponseExtra(extra: extra) } catch {
                problems.append(InspectionProblem(.refundPayload, "extra: \(error)"))
            }
        }
    }

    // MARK: Pieces

    mutating func inspect(_ requirement: PaymentRequirements, at path: String) {
        checkNetwork(requirement.network, at: "\(path).network")
        if (try? UInt256(decimal: requirement.amount)) == nil {
            problem("invalid_payment_requirements", "\(path).amount \"\(requirement.amount)\" is not a uint256 decimal string")
        }
        if requirement.maxTimeoutSeconds <= 0 {
            problem("invalid_payment_requirements", "\(path).maxTimeoutSeconds must be positive")
        }
        guard requirement.scheme.utf8Equals(BatchSettlement.scheme) else { return }
        if (try? Address(hex: requirement.payTo)) == nil {
            problems.append(InspectionProblem(.receiverMismatch, "\(path).payTo \"\(requirement.payTo)\" is not an address"))
        }
        if (try? Address(hex: requirement.asset)) == nil {
            problems.append(InspectionProblem(.tokenMismatch, "\(path).asset \"\(requirement.asset)\" is not an address"))
        }
        let extra: BatchSettlementRequirementsExtra
        do { extra = try BatchSettlementRequirementsExtra(extra: requirement.extra) } catch {
            problems.append(InspectionProblem(.receiverAuthorizerMismatch, "\(path).extra: \(error)"))
            return
        }
        if !(BatchSettlement.minWithdrawDelay...BatchSettlement.maxWithdrawDelay).contains(extra.withdrawDelay) {
            problems.append(InspectionProblem(.withdrawDelayOutOfRange,
                "\(path).extra.withdrawDelay \(extra.withdrawDelay) is outside \(BatchSettlement.minWithdrawDelay)...\(BatchSettlement.maxWithdrawDelay)"))
        }
        if extra.transferMethod == .eip3009 && (extra.name == nil || extra.version == nil) {
            problems.append(InspectionProblem(.missingEIP712Domain, "\(path).extra lacks the token's EIP-712 name/version"))
        }
    }

    mutating func inspectChannel(_ config: ChannelConfig, voucher: SignedVoucher, requirement: PaymentRequirements, chainId: UInt64) {
        let domain = BatchSettlementDomain(chainId: chainId)
        let computed = config.channelId(in: domain)
        notes.append("channel id (computed): \(computed.hex)")
        if voucher.channelId != computed {
            problems.append(InspectionProblem(.channelIdMismatch, "voucher.channelId \(voucher.channelId.hex) != id of channelConfig \(computed.hex)"))
        }
        if let payTo = try? Address(hex: requirement.payTo), payTo != config.receiver {
            problems.append(InspectionProblem(.receiverMismatch, "channelConfig.receiver \(config.receiver.checksummed) != accepted.payTo"))
        }
        if let asset = try? Address(hex: requirement.asset), asset != config.token {
            problems.append(InspectionProblem(.tokenMismatch, "channelConfig.token \(config.token.checksummed) != accepted.asset"))
        }
        if let extra = try? BatchSettlementRequirementsExtra(extra: requirement.extra) {
            if extra.receiverAuthorizer != config.receiverAuthorizer {
                problems.append(InspectionProblem(.receiverAuthorizerMismatch,
                    "channelConfig.receiverAuthorizer \(config.receiverAuthorizer.checksummed) != accepted.extra.receiverAuthorizer"))
            }
            if extra.withdrawDelay != config.withdrawDelay {
                problems.append(InspectionProblem(.withdrawDelayMismatch,
                    "channelConfig.withdrawDelay \(config.withdrawDelay) != accepted.extra.withdrawDelay \(extra.withdrawDelay)"))
            }
        }
        if !(BatchSettlement.minWithdrawDelay...BatchSettlement.maxWithdrawDelay).contains(config.withdrawDelay) {
            problems.append(InspectionProblem(.withdrawDelayOutOfRange, "channelConfig.withdrawDelay \(config.withdrawDelay) out of range"))
        }
        let expected = config.payerAuthorizer == .zero ? config.payer : config.payerAuthorizer
        let role = config.payerAuthorizer == .zero ? "payer" : "payerAuthorizer"
        let message = Voucher(channelId: voucher.channelId, maxClaimableAmount: voucher.maxClaimableAmount.value)
        guard voucher.signature.bytes.count == 65, let signature = try? Signature(voucher.signature.bytes) else {
            if config.payerAuthorizer == .zero {
                notes.append("voucher signature is \(voucher.signature.bytes.count) bytes: an ERC-1271 wallet signature, checked on chain only")
            } else {
                problems.append(InspectionProblem(.voucherSignature, "voucher.signature is not a 65-byte ECDSA signature"))
            }
            return
        }
        do {
            let signer = try message.recoverSigner(signature, in: domain)
            notes.append("voucher signer (recovered): \(signer.checksummed)")
            if signer != expected {
                if config.payerAuthorizer == .zero {
                    notes.append("signer is not the payer: valid only if the payer is an ERC-1271 wallet accepting it")
                } else {
                    problems.append(InspectionProblem(.voucherSignature, "voucher signed by \(signer.checksummed), expected \(role) \(expected.checksummed)"))
                }
            }
        } catch {
            problems.append(InspectionProblem(.voucherSignature, "voucher signature does not recover: \(error)"))
        }
        if let price = (try? UInt256(decimal: requirement.amount))?.uint128, voucher.maxClaimableAmount.value < price {
            problems.append(InspectionProblem(.cumulativeAmountMismatch,
                "voucher.maxClaimableAmount \(voucher.maxClaimableAmount) is below the price \(price)"))
        }
    }

    mutating func decode<T: Decodable>(_ type: T.Type) -> T? {
        do { return try X402JSON.decode(type, from: json) } catch {
            problem("invalid_payload", "\(kind.rawValue) shape: \(error)")
            return nil
        }
    }

    mutating func checkVersion(_ version: Int) {
        if version != x402Version { problem("unsupported_version", "x402Version \(version), expected \(x402Version)") }
    }

    mutating func checkNetwork(_ network: Network, at path: String) {
        if (try? Network(validating: network.rawValue)) == nil {
            problem("unsupported_network", "\(path) \"\(network.rawValue)\" is not a CAIP-2 id")
        }
    }

    mutating func problem(_ code: String, _ message: String) {
        problems.append(InspectionProblem(code: code, message: message))
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let b = Array(utf8)
        var lo = 0, hi = b.count
        while lo < hi, b[lo] == 0x20 || b[lo] == 0x0A || b[lo] == 0x0D || b[lo] == 0x09 { lo += 1 }
        while hi > lo, b[hi - 1] == 0x20 || b[hi - 1] == 0x0A || b[hi - 1] == 0x0D || b[hi - 1] == 0x09 { hi -= 1 }
        return String(decoding: b[lo..<hi], as: UTF8.self)
    }
}
