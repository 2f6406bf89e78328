"""x402BatchSettlement twin over JSON-RPC: every function, every revert, B.7 semantics, protocol.md vectors."""
import os

from eth_abi import encode
from eth_utils import keccak

from conftest import (
    ANVIL0, CC_TYPEHASH, CLAIM_BATCH_TYPEHASH, CLAIM_ENTRY_TYPEHASH, ERC3009_COLLECTOR, KEY1, KEY2, KEY3,
    REFUND_TYPEHASH, SETTLEMENT, USDC, VOUCHER_TYPEHASH, ZERO, Cfg, addr, artifact, channel_id, err, new_key,
    selector, sign,
)

HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

# protocol.md C.1
C_PAYER = "0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1"
C_RECEIVER = "0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70"
C_RAUTH = "0x5050A4F4b3f9338C3472dcC01A87C76A144b3c9c"
C_TOKEN = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
CONFIG1 = Cfg(C_PAYER, C_PAYER, C_RECEIVER, C_RAUTH, C_TOKEN, 900, b"\0" * 32)
CONFIG2 = CONFIG1.but(salt=b"\0" * 31 + b"\1")


def high_s(sig: bytes) -> bytes:
    s = int.from_bytes(sig[32:64], "big")
    return sig[:32] + (N - s).to_bytes(32, "big") + bytes([55 - sig[64]])


# ------------------------------------------------------------------ ABI, constants, views

def test_abi_selectors_match_protocol(env):
    from web3 import Web3
    abi = artifact("x402BatchSettlement")["abi"]
    sels = {}
    for e in abi:
        if e["type"] != "function":
            continue
        def t(i):
            if i["type"].startswith("tuple"):
                return "(" + ",".join(t(c) for c in i["components"]) + ")" + i["type"][5:]
            return i["type"]
        sels["0x" + keccak(text=f"{e['name']}({','.join(t(i) for i in e['inputs'])})")[:4].hex()] = e
    expected = {
        "0x140f1e75": "deposit", "0x29237b0c": "claim", "0xe43ce1f2": "claimWithSignature", "0x9db32a8f": "settle",
        "0xcf5cf3dc": "initiateWithdraw", "0xe88377b1": "finalizeWithdraw", "0xdce4bfae": "refund",
        "0xb77433e9": "refundWithSignature", "0xac9650d8": "multicall", "0x5e5e0b87": "getChannelId",
        "0x862bb199": "getVoucherDigest", "0xe25cf189": "getRefundDigest", "0x488ccc3b": "getClaimBatchDigest",
        "0x7a7ebd7b": "channels", "0xb7f06ebe": "pendingWithdrawals", "0x21ff6389": "receivers",
        "0xf0dc792e": "refundNonce", "0xae159439": "MIN_WITHDRAW_DELAY", "0x1fc3277d": "MAX_WITHDRAW_DELAY",
        "0x8e4a68ac": "CHANNEL_CONFIG_TYPEHASH", "0x94739e87": "VOUCHER_TYPEHASH", "0x1e69ef40": "REFUND_TYPEHASH",
        "0xba94ec0d": "CLAIM_ENTRY_TYPEHASH", "0x53ab0fae": "CLAIM_BATCH_TYPEHASH", "0x84b0196e": "eip712Domain",
    }
    assert {k: v["name"] for k, v in sels.items()} == expected
    assert not [e for e in abi if e["type"] == "fallback"]
    # the outputs of the hand-written getters are flat, like Solidity's public-mapping getters
    assert [o["type"] for o in sels["0x7a7ebd7b"]["outputs"]] == ["uint128", "uint128"]
    assert [o["type"] for o in sels["0xb7f06ebe"]["outputs"]] == ["uint128", "uint40"]
    topics = {e["name"]: "0x" + keccak(text=e["name"] + "(" + ",".join(
        ("(" + ",".join(c["type"] for c in i["components"]) + ")") if i["type"] == "tuple" else i["type"]
        for i in e["inputs"]) + ")").hex() for e in abi if e["type"] == "event"}
    assert topics == {
        "ChannelCreated": "0x69d8248d5566bdb2ebc4d218970710d8378a2ff9b709a999e052b71970f808fa",
        "ChannelClosed": "0x8d5942f197f362dfd44dfdc1b0b7a9721c9151b67f55817c83349271d3c08d37",
        "Deposited": "0x6c2a09353b5e75e70d0b9778b80a413809bb235d46c211811c474b3346791d89",
        "Claimed": "0x36bd546bb573e8921fdbfd934bbed62d872796b01792cd240cce27f79dd3eddd",
        "Settled": "0x7337b4386b690fdb8ba66905b92b9d45d33bc6626ee2620c905fb150ec0cc47d",
        "Refunded": "0xa84286cf8ebc7903a663c77c8d99aa92b600d4c2fcca872a5d4a663db4eb394b",
        "WithdrawInitiated": "0xe4280d0d903c7f258f62b07c62f262377cbaa23f7791d78126e6446e0f0e3c23",
        "WithdrawFinalized": "0x546ce1e2242cd930c196bd08b894443562d709b4fffe4f028a75a6d233efc6e3",
    }
    indexed = {e["name"]: [i["name"] for i in e["inputs"] if i["indexed"]] for e in abi if e["type"] == "event"}
    assert indexed["Settled"] == ["receiver", "token", "sender"] and indexed["WithdrawInitiated"] == ["channelId"]
    errors = {"0x" + keccak(text=e["name"] + "(" + ",".join(i["type"] for i in e["inputs"]) + ")")[:4].hex(): e["name"]
              for e in abi if e["type"] == "error"}
    for sel, name in {"0xea3a9a39": "InvalidChannel", "0x56316e87": "ZeroDeposit", "0x1132981b": "DepositOverflow",
                      "0x8baa579f": "InvalidSignature", "0xf5e2237d": "NotReceiverAuthorizer",
                      "0xdefb7069": "NotAuthorizedToClaim", "0x7864f008": "NotAuthorizedToRefund",
                      "0xf1789775": "ClaimExceedsCeiling", "0x7d8242b6": "ClaimExceedsBalance",
                      "0xa2aed0f0": "WithdrawalAlreadyPending", "0x3a0a1ca6": "WithdrawalNotPending",
                      "0x15f969d5": "NotAuthorizedToFinalizeWithdraw", "0xf3965827": "WithdrawDelayNotElapsed",
                      "0xd0d04f60": "NothingToWithdraw", "0x6d3d5764": "WithdrawAmountExceedsAvailable",
                      "0x4574fab6": "WithdrawDelayOutOfRange", "0xc2e5347d": "EmptyBatch",
                      "0xeb43592c": "DepositCollectionFailed", "0x18b1afd4": "InvalidCollector",
                      "0x164f1afe": "InvalidRefundNonce", "0xd758525c": "ZeroRefund",
                      "0x3ee5aeb5": "ReentrancyGuardReentrantCall"}.items():
        assert errors[sel] == name


