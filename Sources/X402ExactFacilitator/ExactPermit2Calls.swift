import X402EVM
import X402EVMMechanisms
import X402Exact

/// Calldata and revert mapping of `x402ExactPermit2Proxy.settle` (the SDK's `permit2_utils.py` settle path, rebuilt).
enum ExactPermit2Calls {
    /// `settle(((address token, uint256 amount) permitted, uint256 nonce, uint256 deadline) permit, address owner,
    /// (address to, uint256 validAfter) witness, bytes signature)`.
    static let settle = function("settle(((address,uint256),uint256,uint256),address,(address,uint256),bytes)")
    /// `settleWithPermit((uint256 value, uint256 deadline, bytes32 r, bytes32 s, uint8 v) permit2612, permit, owner,
    /// witness, signature)`: the EIP-2612 permit of Permit2 first, then `settle`.
    static let settleWithPermit = function(
        "settleWithPermit((uint256,uint256,bytes32,bytes32,uint8),((address,uint256),uint256,uint256),address,(address,uint256),bytes)")
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
        try settle.encodeCall(settleArguments(permit, signature: signature))
    }

    /// `(permit, owner, witness, signature)` of both entry points.
    private static func settleArguments(_ permit: ExactPermit2Authorization, signature: [UInt8]) -> [ABIValue] {
        [.tuple([.tuple([.address(permit.token), .uint(permit.amount)]), .uint(permit.nonce), .uint(permit.deadline)]),
         .address(permit.from), .tuple([.address(permit.to), .uint(permit.validAfter)]), .bytes(signature)]
    }

    /// The proxy's `settleWithPermit` calldata for `permit` with the EIP-2612 `sponsorship` (its 65-byte signature
    /// split into r, s and v, a `v` of 0 or 1 moved to 27 or 28).
    static func settleWithPermitCall(_ permit: ExactPermit2Authorization, signature: [UInt8], permit sponsorship: EIP2612Sponsorship)
        throws(ABIError) -> [UInt8] {
        let s = sponsorship.signature
        guard s.count == 65 else { throw ABIError.typeMismatch(expected: "a 65-byte EIP-2612 signature") }
        let v = s[64] < 27 ? s[64] + 27 : s[64]
        return try settleWithPermit.encodeCall([
            .tuple([.uint(sponsorship.amount), .uint(sponsorship.deadline), .fixedBytes(Array(s[0..<32])), .fixedBytes(Array(s[32..<64])),
                    .uint(UInt256(UInt64(v)))]),
        ] + settleArguments(permit, signature: signature))
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
