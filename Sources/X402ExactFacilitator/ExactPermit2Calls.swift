import X402EVM
import X402EVMMechanisms
import X402Exact

/// Calldata and revert mapping of `x402ExactPermit2Proxy.settle` (the SDK's `permit2_utils.py` settle path, rebuilt).
enum ExactPermit2Calls {
    /// `settle(((address token, uint256 amount) permitted, uint256 nonce, uint256 deadline) permit, address owner,
    /// (address to, uint256 validAfter) witness, bytes signature)`.
    static let settle = function("settle(((address,uint256),uint256,uint256),address,(address,uint256),bytes)")
    /// ERC-20 `allowance(owner, spender)`.
    static let allowance = function("allowance(address owner, address spender) view returns (uint256)")

    // Constant signatures checked by the tests: a typo traps at first use in tests, never on input.
    private static func function(_ signature: String) -> ABIFunction {
        do { return try ABIFunction(signature) } catch { fatalError("bad ABI signature \(signature): \(error)") }
    }

    /// The proxy's and Permit2's custom errors a settle can revert with.
    static let errors: [ABICustomError] = [
        "Permit2612AmountMismatch()", "InvalidAmount()", "InvalidDestination()", "InvalidOwner()", "PaymentTooEarly()",
        "InvalidAmount(uint256)", "SignatureExpired(uint256)", "InvalidNonce()", "InvalidSignature()", "InvalidSignatureLength()",
        "InvalidSigner()", "InvalidContractSignature()",
    ].map { signature in
        do { return try ABICustomError(signature) } catch { fatalError("bad error signature \(signature)") }
    }

    /// The proxy's `settle` calldata for `permit`.
    static func settleCall(_ permit: ExactPermit2Authorization, signature: [UInt8]) throws(ABIError) -> [UInt8] {
        try settle.encodeCall([
            .tuple([.tuple([.address(permit.token), .uint(permit.amount)]), .uint(permit.nonce), .uint(permit.deadline)]),
            .address(permit.from), .tuple([.address(permit.to), .uint(permit.validAfter)]), .bytes(signature),
        ])
    }

    /// The SDK's mapping of a settle revert to a code (`_map_settle_error`): by the custom error's name;
    /// ``ExactErrorCode/transactionFailed`` otherwise.
    static func code(forRevert data: [UInt8]) -> ExactErrorCode {
        guard case .custom(let name, _) = RevertReason.decode(data, known: errors) else { return .transactionFailed }
        if name == "Permit2612AmountMismatch" { return .permit2AmountMismatch2612 }
        if name == "InvalidAmount" { return .permit2InvalidAmount }
        if name == "InvalidDestination" { return .permit2InvalidDestination }
        if name == "InvalidOwner" { return .permit2InvalidOwner }
        if name == "PaymentTooEarly" { return .permit2PaymentTooEarly }
        if name.hasPrefix("InvalidSignature") || name == "SignatureExpired" { return .permit2InvalidSignature }
        if name == "InvalidNonce" { return .permit2InvalidNonce }
        return .transactionFailed
    }
}
