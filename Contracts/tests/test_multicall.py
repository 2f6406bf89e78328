"""Multicall3 twin: aggregate, tryAggregate (the SDK facilitator's read path), aggregate3, getters."""
import pytest
from eth_abi import decode

from test_tokens_support import ANVIL0, CANONICAL, KEY1, KEY2, addr, chain, error_string  # noqa: F401


@pytest.fixture(scope="module")
def env(chain):
    usdc = chain.canonical("TestUSDC")
    mc = chain.canonical("Multicall3")
    chain.send(ANVIL0, usdc.address, usdc.encode_abi("mint", args=[addr(KEY1), 1_234_567]))
    return chain, usdc, mc


def cd(c, fn, *args):
    return bytes.fromhex(c.encode_abi(fn, args=list(args))[2:])


def test_selectors(env):
    chain, usdc, mc = env
    assert cd(mc, "tryAggregate", False, [])[:4].hex() == "bce38bd7"
    assert cd(mc, "aggregate3", [])[:4].hex() == "82ad56cb"
    assert cd(mc, "aggregate", [])[:4].hex() == "252dba42"
    if chain.chain_id == 84532:
        assert mc.address == CANONICAL["Multicall3"]


def test_aggregate(env):
    chain, usdc, mc = env
    calls = [(usdc.address, cd(usdc, "balanceOf", addr(KEY1))), (usdc.address, cd(usdc, "decimals")),
             (mc.address, cd(mc, "getChainId"))]
    block, rets = mc.functions.aggregate(calls).call()
    assert decode(["uint256"], rets[0])[0] == usdc.functions.balanceOf(addr(KEY1)).call()
    assert decode(["uint8"], rets[1])[0] == 6
    assert decode(["uint256"], rets[2])[0] == chain.chain_id
    assert block >= chain.w3.eth.block_number
    bad = calls + [(usdc.address, cd(usdc, "transfer", addr(KEY2), 10**30))]
    assert chain.call(mc.address, cd(mc, "aggregate", bad)) == (False, error_string("Multicall3: call failed"))


def test_try_aggregate(env):
    chain, usdc, mc = env
    calls = [(usdc.address, cd(usdc, "balanceOf", addr(KEY1))),
             (usdc.address, cd(usdc, "transfer", addr(KEY2), 10**30)),   # reverts with a reason
             (usdc.address, b"\xde\xad\xbe\xef")]                         # unknown selector: empty revert
    res = mc.functions.tryAggregate(False, calls).call()
    assert res[0][0] is True and decode(["uint256"], res[0][1])[0] == usdc.functions.balanceOf(addr(KEY1)).call()
    assert res[1] == (False, error_string("ERC20: transfer amount exceeds balance"))
    assert res[2] == (False, b"")
    assert chain.call(mc.address, cd(mc, "tryAggregate", True, calls)) == (False, error_string("Multicall3: call failed"))
    assert mc.functions.tryAggregate(True, calls[:1]).call()[0][0] is True
    bn, bh, res2 = mc.functions.tryBlockAndAggregate(False, calls).call()
    assert bh == b"\0" * 32 and res2 == res


def test_aggregate3(env):
    chain, usdc, mc = env
    calls = [(usdc.address, False, cd(usdc, "name")),
             (usdc.address, True, cd(usdc, "transfer", addr(KEY2), 10**30))]
    res = mc.functions.aggregate3(calls).call()
    assert res[0][0] and decode(["string"], res[0][1])[0] == "USDC"
    assert res[1][0] is False
    calls[1] = (usdc.address, False, calls[1][2])
    assert chain.call(mc.address, cd(mc, "aggregate3", calls)) == (False, error_string("Multicall3: call failed"))


def test_state_changing_call_through_multicall(env):
    """Multicall3 is the msg.sender of its sub-calls (plain CALL, not delegatecall)."""
    chain, usdc, mc = env
    chain.send(ANVIL0, usdc.address, usdc.encode_abi("mint", args=[mc.address, 50]))
    before = usdc.functions.balanceOf(addr(KEY2)).call()
    rcpt = chain.send(KEY1, mc.address, cd(mc, "aggregate3", [(usdc.address, False, cd(usdc, "transfer", addr(KEY2), 50))]))
    assert usdc.functions.balanceOf(addr(KEY2)).call() == before + 50
    print("aggregate3 one transfer gas", rcpt.gasUsed)


def test_getters(env):
    chain, usdc, mc = env
    latest = chain.w3.eth.get_block("latest")
    assert mc.functions.getEthBalance(addr(KEY1)).call() == chain.w3.eth.get_balance(addr(KEY1))
    assert mc.functions.getBlockNumber().call() >= latest["number"]
    assert mc.functions.getCurrentBlockTimestamp().call() >= latest["timestamp"]
    assert mc.functions.getChainId().call() == chain.chain_id
    assert mc.functions.getCurrentBlockGasLimit().call() > 0
    mc.functions.getBasefee().call()
    mc.functions.getLastBlockHash().call()
    mc.functions.getCurrentBlockCoinbase().call()


def test_sdk_multicall_helper(env):
    """The official SDK's multicall() (tryAggregate through a FacilitatorEvmSigner) decodes our results."""
    chain, usdc, mc = env
    if mc.address != CANONICAL["Multicall3"]:
        pytest.skip("the SDK hard-codes the canonical Multicall3 address")
    from x402.mechanisms.evm.multicall import MulticallCall, multicall
    from x402.mechanisms.evm.signers import FacilitatorWeb3Signer
    signer = FacilitatorWeb3Signer(private_key=ANVIL0, rpc_url=chain.w3.provider.endpoint_uri)
    abi = usdc.abi
    res = multicall(signer, [MulticallCall(address=usdc.address, abi=abi, function_name="balanceOf", args=(addr(KEY1),)),
                             MulticallCall(address=usdc.address, abi=abi, function_name="transfer", args=(addr(KEY2), 10**30))])
    assert res[0].success and res[0].result == usdc.functions.balanceOf(addr(KEY1)).call()
    assert not res[1].success and "transfer amount exceeds balance" in str(res[1].error)
