#pragma version 0.4.3
"""
@title Permit2DepositCollector (devnet twin)
@notice Collects deposits with Permit2 `permitWitnessTransferFrom` and a channel-bound witness; tokens move
        from the payer straight to x402BatchSettlement. collectorData =
        abi.encode(nonce, deadline, permit2Signature, eip2612PermitData); a non-empty eip2612PermitData =
        abi.encode(value, deadline, v, r, s) runs a best-effort EIP-2612 `permit(payer, Permit2, ...)` first
        (failures are logged with one of the EIP2612PermitFailed* events, then execution continues).
@dev Same ABI, selectors, events and revert bytes as the Solidity collector. Settlement and Permit2 addresses
     are constants (no constructor runs). Bounds: collectorData 4096 bytes, Permit2 signature 2048 bytes,
     eip2612PermitData 1024 bytes; revert data captured from a failing permit at most 1024 bytes.
"""

struct TokenPermissions:
    token: address
    amount: uint256

struct PermitTransferFrom:
    permitted: TokenPermissions
    nonce: uint256
    deadline: uint256

struct SignatureTransferDetails:
    to: address
    requestedAmount: uint256

interface ISignatureTransfer:
    def permitWitnessTransferFrom(permit: PermitTransferFrom, transferDetails: SignatureTransferDetails, owner: address, witness: bytes32, witnessTypeString: String[102], signature: Bytes[2048]): nonpayable

SETTLEMENT: constant(address) = 0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003
PERMIT2_ADDRESS: constant(address) = 0x000000000022D473030F116dDEE9F6B43aC78BA3

DEPOSIT_WITNESS_TYPE_STRING: public(constant(String[102])) = "DepositWitness witness)DepositWitness(bytes32 channelId)TokenPermissions(address token,uint256 amount)"
DEPOSIT_WITNESS_TYPEHASH: public(constant(bytes32)) = keccak256("DepositWitness(bytes32 channelId)")

ERROR_SELECTOR: constant(bytes4) = 0x08c379a0
PANIC_SELECTOR: constant(bytes4) = 0x4e487b71
MAX_REVERT: constant(uint256) = 1024

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


@external
@view
def x402BatchSettlement() -> address:
    return SETTLEMENT


@external
@view
def PERMIT2() -> address:
    return PERMIT2_ADDRESS


@internal
def _try_eip2612_permit(payer: address, token: address, amount: uint256, permit_data: Bytes[1024]):
    assert len(permit_data) >= 160
    value: uint256 = 0
    deadline: uint256 = 0
    v: uint8 = 0
    r: bytes32 = empty(bytes32)
    s: bytes32 = empty(bytes32)
    value, deadline, v, r, s = abi_decode(slice(permit_data, 0, 160), (uint256, uint256, uint8, bytes32, bytes32))
    if value != amount:
        raw_revert(method_id("Permit2612AmountMismatch()"))

    # Solidity's try/catch does not catch the missing-code check
    assert token.codesize > 0
    ok: bool = False
    ret: Bytes[MAX_REVERT] = b""
    ok, ret = raw_call(
        token,
        abi_encode(payer, PERMIT2_ADDRESS, value, deadline, v, r, s, method_id=method_id("permit(address,address,uint256,uint256,uint8,bytes32,bytes32)")),
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
                    log EIP2612PermitFailedWithReason(token=token, owner=payer, reason=convert(slice(ret, 4 + offset + 32, str_len), String[1024]))
                    return
        elif selector == PANIC_SELECTOR and n >= 36:
            log EIP2612PermitFailedWithPanic(token=token, owner=payer, errorCode=extract32(ret, 4, output_type=uint256))
            return
    log EIP2612PermitFailedWithData(token=token, owner=payer, data=ret)


@external
def collect(payer: address, token: address, amount: uint256, channelId: bytes32, collectorData: Bytes[4096]):
    if msg.sender != SETTLEMENT:
        raw_revert(method_id("OnlyX402BatchSettlement()"))
    nonce: uint256 = 0
    deadline: uint256 = 0
    permit2_signature: Bytes[2048] = b""
    eip2612_permit_data: Bytes[1024] = b""
    nonce, deadline, permit2_signature, eip2612_permit_data = abi_decode(collectorData, (uint256, uint256, Bytes[2048], Bytes[1024]))

    if len(eip2612_permit_data) > 0:
        self._try_eip2612_permit(payer, token, amount, eip2612_permit_data)

    witness_hash: bytes32 = keccak256(abi_encode(DEPOSIT_WITNESS_TYPEHASH, channelId))
    extcall ISignatureTransfer(PERMIT2_ADDRESS).permitWitnessTransferFrom(
        PermitTransferFrom(permitted=TokenPermissions(token=token, amount=amount), nonce=nonce, deadline=deadline),
        SignatureTransferDetails(to=SETTLEMENT, requestedAmount=amount),
        payer,
        witness_hash,
        DEPOSIT_WITNESS_TYPE_STRING,
        permit2_signature,
    )