def test_constants_and_domain(env):
    f = env.bs.functions
    assert f.MIN_WITHDRAW_DELAY().call() == 900 and f.MAX_WITHDRAW_DELAY().call() == 2592000
    assert f.CHANNEL_CONFIG_TYPEHASH().call().hex().removeprefix("0x") == "1c9a06ceab9b0ebbd3301dc56c9111bb6d9af421356dc9ccb3b7084c755db308"
    assert f.VOUCHER_TYPEHASH().call() == VOUCHER_TYPEHASH and f.REFUND_TYPEHASH().call() == REFUND_TYPEHASH
    assert f.CLAIM_ENTRY_TYPEHASH().call() == CLAIM_ENTRY_TYPEHASH and f.CLAIM_BATCH_TYPEHASH().call() == CLAIM_BATCH_TYPEHASH
    assert f.CHANNEL_CONFIG_TYPEHASH().call() == CC_TYPEHASH
    fields, name, version, chain_id, verifying, salt, ext = f.eip712Domain().call()
    assert (fields, name, version, chain_id, verifying, salt, ext) == (b"\x0f", "x402 Batch Settlement", "1", env.chain_id, SETTLEMENT, b"\0" * 32, [])


def test_vectors_c4_to_c7(env):
    """Channel ids and digests from the contract equal protocol.md C.4-C.7 (the devnet runs chain 84532)."""
    from x402.mechanisms.evm.batch_settlement.types import ChannelConfig
    from x402.mechanisms.evm.batch_settlement.utils import compute_channel_id
    assert env.chain_id == 84532
    f = env.bs.functions
    c1 = f.getChannelId(CONFIG1.tuple()).call()
    assert c1.hex().removeprefix("0x") == "66f2b00c9859327c1b959575fc0b0ff71971f15eda6ff270caa3cec308ede223"
    assert f.getChannelId(CONFIG2.tuple()).call().hex().removeprefix("0x") == "2ad3ac89504841d043bab2ad401a48623cbbaf51435a1d5d0d408fd55993ca04"
    assert f.getChannelId(CONFIG1.but(payerAuthorizer=ZERO).tuple()).call().hex().removeprefix("0x") == \
        "3148340da5cedf99567b0a2f1abb7e59ee5beac024ede5249e2968e3544fdf50"
    # the official SDK agrees with the contract for random configs too
    for _ in range(3):
        cfg = env.cfg(new_key())
        sdk = ChannelConfig(payer=cfg.payer, payer_authorizer=cfg.payerAuthorizer, receiver=cfg.receiver,
                            receiver_authorizer=cfg.receiverAuthorizer, token=cfg.token,
                            withdraw_delay=cfg.withdrawDelay, salt="0x" + cfg.salt.hex())
        assert compute_channel_id(sdk, env.chain_id) == "0x" + f.getChannelId(cfg.tuple()).call().hex().removeprefix("0x")
    assert f.getVoucherDigest(c1, 1000).call().hex().removeprefix("0x") == "a8dd04df4747a18827c2f5f1b206ee1ecc99ccbbcd09038958c377b69813e10d"
    assert f.getRefundDigest(c1, 0, 5000).call().hex().removeprefix("0x") == "bae38275d9b257a28d0c7d63882de6b14af74583ec3087e5ae057e14c9131f35"
    rows = [((CONFIG1.tuple(), 1000), b"", 700), ((CONFIG2.tuple(), 2500), b"\x01" * 65, 2500)]
    assert f.getClaimBatchDigest(rows).call().hex().removeprefix("0x") == "e31cab3ba279641351f042b7ab9e3eb93ae7f2409f66d3a4c0f59e75a7446e27"
    ds = bytes.fromhex("fdef80764086b1e0fc6ba99f0cb9aa1d59109fda7c23d60334c89d2de44dffce")  # C.3, chain 84532
    assert f.getClaimBatchDigest([]).call() == keccak(b"\x19\x01" + ds + keccak(encode(["bytes32", "bytes32"], [CLAIM_BATCH_TYPEHASH, keccak(b"")])))


