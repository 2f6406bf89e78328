"""ERC3009DepositCollector / Permit2DepositCollector twins, fee-on-transfer rejection and the reentrancy guard."""
from eth_abi import encode
from eth_utils import keccak

from conftest import (
    ANVIL0, ERC3009_COLLECTOR, KEY2, PERMIT2, PERMIT2_COLLECTOR, SETTLEMENT, USDC,
    addr, artifact, digest, domain4, eip2612_signature, err, new_key, selector, sign,
)
from x402.mechanisms.evm.batch_settlement.encoding import (
    build_eip2612_permit_data, build_erc3009_collector_data, build_erc3009_deposit_nonce, build_permit2_collector_data,
)


def test_collector_views_and_abi(env):
    assert env.c3009.functions.x402BatchSettlement().call() == SETTLEMENT
    assert env.cp2.functions.x402BatchSettlement().call() == SETTLEMENT
    assert env.cp2.functions.PERMIT2().call() == PERMIT2
    assert env.cp2.functions.DEPOSIT_WITNESS_TYPE_STRING().call() == \
        "DepositWitness witness)DepositWitness(bytes32 channelId)TokenPermissions(address token,uint256 amount)"
    assert env.cp2.functions.DEPOSIT_WITNESS_TYPEHASH().call() == keccak(text="DepositWitness(bytes32 channelId)")
    topics = {e["name"]: "0x" + keccak(text=e["name"] + "(" + ",".join(i["type"] for i in e["inputs"]) + ")").hex()
              for e in artifact("Permit2DepositCollector")["abi"] if e["type"] == "event"}
    assert topics == {
        "EIP2612PermitFailedWithReason": "0x0fea7e5a0e14e9f700b9b0666ffd524bacb9ceb9e6234ea2bfb8e1d0ee2365e7",
        "EIP2612PermitFailedWithPanic": "0x278207c426558a8c6ef49e9a3c6f87d257ca5c1852f0c988ad5caf894d197623",
        "EIP2612PermitFailedWithData": "0x41d715076dfd9c1fd3135fbb7675020aab7fb8e82349a0cd5aaa970dcfb816fe",
    }
    errors = {e["name"]: "0x" + keccak(text=e["name"] + "()")[:4].hex()
              for name in ("ERC3009DepositCollector", "Permit2DepositCollector")
              for e in artifact(name)["abi"] if e["type"] == "error" and not e["inputs"]}
    assert errors["OnlyX402BatchSettlement"] == "0x9794beb9" and errors["InvalidX402BatchSettlementAddress"] == "0xe55654f5"
    assert errors["InvalidPermit2Address"] == "0x59106c89" and errors["Permit2612AmountMismatch"] == "0x050cda49"


def test_collect_only_from_settlement(env):
    for c in (env.c3009, env.cp2):
        data = env.enc("collect", addr(ANVIL0), USDC, 1, b"\1" * 32, b"", contract=c)
        env.expect_revert(ANVIL0, data, err("OnlyX402BatchSettlement()"), to=c.address)


def test_erc3009_deposit_with_sdk_collector_data(env):
    """collectorData built by the official SDK (B.5 layout); the ERC-3009 nonce binds the channel."""
    pk = new_key()
    cfg = env.cfg(pk)
    cid = env.cid(cfg)
    env.mint(cfg.payer, 10_000)
    salt = "0x" + "11" * 32
    nonce = build_erc3009_deposit_nonce("0x" + cid.hex(), salt)
    valid_before = env.now() + 3600
    struct = keccak(encode(["bytes32", "address", "address", "uint256", "uint256", "uint256", "bytes32"],
                           [keccak(text="ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"),
                            cfg.payer, ERC3009_COLLECTOR, 10_000, 0, valid_before, bytes.fromhex(nonce[2:])]))
    sig = sign(pk, digest(domain4("USDC", "2", env.chain_id, USDC), struct))
    cd = build_erc3009_collector_data("0", str(valid_before), salt, "0x" + sig.hex())
    assert len(cd) == 256
    # the same authorization cannot fund another channel (nonce = keccak(channelId, salt) differs)
    other = cfg.but(salt=b"\2" * 32)
    ok, ret = env.call(env.deposit_data(other, 10_000, ERC3009_COLLECTOR, cd), addr(ANVIL0))
    assert not ok and b"invalid signature" in ret
    before = env.balance(ERC3009_COLLECTOR)
    env.send(ANVIL0, env.deposit_data(cfg, 10_000, ERC3009_COLLECTOR, cd))
    assert env.channel(cfg) == (10_000, 0) and env.balance(cfg.payer) == 0
    assert env.balance(ERC3009_COLLECTOR) == before  # forwarded, nothing left behind
    # replaying the same authorization fails in the token
    env.mint(cfg.payer, 10_000)
    ok, ret = env.call(env.deposit_data(cfg, 10_000, ERC3009_COLLECTOR, cd), addr(ANVIL0))
    assert not ok and b"authorization is used" in ret


