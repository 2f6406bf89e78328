#pragma version 0.4.3
"""
@title eip2612_permit (Vyper module, no storage)
@notice The best-effort EIP-2612 permit shared by Permit2DepositCollector and x402ExactPermit2Proxy, twin of the
        Solidity pattern (x402BasePermit2Proxy._executePermit, Permit2DepositCollector._collect):
            if (value != permittedAmount) revert Permit2612AmountMismatch();
            try IERC20Permit(token).permit(owner, spender, value, deadline, v, r, s) {}
            catch Error(string memory reason) { emit EIP2612PermitFailedWithReason(token, owner, reason); }
            catch Panic(uint256 code)         { emit EIP2612PermitFailedWithPanic(token, owner, code); }
            catch (bytes memory data)         { emit EIP2612PermitFailedWithData(token, owner, data); }
        A failed permit is logged and execution continues (the allowance may already exist).
@dev Lives in src/lib/ so build.py (src/*.vy) does not compile it as a contract. The events declared here are
     part of the ABI of every contract that uses `_try_permit`. Bound: at most the first 1024 bytes of the
     permit's revert data are captured (Solidity: all of it).
"""

MAX_REVERT: constant(uint256) = 1024
ERROR_SELECTOR: constant(bytes4) = 0x08c379a0
PANIC_SELECTOR: constant(bytes4) = 0x4e487b71

event EIP2612PermitFailedWithReason:
    token: indexed(address)
    owner: indexed(address)
    reason: String[1024]

event EIP2612PermitFailedWithPanic:
    token: indexed(address)
    owner: indexed(address)
    errorCode: uint256

event EIP2612PermitFailedWithData:
    token: indexed(address)
    owner: indexed(address)
    data: Bytes[1024]


@internal
def _try_permit(token: address, owner: address, spender: address, permitted_amount: uint256,
                permit_value: uint256, deadline: uint256, v: uint8, r: bytes32, s: bytes32):
    if permit_value != permitted_amount:
        raw_revert(method_id("Permit2612AmountMismatch()"))

    # Solidity's extcodesize check before the call is not caught by try/catch: empty revert
    assert token.codesize > 0
    ok: bool = False
    ret: Bytes[MAX_REVERT] = b""
    ok, ret = raw_call(
        token,
        abi_encode(owner, spender, permit_value, deadline, v, r, s, method_id=method_id("permit(address,address,uint256,uint256,uint8,bytes32,bytes32)")),
        max_outsize=MAX_REVERT,
        revert_on_failure=False,
    )
    if ok:
        return

    n: uint256 = len(ret)
    if n >= 4:
        selector: bytes4 = convert(slice(ret, 0, 4), bytes4)
        if selector == ERROR_SELECTOR and n >= 68:
            # Solidity try_decode_error_message
            offset: uint256 = extract32(ret, 4, output_type=uint256)
            if offset <= 18446744073709551615 and offset + 36 <= n:
                str_len: uint256 = extract32(ret, 4 + offset, output_type=uint256)
                if str_len <= 18446744073709551615 and 4 + offset + 32 + str_len <= n:
                    log EIP2612PermitFailedWithReason(token=token, owner=owner, reason=convert(slice(ret, 4 + offset + 32, str_len), String[1024]))
                    return
        elif selector == PANIC_SELECTOR and n >= 36:
            log EIP2612PermitFailedWithPanic(token=token, owner=owner, errorCode=extract32(ret, 4, output_type=uint256))
            return
    log EIP2612PermitFailedWithData(token=token, owner=owner, data=ret)