def test_c10_calldata_is_accepted_verbatim(env):
    """The protocol.md C.10 claimWithSignature calldata decodes (hand-decoded path): it reverts only because the
    channel holds no balance on the devnet (ClaimExceedsBalance), i.e. after the ClaimBatch signature passed."""
    c10 = bytes.fromhex(open(os.path.join(os.path.dirname(__file__), "data", "c10_claim_with_signature.hex")).read().strip().removeprefix("0x"))
    ok, ret = env.call(c10, addr(ANVIL0))
    assert not ok and ret == err("ClaimExceedsBalance()")
    # a corrupted authorizer signature fails the ClaimBatch check first
    bad = c10[:-40] + bytes([c10[-40] ^ 1]) + c10[-39:]
    ok, ret = env.call(bad, addr(ANVIL0))
    assert not ok and ret == err("InvalidSignature()")


# ------------------------------------------------------------------ deposit

def test_deposit_creates_channel_and_tops_up(env):
    pk = new_key()
    cfg = env.cfg(pk)
    env.mint(cfg.payer, 15_000)
    before = env.balance(SETTLEMENT)
    rc = env.send(ANVIL0, env.deposit_data(cfg, 10_000, ERC3009_COLLECTOR, env.erc3009_collector_data(pk, cfg, 10_000)))
    cid = env.cid(cfg)
    created = env.logs(rc, "ChannelCreated")
    assert len(created) == 1 and created[0].args.channelId == cid and tuple(created[0].args.config.values()) == cfg.tuple()
    dep = env.logs(rc, "Deposited")[0].args
    assert (dep.channelId, dep.sender, dep.amount, dep.newBalance) == (cid, addr(ANVIL0), 10_000, 10_000)
    assert env.channel(cfg) == (10_000, 0) and env.balance(SETTLEMENT) == before + 10_000
    rc = env.send(ANVIL0, env.deposit_data(cfg, 5_000, ERC3009_COLLECTOR, env.erc3009_collector_data(pk, cfg, 5_000)))
    assert env.logs(rc, "ChannelCreated") == () and env.logs(rc, "Deposited")[0].args.newBalance == 15_000
    assert env.channel(cfg) == (15_000, 0)


def test_deposit_validation_reverts(env):
    pk = new_key()
    cfg = env.cfg(pk)
    cd = env.erc3009_collector_data(pk, cfg, 100)
    for bad, e in [(cfg.but(payer=ZERO), "InvalidChannel()"), (cfg.but(receiver=ZERO), "InvalidChannel()"),
                   (cfg.but(receiverAuthorizer=ZERO), "InvalidChannel()"), (cfg.but(token=ZERO), "InvalidChannel()"),
                   (cfg.but(withdrawDelay=899), "WithdrawDelayOutOfRange()"),
                   (cfg.but(withdrawDelay=2592001), "WithdrawDelayOutOfRange()")]:
        env.expect_revert(ANVIL0, env.deposit_data(bad, 100, ERC3009_COLLECTOR, cd), err(e))
    env.expect_revert(ANVIL0, env.deposit_data(cfg, 0, ERC3009_COLLECTOR, cd), err("ZeroDeposit()"))
    env.expect_revert(ANVIL0, env.deposit_data(cfg, 100, ZERO, cd), err("InvalidCollector()"))
    # delay bounds are inclusive; a zero payerAuthorizer is a valid config
    for ok_cfg in (cfg.but(withdrawDelay=900), cfg.but(withdrawDelay=2592000), cfg.but(payerAuthorizer=ZERO)):
        env.deposit(pk, ok_cfg, 100)
        assert env.channel(ok_cfg) == (100, 0)


def test_deposit_overflow(env):
    pk = new_key()
    cfg = env.cfg(pk)
    env.deposit(pk, cfg, 2**127)
    env.mint(cfg.payer, 2**127)
    data = env.deposit_data(cfg, 2**127, ERC3009_COLLECTOR, env.erc3009_collector_data(pk, cfg, 2**127))
    env.expect_revert(ANVIL0, data, err("DepositOverflow()"))


