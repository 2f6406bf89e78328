"""The adversarial token twins against the escrow (devnet with x402BatchSettlement only).

* FeeOnTransferToken: a Permit2 deposit delivers less than `amount` -> DepositCollectionFailed().
* ReentrantToken: a callback into the escrow from inside transferFrom (deposit) or transfer (settle)
  is refused by the reentrancy guard, while a view call from the same spot works.
"""
import os

import pytest
from eth_abi import encode
from eth_utils import keccak

from test_tokens_support import ANVIL0, CANONICAL, KEY2, addr, chain, digest, permit2_domain, selector, sign  # noqa: F401

STUB = "PermitWitnessTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline,"
WITNESS_TYPE = "DepositWitness witness)DepositWitness(bytes32 channelId)TokenPermissions(address token,uint256 amount)"
GUARD = {b"", selector("ReentrancyGuardReentrantCall()")}


@pytest.fixture(scope="module")
def env(chain):
    if chain.chain_id != 84532 or len(chain.w3.eth.get_code(CANONICAL["x402BatchSettlement"])) == 0:
        pytest.skip("needs the devnet with x402BatchSettlement")
    return chain, chain.contract("x402BatchSettlement", CANONICAL["x402BatchSettlement"])


def setup_payer(chain, token):
    payer = "0x" + os.urandom(32).hex()
    chain.fund(addr(payer))
    chain.send(ANVIL0, token.address, token.encode_abi("mint", args=[addr(payer), 1_000_000]))
    chain.send(payer, token.address, token.encode_abi("approve", args=[CANONICAL["Permit2"], 2**256 - 1]))
    return payer


def deposit_calldata(chain, escrow, token, payer_key, amount, receiver):
    cfg = (addr(payer_key), addr(payer_key), receiver, addr(KEY2), token.address, 900, os.urandom(32))
    cid = escrow.functions.getChannelId(cfg).call()
    nonce, deadline = int.from_bytes(os.urandom(16), "big"), chain.latest_timestamp() + 3600
    tp = keccak(encode(["bytes32", "address", "uint256"], [keccak(text="TokenPermissions(address token,uint256 amount)"), token.address, amount]))
    wh = keccak(encode(["bytes32", "bytes32"], [keccak(text="DepositWitness(bytes32 channelId)"), cid]))
    sh = keccak(encode(["bytes32", "bytes32", "address", "uint256", "uint256", "bytes32"],
                       [keccak(text=STUB + WITNESS_TYPE), tp, CANONICAL["Permit2DepositCollector"], nonce, deadline, wh]))
    sig = sign(payer_key, digest(permit2_domain(chain.chain_id, CANONICAL["Permit2"]), sh))
    collector_data = encode(["uint256", "uint256", "bytes", "bytes"], [nonce, deadline, sig, b""])
    return cid, escrow.encode_abi("deposit", args=[cfg, amount, CANONICAL["Permit2DepositCollector"], collector_data])


def test_fee_on_transfer_deposit_rejected(env):
    chain, escrow = env
    fot = chain.deploy("FeeOnTransferToken")
    payer = setup_payer(chain, fot)
    cid, data = deposit_calldata(chain, escrow, fot, payer, 10_000, addr("0x" + "03" * 32))
    assert chain.call(escrow.address, data) == (False, selector("DepositCollectionFailed()"))
    # control: with the fee switched off the same kind of deposit goes through
    chain.send(ANVIL0, fot.address, fot.encode_abi("setFee", args=[0]))
    cid, data = deposit_calldata(chain, escrow, fot, payer, 10_000, addr("0x" + "03" * 32))
    chain.send(ANVIL0, escrow.address, data)
    assert tuple(escrow.functions.channels(cid).call()) == (10_000, 0)


def test_reentrancy_from_deposit_and_settle(env):
    chain, escrow = env
    tok = chain.deploy("ReentrantToken")
    payer = setup_payer(chain, tok)
    receiver = addr("0x" + os.urandom(32).hex())
    reenter = bytes.fromhex(escrow.encode_abi("settle", args=[receiver, tok.address])[2:])

    # a view call from inside transferFrom works (the callback mechanism itself is sound)
    cid0, data = deposit_calldata(chain, escrow, tok, payer, 1_000, receiver)
    view = bytes.fromhex(escrow.encode_abi("channels", args=[cid0])[2:])
    chain.send(ANVIL0, tok.address, tok.encode_abi("arm", args=[escrow.address, view, False, True, False]))
    chain.send(ANVIL0, escrow.address, data)
    assert tok.functions.lastCallbackSuccess().call() is True

    # re-entering settle() from inside deposit's transferFrom is refused by the guard
    cid, data = deposit_calldata(chain, escrow, tok, payer, 2_000, receiver)
    chain.send(ANVIL0, tok.address, tok.encode_abi("arm", args=[escrow.address, reenter, False, True, False]))
    chain.send(ANVIL0, escrow.address, data)
    assert tok.functions.callbackCount().call() == 2
    assert tok.functions.lastCallbackSuccess().call() is False
    assert tok.functions.lastCallbackReturn().call() in GUARD
    assert tuple(escrow.functions.channels(cid).call()) == (2_000, 0)
    # bubbling the failure makes the whole deposit fail (Permit2 reports TRANSFER_FROM_FAILED)
    cid, data = deposit_calldata(chain, escrow, tok, payer, 3_000, receiver)
    chain.send(ANVIL0, tok.address, tok.encode_abi("arm", args=[escrow.address, reenter, False, True, True]))
    ok, ret = chain.call(escrow.address, data)
    assert not ok
    chain.send(ANVIL0, tok.address, tok.encode_abi("disarm", args=[]))

    # settle(): the escrow's token.transfer re-enters settle() -> refused. Fund a channel, claim 1,500 as
    # the receiverAuthorizer (KEY2) with a payer voucher, then settle with the token armed on transfer.
    cid2, data2 = deposit_calldata(chain, escrow, tok, payer, 2_000, receiver)
    chain.send(ANVIL0, escrow.address, data2)
    cfg = escrow.decode_function_input(data2)[1]["config"]
    vsig = sign(payer, escrow.functions.getVoucherDigest(cid2, 1_500).call())
    claim = escrow.encode_abi("claim", args=[[((cfg, 1_500), vsig, 1_500)]])
    chain.send(KEY2, escrow.address, claim)
    chain.send(ANVIL0, tok.address, tok.encode_abi("arm", args=[escrow.address, reenter, True, False, False]))
    chain.send(ANVIL0, escrow.address, escrow.encode_abi("settle", args=[receiver, tok.address]))
    assert tok.functions.lastCallbackSuccess().call() is False
    assert tok.functions.lastCallbackReturn().call() in GUARD
    assert tok.functions.balanceOf(receiver).call() == 1_500
    assert tuple(escrow.functions.receivers(receiver, tok.address).call()) == (1_500, 1_500)
