#pragma version 0.4.3
"""
@title Permit2DepositCollector (devnet twin)
@notice Collects deposits with Permit2 `permitWitnessTransferFrom` and a channel-bound witness; tokens move
        from the payer straight to x402BatchSettlement. collectorData =
        abi.encode(nonce, deadline, permit2Signature, eip2612PermitData); a non-empty eip2612PermitData =
        abi.encode(value, deadline, v, r, s) runs a best-effort EIP-2612 `permit(payer, Permit2, ...)` first
        (failures are logged with one of the EIP2612PermitFailed* events, then execution continues; the helper
        and its events live in the module src/lib/eip2612_permit.vy, shared with x402ExactPermit2Proxy).
@dev Same ABI, selectors, events and revert bytes as the Solidity collector. Settlement and Permit2 addresses
     are constants (no constructor runs). Bounds: collectorData 4096 bytes, Permit2 signature 2048 bytes,
     eip2612PermitData 1024 bytes; revert data captured from a failing permit at most 1024 bytes.
"""

from .lib import eip2612_permit

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

@external
@view
def x402BatchSettlement() -> address:
    return SETTLEMENT


@external
@view
def PERMIT2() -> address:
    return PERMIT2_ADDRESS


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
        assert len(eip2612_permit_data) >= 160
        value: uint256 = 0
        permit_deadline: uint256 = 0
        v: uint8 = 0
        r: bytes32 = empty(bytes32)
        s: bytes32 = empty(bytes32)
        value, permit_deadline, v, r, s = abi_decode(slice(eip2612_permit_data, 0, 160), (uint256, uint256, uint8, bytes32, bytes32))
        eip2612_permit._try_permit(token, payer, PERMIT2_ADDRESS, amount, value, permit_deadline, v, r, s)

    witness_hash: bytes32 = keccak256(abi_encode(DEPOSIT_WITNESS_TYPEHASH, channelId))
    extcall ISignatureTransfer(PERMIT2_ADDRESS).permitWitnessTransferFrom(
        PermitTransferFrom(permitted=TokenPermissions(token=token, amount=amount), nonce=nonce, deadline=deadline),
        SignatureTransferDetails(to=SETTLEMENT, requestedAmount=amount),
        payer,
        witness_hash,
        DEPOSIT_WITNESS_TYPE_STRING,
        permit2_signature,
    )