def test_deposit_collector_that_does_not_pay_is_rejected(env):
    """Balance post-condition: a 'collector' that takes nothing (an EOA has no code -> empty revert from the
    call; a contract that accepts `collect` without moving tokens -> DepositCollectionFailed)."""
    pk = new_key()
    cfg = env.cfg(pk)
    ok, ret = env.call(env.deposit_data(cfg, 100, addr(new_key()), b""), addr(ANVIL0))
    assert not ok and ret == b""
    # the ERC1271 wallet has a payable __default__ that accepts any call: collect() "succeeds" without paying
    wallet = env.chain.deploy("ERC1271Wallet", ["address"], [addr(ANVIL0)])
    env.expect_revert(ANVIL0, env.deposit_data(cfg, 100, wallet.address, b""), err("DepositCollectionFailed()"))


def test_deposit_bubbles_collector_revert(env):
    pk = new_key()
    cfg = env.cfg(pk)
    env.mint(cfg.payer, 100)
    cd = env.erc3009_collector_data(new_key(), cfg, 100)  # signed by the wrong key
    ok, ret = env.call(env.deposit_data(cfg, 100, ERC3009_COLLECTOR, cd), addr(ANVIL0))
    assert not ok and ret[:4] == bytes.fromhex("08c379a0") and b"invalid signature" in ret


# ------------------------------------------------------------------ claim

def test_claim_by_receiver_and_authorizer_and_stale_rows(env):
    pk, cfg = env.open_channel(10_000)
    env.fund(KEY3)
    receiver_key = new_key()
    env.fund(receiver_key)
    cfg2 = env.cfg(pk, receiver=addr(receiver_key))
    env.deposit(pk, cfg2, 10_000)
    cid = env.cid(cfg)
    rc = env.send(KEY2, env.claim_data([env.row(pk, cfg, 1000, 700)]))
    ev = env.logs(rc, "Claimed")[0].args
    assert (ev.channelId, ev.sender, ev.claimAmount, ev.newTotalClaimed) == (cid, addr(KEY2), 700, 700)
    assert env.channel(cfg) == (10_000, 700) and env.receiver_state(cfg.receiver) == (700, 0)
    # the receiver itself may claim its channel
    env.send(receiver_key, env.claim_data([env.row(pk, cfg2, 400, 400)]))
    assert env.channel(cfg2) == (10_000, 400)
    # stale rows (totalClaimed <= on-chain) are skipped silently, even with a garbage signature
    rc = env.send(KEY2, env.claim_data([env.row(pk, cfg, 1000, 700, sig=b"\x01" * 7),
                                        env.row(pk, cfg, 500, 300, sig=b""),
                                        env.row(pk, cfg, 2000, 1200)]))
    evs = env.logs(rc, "Claimed")
    assert [(e.args.claimAmount, e.args.newTotalClaimed) for e in evs] == [(500, 1200)]
    assert env.channel(cfg) == (10_000, 1200) and env.receiver_state(cfg.receiver) == (1200, 0)


def test_claim_reverts(env):
    pk, cfg = env.open_channel(1_000)
    env.expect_revert(KEY2, env.claim_data([]), err("EmptyBatch()"))
    env.expect_revert(KEY1, env.claim_data([env.row(pk, cfg, 100, 100)]), err("NotAuthorizedToClaim()"))
    env.expect_revert(cfg.payer, env.claim_data([env.row(pk, cfg, 100, 100)]), err("NotAuthorizedToClaim()"))
    env.expect_revert(KEY2, env.claim_data([env.row(pk, cfg, 100, 101)]), err("ClaimExceedsCeiling()"))
    env.expect_revert(KEY2, env.claim_data([env.row(pk, cfg, 5000, 1001)]), err("ClaimExceedsBalance()"))
    env.expect_revert(KEY2, env.claim_data([env.row(new_key(), cfg, 100, 100)]), err("InvalidSignature()"))
    # one bad row reverts the whole batch
    other_pk, other = env.open_channel(1_000, receiver=cfg.receiver)
    env.expect_revert(KEY2, env.claim_data([env.row(other_pk, other, 100, 100), env.row(pk, cfg, 100, 101)]), err("ClaimExceedsCeiling()"))
    assert env.channel(other) == (1_000, 0)