def test_permit2_deposit_with_allowance(env):
    pk = new_key()
    cfg = env.cfg(pk)
    env.mint(cfg.payer, 10_000)
    env.approve_permit2(pk, USDC)
    nonce, deadline = 123456789, env.now() + 3600
    sig = env.permit2_signature(pk, USDC, 10_000, env.cid(cfg), nonce, deadline)
    cd = build_permit2_collector_data(str(nonce), str(deadline), "0x" + sig.hex())
    assert len(cd) == 288
    # the witness binds the channel and the amount must match the signed permit
    ok, ret = env.call(env.deposit_data(cfg.but(salt=b"\3" * 32), 10_000, PERMIT2_COLLECTOR, cd), addr(ANVIL0))
    assert not ok
    ok, ret = env.call(env.deposit_data(cfg, 9_999, PERMIT2_COLLECTOR, cd), addr(ANVIL0))
    assert not ok
    rc = env.send(ANVIL0, env.deposit_data(cfg, 10_000, PERMIT2_COLLECTOR, cd))
    assert len(env.logs(rc, "ChannelCreated")) == 1 and env.channel(cfg) == (10_000, 0)


def _eip2612(env, pk, value, deadline, spender=PERMIT2):
    sig = eip2612_signature(env, pk, value, deadline, spender)
    return build_eip2612_permit_data(str(value), str(deadline), sig[64], "0x" + sig[:32].hex(), "0x" + sig[32:64].hex())


def test_permit2_deposit_with_eip2612_permit(env):
    pk = new_key()
    cfg = env.cfg(pk)
    env.mint(cfg.payer, 10_000)
    assert env.usdc.functions.allowance(cfg.payer, PERMIT2).call() == 0
    permit = _eip2612(env, pk, 10_000, env.now() + 3600)
    rc = env.send(ANVIL0, env.deposit_data(cfg, 10_000, PERMIT2_COLLECTOR, env.permit2_collector_data(pk, cfg, 10_000, permit)))
    for ev in ("EIP2612PermitFailedWithReason", "EIP2612PermitFailedWithPanic", "EIP2612PermitFailedWithData"):
        assert env.logs(rc, ev, contract=env.cp2) == ()
    assert env.channel(cfg) == (10_000, 0)
    # value != amount -> Permit2612AmountMismatch
    env.mint(cfg.payer, 500)
    permit = _eip2612(env, pk, 400, env.now() + 3600)
    env.expect_revert(ANVIL0, env.deposit_data(cfg, 500, PERMIT2_COLLECTOR, env.permit2_collector_data(pk, cfg, 500, permit)),
                      err("Permit2612AmountMismatch()"))


def test_permit2_failed_permit_is_logged_and_deposit_goes_on(env):
    pk = new_key()
    cfg = env.cfg(pk)
    env.mint(cfg.payer, 1_000)
    env.approve_permit2(pk, USDC)  # the allowance exists already, so the failed permit does not matter
    permit = _eip2612(env, pk, 1_000, env.now() - 10)  # expired
    rc = env.send(ANVIL0, env.deposit_data(cfg, 1_000, PERMIT2_COLLECTOR, env.permit2_collector_data(pk, cfg, 1_000, permit)))
    evs = env.logs(rc, "EIP2612PermitFailedWithReason", contract=env.cp2)
    assert len(evs) == 1
    assert (evs[0].args.token, evs[0].args.owner, evs[0].args.reason) == (USDC, cfg.payer, "FiatTokenV2: permit is expired")
    assert env.channel(cfg) == (1_000, 0)


