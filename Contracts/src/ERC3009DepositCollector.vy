#pragma version 0.4.3
"""
@title ERC3009DepositCollector (devnet twin)
@notice Collects deposits via ERC-3009 `receiveWithAuthorization`: ERC-3009 requires `msg.sender == to`, so the
        tokens arrive here and are forwarded to x402BatchSettlement. The authorization nonce is
        keccak256(abi.encode(channelId, salt)), `salt` taken from collectorData.
@dev Same ABI, selectors and revert bytes as the Solidity collector. The settlement address is a constant
     (runtime code is placed at genesis; no constructor runs). collectorData at most 4096 bytes, the ERC-3009
     signature inside it at most 2048 bytes.
"""

interface IERC3009:
    def receiveWithAuthorization(owner: address, to: address, amount: uint256, validAfter: uint256, validBefore: uint256, nonce: bytes32, signature: Bytes[2048]): nonpayable

SETTLEMENT: constant(address) = 0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003


@external
@view
def x402BatchSettlement() -> address:
    return SETTLEMENT


@internal
def _safe_transfer(token: address, to: address, amount: uint256):
    # OpenZeppelin SafeERC20.safeTransfer semantics
    resp: Bytes[32] = raw_call(
        token, abi_encode(to, amount, method_id=method_id("transfer(address,uint256)")), max_outsize=32
    )
    if len(resp) == 0:
        if token.codesize == 0:
            raw_revert(concat(method_id("SafeERC20FailedOperation(address)"), convert(token, bytes32)))
    elif len(resp) < 32 or convert(resp, uint256) != 1:
        raw_revert(concat(method_id("SafeERC20FailedOperation(address)"), convert(token, bytes32)))


@external
def collect(payer: address, token: address, amount: uint256, channelId: bytes32, collectorData: Bytes[4096]):
    if msg.sender != SETTLEMENT:
        raw_revert(method_id("OnlyX402BatchSettlement()"))
    valid_after: uint256 = 0
    valid_before: uint256 = 0
    salt: uint256 = 0
    signature: Bytes[2048] = b""
    valid_after, valid_before, salt, signature = abi_decode(collectorData, (uint256, uint256, uint256, Bytes[2048]))
    nonce: bytes32 = keccak256(abi_encode(channelId, salt))
    extcall IERC3009(token).receiveWithAuthorization(payer, self, amount, valid_after, valid_before, nonce, signature)
    self._safe_transfer(token, SETTLEMENT, amount)