def test_claim_ecdsa_errors_for_payer_authorizer(env):
    """payerAuthorizer != 0 uses ECDSA.recoverCalldata: OpenZeppelin's ECDSA errors for malformed signatures."""
    pk, cfg = env.open_channel(1_000)
    good = env.voucher_sig(pk, cfg, 100)
    env.expect_revert(KEY2, env.claim_data([env.row(pk, cfg, 100, 100, sig=good[:64])]),
                      err("ECDSAInvalidSignatureLength(uint256)", ("uint256", 64)))
    hs = high_s(good)
    env.expect_revert(KEY2, env.claim_data([env.row(pk, cfg, 100, 100, sig=hs)]),
                      err("ECDSAInvalidSignatureS(bytes32)", ("bytes32", hs[32:64])))
    env.expect_revert(KEY2, env.claim_data([env.row(pk, cfg, 100, 100, sig=good[:64] + b"\x1d")]), err("ECDSAInvalidSignature()"))
    env.expect_revert(KEY2, env.claim_data([env.row(pk, cfg, 100, 100, sig=b"\0" * 65)]), err("ECDSAInvalidSignature()"))
    # a valid signature by someone else recovers to another address -> InvalidSignature
    env.expect_revert(KEY2, env.claim_data([env.row(new_key(), cfg, 100, 100)]), err("InvalidSignature()"))
    # v = 0/1 is not accepted (OpenZeppelin does not normalise)
    env.expect_revert(KEY2, env.claim_data([env.row(pk, cfg, 100, 100, sig=good[:64] + bytes([good[64] - 27]))]), err("ECDSAInvalidSignature()"))
    # a separate payerAuthorizer key signs instead of the payer
    auth_key = new_key()
    pk2, cfg2 = env.open_channel(1_000, payer_auth=addr(auth_key))
    env.expect_revert(KEY2, env.claim_data([env.row(pk2, cfg2, 100, 100)]), err("InvalidSignature()"))
    env.send(KEY2, env.claim_data([env.row(auth_key, cfg2, 100, 100)]))
    assert env.channel(cfg2) == (1_000, 100)


def test_claim_zero_payer_authorizer_signature_checker(env):
    """payerAuthorizer == 0: SignatureChecker against the payer (ECDSA for an EOA, ERC-1271 for a contract)."""
    pk = new_key()
    cfg = env.cfg(pk, payer_auth=ZERO)
    env.deposit(pk, cfg, 1_000)
    good = env.voucher_sig(pk, cfg, 100)
    for bad in (good[:64], high_s(good), b"\0" * 65, env.voucher_sig(new_key(), cfg, 100)):
        env.expect_revert(KEY2, env.claim_data([env.row(pk, cfg, 100, 100, sig=bad)]), err("InvalidSignature()"))
    env.send(KEY2, env.claim_data([env.row(pk, cfg, 100, 100)]))
    assert env.channel(cfg) == (1_000, 100)


def _wallet_channel(env, amount=1_000):
    """A channel whose payer is an ERC-1271 wallet (payerAuthorizer 0), funded through Permit2."""
    owner = new_key()
    env.fund(owner)
    wallet = env.chain.deploy("ERC1271Wallet", ["address"], [addr(owner)])
    cfg = env.cfg(owner, payer_auth=ZERO).but(payer=wallet.address)
    env.mint(wallet.address, amount)
    approve = bytes.fromhex(env.usdc.encode_abi("approve", args=[env.permit2.address, 2**256 - 1])[2:])
    env.chain.send(owner, wallet.address, bytes.fromhex(wallet.encode_abi("execute", args=[USDC, 0, approve])[2:]))
    env.send(ANVIL0, env.deposit_data(cfg, amount, env.cp2.address, env.permit2_collector_data(owner, cfg, amount)))
    return owner, wallet, cfg


def test_claim_erc1271_payer(env):
    owner, wallet, cfg = _wallet_channel(env)
    assert env.channel(cfg) == (1_000, 0)
    # owner's ECDSA signature, validated by the wallet's isValidSignature
    env.expect_revert(KEY2, env.claim_data([env.row(new_key(), cfg, 100, 100)]), err("InvalidSignature()"))
    env.send(KEY2, env.claim_data([env.row(owner, cfg, 100, 100)]))
    assert env.channel(cfg) == (1_000, 100)
    # a long (300-byte) signature reaches the wallet (it rejects non-65-byte ones; mode 3 accepts anything)
    env.chain.send(owner, wallet.address, bytes.fromhex(wallet.encode_abi("setMode", args=[3])[2:]))
    env.send(KEY2, env.claim_data([env.row(owner, cfg, 300, 300, sig=os.urandom(300))]))
    assert env.channel(cfg) == (1_000, 300)
    # mode 2: the wallet reverts -> InvalidSignature (no bubbling); mode 1: wrong magic -> InvalidSignature
    for mode in (2, 1):
        env.chain.send(owner, wallet.address, bytes.fromhex(wallet.encode_abi("setMode", args=[mode])[2:]))
        env.expect_revert(KEY2, env.claim_data([env.row(owner, cfg, 400, 400)]), err("InvalidSignature()"))