def test_permit2_failed_permit_without_reason_logs_data(env):
    """A token without `permit` (FeeOnTransferToken, fee 0) reverts with empty data -> EIP2612PermitFailedWithData."""
    tok = env.chain.deploy("FeeOnTransferToken")
    env.chain.send(ANVIL0, tok.address, bytes.fromhex(tok.encode_abi("setFee", args=[0])[2:]))
    pk = new_key()
    cfg = env.cfg(pk, token=tok.address)
    env.mint(cfg.payer, 1_000, token=tok.address)
    env.approve_permit2(pk, tok.address)
    permit = build_eip2612_permit_data("1000", str(env.now() + 100), 27, "0x" + "11" * 32, "0x" + "22" * 32)
    rc = env.send(ANVIL0, env.deposit_data(cfg, 1_000, PERMIT2_COLLECTOR, env.permit2_collector_data(pk, cfg, 1_000, permit)))
    evs = env.logs(rc, "EIP2612PermitFailedWithData", contract=env.cp2)
    assert len(evs) == 1 and evs[0].args.data == b"" and evs[0].args.owner == cfg.payer
    assert env.channel(cfg) == (1_000, 0)


def test_fee_on_transfer_token_rejected(env):
    tok = env.chain.deploy("FeeOnTransferToken")
    assert tok.functions.feeBps().call() > 0
    pk = new_key()
    cfg = env.cfg(pk, token=tok.address)
    env.mint(cfg.payer, 10_000, token=tok.address)
    env.approve_permit2(pk, tok.address)
    env.expect_revert(ANVIL0, env.deposit_data(cfg, 10_000, PERMIT2_COLLECTOR, env.permit2_collector_data(pk, cfg, 10_000)),
                      err("DepositCollectionFailed()"))


def test_reentrancy_blocked(env):
    tok = env.chain.deploy("ReentrantToken")
    pk = new_key()
    cfg = env.cfg(pk, token=tok.address)
    env.mint(cfg.payer, 10_000, token=tok.address)
    env.approve_permit2(pk, tok.address)
    env.send(ANVIL0, env.deposit_data(cfg, 5_000, PERMIT2_COLLECTOR, env.permit2_collector_data(pk, cfg, 5_000)))
    env.send(KEY2, env.claim_data([env.row(pk, cfg, 1_000, 1_000)]))
    settle = env.enc("settle", cfg.receiver, tok.address)
    guard = err("ReentrancyGuardReentrantCall()")

    def arm(data, on_transfer, on_transfer_from, bubble):
        env.chain.send(ANVIL0, tok.address, bytes.fromhex(tok.encode_abi("arm", args=[SETTLEMENT, data, on_transfer, on_transfer_from, bubble])[2:]))

    # refund -> token.transfer -> settle(): the guard reverts; bubbled, the refund reverts with OZ's error bytes
    arm(settle, True, False, True)
    env.expect_revert(KEY2, env.enc("refund", cfg.tuple(), 100), guard)
    # not bubbled: the refund goes through, the nested call failed with the guard error, settle did not run
    arm(settle, True, False, False)
    env.send(KEY2, env.enc("refund", cfg.tuple(), 100))
    assert tok.functions.lastCallbackSuccess().call() is False
    assert tok.functions.lastCallbackReturn().call() == guard
    assert env.receiver_state(cfg.receiver, tok.address) == (1_000, 0)
    # deposit -> Permit2 -> token.transferFrom -> settle(): blocked as well
    arm(settle, False, True, False)
    env.send(ANVIL0, env.deposit_data(cfg, 1_000, PERMIT2_COLLECTOR, env.permit2_collector_data(pk, cfg, 1_000)))
    assert tok.functions.lastCallbackSuccess().call() is False and tok.functions.lastCallbackReturn().call() == guard
    assert env.channel(cfg) == (5_900, 1_000)
    # unguarded views stay callable from inside (multicall of a view via the callback succeeds)
    arm(env.enc("channels", env.cid(cfg)), True, False, False)
    env.send(ANVIL0, settle)
    assert tok.functions.lastCallbackSuccess().call() is True
    assert env.balance(cfg.receiver, tok.address) == 1_000
