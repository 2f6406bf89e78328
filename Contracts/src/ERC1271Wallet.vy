# pragma version 0.4.3
# @title ERC1271Wallet
# @notice Minimal smart-contract wallet for tests: ERC-1271 `isValidSignature` accepts a 65-byte ECDSA
#         signature of the hash by `owner` (returns 0x1626ba7e), otherwise 0xffffffff. `mode` makes it
#         reject: 0 = normal, 1 = always return 0xffffffff, 2 = always revert, 3 = accept anything.
#         `execute` lets the owner act as the wallet (approve Permit2, move tokens, ...).
# @dev Deployed by tests (constructor); at genesis (no constructor) the first `setOwner` call claims it.

ERC1271_MAGIC: constant(bytes4) = 0x1626ba7e
SECP256K1_HALF_N: constant(uint256) = 57896044618658097711785492504343953926418782139537452191302581570759080747168

owner: public(address)
mode: public(uint256)


@deploy
def __init__(owner_: address):
    self.owner = owner_


@external
def setOwner(newOwner: address):
    assert msg.sender == self.owner or self.owner == empty(address), "not owner"
    self.owner = newOwner


@external
def setMode(mode_: uint256):
    assert msg.sender == self.owner, "not owner"
    self.mode = mode_


@view
@external
def isValidSignature(hash: bytes32, signature: Bytes[1024]) -> bytes4:
    if self.mode == 2:
        raise "ERC1271Wallet: rejected"
    if self.mode == 3:
        return ERC1271_MAGIC
    if self.mode == 1 or len(signature) != 65:
        return 0xffffffff
    r: uint256 = convert(slice(signature, 0, 32), uint256)
    s: uint256 = convert(slice(signature, 32, 32), uint256)
    v: uint256 = convert(slice(signature, 64, 1), uint256)
    if s > SECP256K1_HALF_N or (v != 27 and v != 28):
        return 0xffffffff
    signer: address = ecrecover(hash, v, r, s)
    if signer != empty(address) and signer == self.owner:
        return ERC1271_MAGIC
    return 0xffffffff


@payable
@external
def execute(target: address, amount: uint256, data: Bytes[4096]) -> Bytes[1024]:
    assert msg.sender == self.owner, "not owner"
    return raw_call(target, data, value=amount, max_outsize=1024)


@payable
@external
def __default__():
    pass