def test_claim_with_signature(env):
    pk, cfg = env.open_channel(10_000)
    pk2, cfg2 = env.open_channel(10_000)
    rows = [env.row(pk, cfg, 1000, 700), env.row(pk2, cfg2, 2500, 2500)]
    # the contract's digest equals the one computed off-chain
    from conftest import claim_batch_digest
    assert env.bs.functions.getClaimBatchDigest(rows).call() == claim_batch_digest(env.chain_id, rows)
    sig = env.batch_sig(KEY2, rows)
    relayer = new_key()
    env.fund(relayer)
    env.expect_revert(relayer, env.claim_with_sig_data([], sig), err("EmptyBatch()"))
    env.expect_revert(relayer, env.claim_with_sig_data(rows, env.batch_sig(KEY3, rows)), err("InvalidSignature()"))
    env.expect_revert(relayer, env.claim_with_sig_data(rows[::-1], sig), err("InvalidSignature()"))
    env.expect_revert(relayer, env.claim_with_sig_data(rows, sig[:64]), err("InvalidSignature()"))
    env.expect_revert(relayer, env.claim_with_sig_data(rows, high_s(sig)), err("InvalidSignature()"))
    rc = env.send(relayer, env.claim_with_sig_data(rows, sig))
    assert [(e.args.sender, e.args.claimAmount) for e in env.logs(rc, "Claimed")] == [(addr(relayer), 700), (addr(relayer), 2500)]
    assert env.channel(cfg) == (10_000, 700) and env.channel(cfg2) == (10_000, 2500)


def test_claim_with_signature_mixed_authorizers(env):
    pk, cfg = env.open_channel(1_000)
    pk2, cfg2 = env.open_channel(1_000, receiver_auth_key=KEY3)
    rows = [env.row(pk, cfg, 100, 100), env.row(pk2, cfg2, 100, 100)]
    env.expect_revert(ANVIL0, env.claim_with_sig_data(rows, env.batch_sig(KEY2, rows)), err("NotReceiverAuthorizer()"))
    # mixed payer authorizers (payer ECDSA, separate payerAuthorizer, zero payerAuthorizer) in one batch are fine
    auth = new_key()
    pk3, cfg3 = env.open_channel(1_000, payer_auth=addr(auth))
    pk4 = new_key()
    cfg4 = env.cfg(pk4, payer_auth=ZERO)
    env.deposit(pk4, cfg4, 1_000)
    rows = [env.row(pk, cfg, 100, 100), env.row(auth, cfg3, 200, 200), env.row(pk4, cfg4, 300, 300)]
    env.send(ANVIL0, env.claim_with_sig_data(rows, env.batch_sig(KEY2, rows)))
    assert [env.channel(c)[1] for c in (cfg, cfg3, cfg4)] == [100, 200, 300]


def test_claim_with_signature_erc1271_authorizer(env):
    """The ClaimBatch signature is checked with SignatureChecker: a contract receiverAuthorizer works."""
    owner = new_key()
    env.fund(owner)
    wallet = env.chain.deploy("ERC1271Wallet", ["address"], [addr(owner)])
    pk = new_key()
    cfg = env.cfg(pk).but(receiverAuthorizer=wallet.address)
    env.deposit(pk, cfg, 1_000)
    rows = [env.row(pk, cfg, 100, 100)]
    env.expect_revert(ANVIL0, env.claim_with_sig_data(rows, env.batch_sig(new_key(), rows)), err("InvalidSignature()"))
    env.send(ANVIL0, env.claim_with_sig_data(rows, env.batch_sig(owner, rows)))
    assert env.channel(cfg) == (1_000, 100)


def test_claim_300_rows(env):
    receiver = addr(new_key())
    rows = []
    for i in range(300):
        pk, cfg = env.open_channel(100, receiver=receiver) if i < 3 else (None, None)
        rows.append((pk, cfg))
    # 3 funded channels, 300 rows: rows 3..299 re-claim the same channels with rising totals
    data_rows = []
    for i in range(300):
        pk, cfg = rows[i % 3]
        total = 1 + i // 3
        data_rows.append(env.row(pk, cfg, 100, total))
    gas = env.w3.eth.estimate_gas({"from": addr(KEY2), "to": SETTLEMENT, "data": env.claim_data(data_rows)})
    rc = env.send(KEY2, env.claim_data(data_rows), gas=gas + 50_000)
    assert len(env.logs(rc, "Claimed")) == 300
    assert [env.channel(rows[k][1]) for k in range(3)] == [(100, 100)] * 3
    assert env.receiver_state(receiver) == (300, 0)
    assert rc.gasUsed < 30_000_000


# ------------------------------------------------------------------ settle

def test_settle(env):
    pk, cfg = env.open_channel(10_000)
    relayer = new_key()
    env.fund(relayer)
    # nothing to settle: no revert, no event, no transfer
    rc = env.send(relayer, env.enc("settle", cfg.receiver, USDC))
    assert env.logs(rc, "Settled") == () and env.balance(cfg.receiver) == 0
    env.send(KEY2, env.claim_data([env.row(pk, cfg, 5000, 3000)]))
    rc = env.send(relayer, env.enc("settle", cfg.receiver, USDC))
    ev = env.logs(rc, "Settled")[0].args
    assert (ev.receiver, ev.token, ev.sender, ev.amount) == (cfg.receiver, USDC, addr(relayer), 3000)
    assert env.balance(cfg.receiver) == 3000 and env.receiver_state(cfg.receiver) == (3000, 3000)
    # claims do not reduce the channel balance
    assert env.channel(cfg) == (10_000, 3000)
    rc = env.send(relayer, env.enc("settle", cfg.receiver, USDC))
    assert env.logs(rc, "Settled") == ()


