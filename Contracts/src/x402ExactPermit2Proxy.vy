#pragma version 0.4.3
"""
@title x402ExactPermit2Proxy (devnet twin)
@notice The spender of `exact` Permit2 payments: anyone may submit the payer's PermitWitnessTransferFrom
        signature (spender = this contract, witness = {to, validAfter}); the full permitted amount moves from
        the payer straight to `witness.to` through Permit2.permitWitnessTransferFrom. The witness binds the
        destination, so the submitter cannot redirect funds. settleWithPermit first runs a best-effort EIP-2612
        `permit(owner, Permit2, ...)` (value must equal the permitted amount; a failing permit is logged with
        one of the EIP2612PermitFailed* events and execution continues).
@dev Twin of x402-foundation/x402 contracts/evm/src/x402ExactPermit2Proxy.sol + x402BasePermit2Proxy.sol: same
     ABI, selectors, events, custom-error revert bytes and check order. Permit2's address is a constant (the
     Solidity immutable is set by a constructor; no constructor runs on the devnet, so InvalidPermit2Address()
     is unreachable here). Reentrancy: OpenZeppelin ReentrancyGuardTransient equivalent (transient flag,
     revert bytes ReentrancyGuardReentrantCall()). Bounds: signature 2048 bytes (the Permit2 twin accepts at
     most 1024); revert data captured from a failing EIP-2612 permit at most 1024 bytes.
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

struct Witness:
    to: address
    validAfter: uint256

struct EIP2612Permit:
    value: uint256
    deadline: uint256
    r: bytes32
    s: bytes32
    v: uint8

interface ISignatureTransfer:
    def permitWitnessTransferFrom(permit: PermitTransferFrom, transferDetails: SignatureTransferDetails, owner: address, witness: bytes32, witnessTypeString: String[100], signature: Bytes[MAX_SIG]): nonpayable

MAX_SIG: constant(uint256) = 2048

PERMIT2_ADDRESS: constant(address) = 0x000000000022D473030F116dDEE9F6B43aC78BA3

WITNESS_TYPE_STRING: public(constant(String[100])) = "Witness witness)TokenPermissions(address token,uint256 amount)Witness(address to,uint256 validAfter)"
WITNESS_TYPEHASH: public(constant(bytes32)) = keccak256("Witness(address to,uint256 validAfter)")

# OpenZeppelin ReentrancyGuardTransient equivalent (EIP-1153), with OZ's revert bytes
_entered: transient(bool)

event Settled: pass

event SettledWithPermit: pass


@external
@view
def PERMIT2() -> address:
    return PERMIT2_ADDRESS


@internal
def _enter():
    if self._entered:
        raw_revert(method_id("ReentrancyGuardReentrantCall()"))
    self._entered = True


@internal
def _exit():
    self._entered = False


@internal
def _settle(permit: PermitTransferFrom, owner: address, witness: Witness, signature: Bytes[MAX_SIG]):
    # x402BasePermit2Proxy._settle with settlementAmount = permit.permitted.amount
    if permit.permitted.amount == 0:
        raw_revert(method_id("InvalidAmount()"))
    if owner == empty(address):
        raw_revert(method_id("InvalidOwner()"))
    if witness.to == empty(address):
        raw_revert(method_id("InvalidDestination()"))
    if block.timestamp < witness.validAfter:
        raw_revert(method_id("PaymentTooEarly()"))

    witness_hash: bytes32 = keccak256(abi_encode(WITNESS_TYPEHASH, witness.to, witness.validAfter))
    extcall ISignatureTransfer(PERMIT2_ADDRESS).permitWitnessTransferFrom(
        permit,
        SignatureTransferDetails(to=witness.to, requestedAmount=permit.permitted.amount),
        owner,
        witness_hash,
        WITNESS_TYPE_STRING,
        signature,
    )


@external
def settle(permit: PermitTransferFrom, owner: address, witness: Witness, signature: Bytes[MAX_SIG]):
    self._enter()
    self._settle(permit, owner, witness, signature)
    log Settled()
    self._exit()


@external
def settleWithPermit(permit2612: EIP2612Permit, permit: PermitTransferFrom, owner: address, witness: Witness, signature: Bytes[MAX_SIG]):
    self._enter()
    eip2612_permit._try_permit(
        permit.permitted.token, owner, PERMIT2_ADDRESS, permit.permitted.amount,
        permit2612.value, permit2612.deadline, permit2612.v, permit2612.r, permit2612.s,
    )
    self._settle(permit, owner, witness, signature)
    log SettledWithPermit()
    self._exit()
