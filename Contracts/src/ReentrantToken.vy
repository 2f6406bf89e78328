# pragma version 0.4.3
# @title ReentrantToken
# @notice ERC-20 (6 decimals, open mint) whose transfer/transferFrom, once armed, call
#         `callbackTarget` with `callbackData` in the middle of the transfer (after balances moved).
#         Used to prove the escrow's reentrancy guard.
# @dev `arm(target, data, onTransfer, onTransferFrom, bubble)`: the callback fires once (it disarms
#      itself first, so it cannot recurse). bubble=True: a failing callback reverts the whole
#      transfer with the callback's revert data. bubble=False: the outcome is recorded in
#      `lastCallbackSuccess` / `lastCallbackReturn` and the transfer goes on. `callbackCount` counts
#      callbacks that ran.

from ethereum.ercs import IERC20

implements: IERC20

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256

event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256

event CallbackResult:
    target: indexed(address)
    success: bool
    returnData: Bytes[1024]

balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
totalSupply: public(uint256)

callbackTarget: public(address)
callbackData: public(Bytes[4096])
onTransfer: public(bool)
onTransferFrom: public(bool)
bubble: public(bool)
armed: public(bool)
lastCallbackSuccess: public(bool)
lastCallbackReturn: public(Bytes[1024])
callbackCount: public(uint256)


@view
@external
def name() -> String[32]:
    return "Reentrant Token"


@view
@external
def symbol() -> String[8]:
    return "REENT"


@pure
@external
def decimals() -> uint8:
    return 6


@external
def arm(target: address, data: Bytes[4096], onTransfer_: bool, onTransferFrom_: bool, bubble_: bool):
    self.callbackTarget = target
    self.callbackData = data
    self.onTransfer = onTransfer_
    self.onTransferFrom = onTransferFrom_
    self.bubble = bubble_
    self.armed = True


@external
def disarm():
    self.armed = False


@external
def mint(to: address, amount: uint256) -> bool:
    self.totalSupply += amount
    self.balanceOf[to] += amount
    log Transfer(sender=empty(address), receiver=to, value=amount)
    return True


@internal
def _callback():
    self.armed = False
    ok: bool = False
    ret: Bytes[1024] = b""
    ok, ret = raw_call(self.callbackTarget, self.callbackData, max_outsize=1024, revert_on_failure=False)
    self.callbackCount += 1
    self.lastCallbackSuccess = ok
    self.lastCallbackReturn = ret
    log CallbackResult(target=self.callbackTarget, success=ok, returnData=ret)
    if not ok and self.bubble:
        raw_revert(ret)


@internal
def _transfer(sender: address, receiver: address, amount: uint256):
    assert receiver != empty(address), "ERC20: transfer to the zero address"
    assert amount <= self.balanceOf[sender], "ERC20: transfer amount exceeds balance"
    self.balanceOf[sender] -= amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=sender, receiver=receiver, value=amount)


@external
def transfer(receiver: address, amount: uint256) -> bool:
    self._transfer(msg.sender, receiver, amount)
    if self.armed and self.onTransfer:
        self._callback()
    return True


@external
def transferFrom(sender: address, receiver: address, amount: uint256) -> bool:
    assert amount <= self.allowance[sender][msg.sender], "ERC20: transfer amount exceeds allowance"
    self.allowance[sender][msg.sender] -= amount
    self._transfer(sender, receiver, amount)
    if self.armed and self.onTransferFrom:
        self._callback()
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    self.allowance[msg.sender][spender] = amount
    log Approval(owner=msg.sender, spender=spender, value=amount)
    return True