# ------------------------------------------------------------------ withdraw

def test_withdraw_flow(env):
    pk, cfg = env.open_channel(10_000, delay=900)
    env.fund(pk)
    env.send(KEY2, env.claim_data([env.row(pk, cfg, 3000, 3000)]))
    env.expect_revert(KEY2, env.enc("initiateWithdraw", cfg.tuple(), 100), err("InvalidChannel()"))
    env.expect_revert(pk, env.enc("initiateWithdraw", cfg.tuple(), 0), err("NothingToWithdraw()"))
    env.expect_revert(pk, env.enc("initiateWithdraw", cfg.tuple(), 7001), err("WithdrawAmountExceedsAvailable()"))
    env.expect_revert(pk, env.enc("finalizeWithdraw", cfg.tuple()), err("WithdrawalNotPending()"))
    rc = env.send(pk, env.enc("initiateWithdraw", cfg.tuple(), 7000))
    t0 = env.w3.eth.get_block(rc.blockNumber).timestamp
    ev = env.logs(rc, "WithdrawInitiated")[0].args
    assert (ev.channelId, ev.amount, ev.finalizeAfter) == (env.cid(cfg), 7000, t0 + 900)
    assert env.pending(cfg) == (7000, t0)
    env.expect_revert(pk, env.enc("initiateWithdraw", cfg.tuple(), 1), err("WithdrawalAlreadyPending()"))
    env.expect_revert(KEY2, env.enc("finalizeWithdraw", cfg.tuple()), err("NotAuthorizedToFinalizeWithdraw()"))
    env.expect_revert(pk, env.enc("finalizeWithdraw", cfg.tuple()), err("WithdrawDelayNotElapsed()"))
    # the receiver claims more during the window: finalize is capped to what is still free
    env.send(KEY2, env.claim_data([env.row(pk, cfg, 5000, 5000)]))
    env.increase_time(901)
    bal = env.balance(cfg.payer)
    rc = env.send(pk, env.enc("finalizeWithdraw", cfg.tuple()))
    ev = env.logs(rc, "WithdrawFinalized")[0].args
    assert (ev.sender, ev.amount) == (cfg.payer, 5000)
    assert env.logs(rc, "ChannelClosed") == ()
    assert env.balance(cfg.payer) == bal + 5000 and env.channel(cfg) == (5000, 5000) and env.pending(cfg) == (0, 0)


def test_withdraw_by_payer_authorizer_closes_channel(env):
    auth = new_key()
    env.fund(auth)
    pk, cfg = env.open_channel(1_000, payer_auth=addr(auth), delay=2000)
    env.send(auth, env.enc("initiateWithdraw", cfg.tuple(), 1_000))
    env.increase_time(1000)
    env.expect_revert(auth, env.enc("finalizeWithdraw", cfg.tuple()), err("WithdrawDelayNotElapsed()"))
    env.increase_time(1001)
    rc = env.send(auth, env.enc("finalizeWithdraw", cfg.tuple()))
    assert env.logs(rc, "WithdrawFinalized")[0].args.sender == addr(auth)
    closed = env.logs(rc, "ChannelClosed")
    assert len(closed) == 1 and tuple(closed[0].args.config.values()) == cfg.tuple()
    assert env.balance(cfg.payer) == 1_000 and env.channel(cfg) == (0, 0)


# ------------------------------------------------------------------ refund

def test_refund_capped_and_nonce(env):
    pk, cfg = env.open_channel(10_000)
    env.fund(KEY3)
    env.expect_revert(KEY3, env.enc("refund", cfg.tuple(), 100), err("NotAuthorizedToRefund()"))
    env.expect_revert(KEY2, env.enc("refund", cfg.tuple(), 0), err("ZeroRefund()"))
    env.send(KEY2, env.claim_data([env.row(pk, cfg, 4000, 4000)]))
    rc = env.send(KEY2, env.enc("refund", cfg.tuple(), 50_000))  # capped to free escrow 6000
    ev = env.logs(rc, "Refunded")[0].args
    assert (ev.sender, ev.amount) == (addr(KEY2), 6000) and env.logs(rc, "ChannelClosed") == ()
    assert env.channel(cfg) == (4000, 4000) and env.balance(cfg.payer) == 6000 and env.nonce(cfg) == 1
    # nothing free: no event, no transfer, but the nonce advances
    rc = env.send(KEY2, env.enc("refund", cfg.tuple(), 1))
    assert env.logs(rc, "Refunded") == () and env.nonce(cfg) == 2 and env.balance(cfg.payer) == 6000


