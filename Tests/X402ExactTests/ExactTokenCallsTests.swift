import Testing
import X402EVM
import X402EVMMechanisms
@testable import X402ExactFacilitator
import X402Exact

@Suite struct ExactTokenCallsTests {
    /// Token reverts (Circle's FiatToken strings and the OpenZeppelin custom errors) map to the SDK's codes.
    @Test(arguments: [
        ("FiatTokenV2: authorization is expired", "invalid_exact_evm_payload_authorization_valid_before"),
        ("AuthorizationExpired()", "invalid_exact_evm_payload_authorization_valid_before"),
        ("FiatTokenV2: authorization is not yet valid", "invalid_exact_evm_payload_authorization_valid_after"),
        ("FiatTokenV2: authorization is used or canceled", "invalid_exact_evm_nonce_already_used"),
        ("AuthorizationAlreadyUsed", "invalid_exact_evm_nonce_already_used"),
        ("ERC20: transfer amount exceeds balance", "invalid_exact_evm_insufficient_balance"),
        ("ERC20InsufficientBalance(0x…)", "invalid_exact_evm_insufficient_balance"),
        ("FiatTokenV2: invalid signature", "invalid_exact_evm_payload_signature"),
        ("SignerMismatch()", "invalid_exact_evm_payload_signature"),
        ("Panic(0x11)", "transaction_failed"),
        ("", "transaction_failed"),
    ])
    func revertReasons(text: String, code: String) {
        #expect(ExactTokenCalls.code(forRevert: "simulation reverted: \(text)").rawValue == code)
    }

    /// 65 bytes go through the v, r, s overload (v 0/1 moved to 27/28), anything else through the bytes overload.
    @Test func calldataOverloads() throws {
        let auth = Sample.authorization()
        var sig = Sample.key.sign(digest: .zero).bytes
        let vrs = try ExactTokenCalls.transfer(auth, signature: sig)
        #expect(Array(vrs.prefix(4)) == [0xe3, 0xee, 0x16, 0x0e])
        #expect(vrs.count == 4 + 9 * 32)
        #expect(vrs[4 + 6 * 32 + 31] == sig[64])
        sig[64] -= 27
        #expect(try ExactTokenCalls.transfer(auth, signature: sig) == vrs)
        let blob = try ExactTokenCalls.transfer(auth, signature: Array(repeating: 7, count: 100))
        #expect(Array(blob.prefix(4)) == [0xcf, 0x09, 0x29, 0x95])
        #expect(ExactTokenCalls.normalized([1, 2, 3]) == [1, 2, 3])
    }

    @Test func erc6492SuffixIsThe6492Magic() {
        #expect(Hex.encode(ExactFacilitator.erc6492MagicSuffix) == "0x" + String(repeating: "6492", count: 16))
    }
}
