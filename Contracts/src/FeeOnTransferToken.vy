# pragma version 0.4.3
# @title FeeOnTransferToken
# @notice ERC-20 (6 decimals, open mint) that burns `feeBps` basis points of every transfer and
#         transferFrom (default 100 = 1%), so the receiver gets less than `amount`. Used to prove that
#         the escrow rejects deposits whose received amount differs from the requested amount.
# @dev Works without a constructor (default fee 100 bps until `setFee` is called; `setFee(0)`
#      really means no fee). Open setFee: test token.

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

DEFAULT_FEE_BPS: constant(uint256) = 100

balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
totalSupply: public(uint256)
_fee_bps: uint256
_fee_set: bool


@view
@external
def name() -> String[32]:
    return "Fee On Transfer Token"


@view
@external
def symbol() -> String[8]:
    return "FOT"


@pure
@external
def decimals() -> uint8:
    return 6


@view
@internal
def _fee() -> uint256:
    if self._fee_set:
        return self._fee_bps
    return DEFAULT_FEE_BPS


@view
@external
def feeBps() -> uint256:
    return self._fee()


@external
def setFee(bps: uint256):
    assert bps <= 10000, "fee too high"
    self._fee_bps = bps
    self._fee_set = True


@external
def mint(to: address, amount: uint256) -> bool:
    self.totalSupply += amount
    self.balanceOf[to] += amount
    log Transfer(sender=empty(address), receiver=to, value=amount)
    return True


@internal
def _transfer(sender: address, receiver: address, amount: uint256):
    assert receiver != empty(address), "ERC20: transfer to the zero address"
    assert amount <= self.balanceOf[sender], "ERC20: transfer amount exceeds balance"
    fee: uint256 = amount * self._fee() // 10000
    self.balanceOf[sender] -= amount
    self.balanceOf[receiver] += amount - fee
    self.totalSupply -= fee
    log Transfer(sender=sender, receiver=receiver, value=amount - fee)
    if fee > 0:
        log Transfer(sender=sender, receiver=empty(address), value=fee)


@external
def transfer(receiver: address, amount: uint256) -> bool:
    self._transfer(msg.sender, receiver, amount)
    return True


@external
def transferFrom(sender: address, receiver: address, amount: uint256) -> bool:
    assert amount <= self.allowance[sender][msg.sender], "ERC20: transfer amount exceeds allowance"
    self.allowance[sender][msg.sender] -= amount
    self._transfer(sender, receiver, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    self.allowance[msg.sender][spender] = amount
    log Approval(owner=msg.sender, spender=spender, value=amount)
    return True