def test_refund_closes_channel_and_receiver_may_refund(env):
    receiver_key = new_key()
    env.fund(receiver_key)
    pk, cfg = env.open_channel(1_000, receiver=addr(receiver_key))
    rc = env.send(receiver_key, env.enc("refund", cfg.tuple(), 1_000))
    assert env.logs(rc, "Refunded")[0].args.amount == 1_000
    closed = env.logs(rc, "ChannelClosed")
    assert len(closed) == 1 and closed[0].args.channelId == env.cid(cfg)
    assert env.channel(cfg) == (0, 0)
    # re-opening the channel emits ChannelCreated again
    rc = env.deposit(pk, cfg, 500)
    assert len(env.logs(rc, "ChannelCreated")) == 1


def test_refund_reduces_or_clears_pending_withdrawal(env):
    pk, cfg = env.open_channel(10_000)
    env.fund(pk)
    env.send(pk, env.enc("initiateWithdraw", cfg.tuple(), 5_000))
    t0 = env.pending(cfg)[1]
    env.send(KEY2, env.enc("refund", cfg.tuple(), 2_000))
    assert env.pending(cfg) == (3_000, t0)
    env.send(KEY2, env.enc("refund", cfg.tuple(), 3_000))
    assert env.pending(cfg) == (0, 0)
    env.expect_revert(pk, env.enc("finalizeWithdraw", cfg.tuple()), err("WithdrawalNotPending()"))
    assert env.channel(cfg) == (5_000, 0)


def test_refund_with_signature(env):
    pk, cfg = env.open_channel(10_000)
    relayer = new_key()
    env.fund(relayer)
    sig = env.refund_sig(KEY2, cfg, 0, 3_000)
    env.expect_revert(relayer, env.enc("refundWithSignature", cfg.tuple(), 3_000, 1, env.refund_sig(KEY2, cfg, 1, 3_000)), err("InvalidRefundNonce()"))
    env.expect_revert(relayer, env.enc("refundWithSignature", cfg.tuple(), 3_000, 0, env.refund_sig(KEY3, cfg, 0, 3_000)), err("InvalidSignature()"))
    env.expect_revert(relayer, env.enc("refundWithSignature", cfg.tuple(), 3_001, 0, sig), err("InvalidSignature()"))
    env.expect_revert(relayer, env.enc("refundWithSignature", cfg.tuple(), 3_000, 0, high_s(sig)), err("InvalidSignature()"))
    env.expect_revert(relayer, env.enc("refundWithSignature", cfg.tuple(), 0, 0, env.refund_sig(KEY2, cfg, 0, 0)), err("ZeroRefund()"))
    rc = env.send(relayer, env.enc("refundWithSignature", cfg.tuple(), 3_000, 0, sig))
    assert env.logs(rc, "Refunded")[0].args.sender == addr(relayer)
    assert env.channel(cfg) == (7_000, 0) and env.nonce(cfg) == 1
    env.expect_revert(relayer, env.enc("refundWithSignature", cfg.tuple(), 3_000, 0, sig), err("InvalidRefundNonce()"))
    # a direct refund advances the nonce and invalidates a presigned refund
    sig1 = env.refund_sig(KEY2, cfg, 1, 1_000)
    env.send(KEY2, env.enc("refund", cfg.tuple(), 1))
    env.expect_revert(relayer, env.enc("refundWithSignature", cfg.tuple(), 1_000, 1, sig1), err("InvalidRefundNonce()"))


def test_multicall_claim_then_refund(env):
    """The facilitator's enriched refund: multicall([claimWithSignature, refundWithSignature])."""
    pk, cfg = env.open_channel(10_000)
    rows = [env.row(pk, cfg, 2500, 2500)]
    calls = [env.claim_with_sig_data(rows, env.batch_sig(KEY2, rows)),
             env.enc("refundWithSignature", cfg.tuple(), 3_000, 0, env.refund_sig(KEY2, cfg, 0, 3_000))]
    rc = env.send(ANVIL0, env.enc("multicall", calls))
    assert env.logs(rc, "Claimed")[0].args.claimAmount == 2500 and env.logs(rc, "Refunded")[0].args.amount == 3000
    assert env.channel(cfg) == (7_000, 2500) and env.nonce(cfg) == 1
    # views return their data through multicall; a failing call bubbles its revert data
    ok, ret = env.call(env.enc("multicall", [env.enc("channels", env.cid(cfg)), env.enc("refundNonce", env.cid(cfg))]))
    from eth_abi import decode
    assert ok and [bytes(r) for r in decode(["bytes[]"], ret)[0]] == [encode(["uint128", "uint128"], [7_000, 2500]), encode(["uint256"], [1])]
    env.expect_revert(ANVIL0, env.enc("multicall", [env.enc("refund", cfg.tuple(), 0)]), err("NotAuthorizedToRefund()"))
    env.expect_revert(KEY2, env.enc("multicall", [env.enc("refund", cfg.tuple(), 0)]), err("ZeroRefund()"))


def test_unknown_selector_and_value_revert(env):
    ok, ret = env.call(selector("nope()"), addr(ANVIL0))
    assert not ok and ret == b""
    ok, ret = env.call(b"\x29\x23", addr(ANVIL0))
    assert not ok and ret == b""
