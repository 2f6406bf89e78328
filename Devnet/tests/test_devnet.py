"""Every JSON-RPC method of the devnet, against a devnet subprocess (or $X402_RPC_URL)."""
import json
import time
import urllib.request

import pytest
from eth_abi import decode
from eth_account import Account
from eth_utils import keccak

from conftest import ADDR0, ADDR1, KEY0, KEY1, PROTO_KEY, Sender, calldata, selector
from x402devnet.testing import RPC, RPCError

DEV_ADDRESSES = [
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
    "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
    "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
    "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
    Account.from_key("0x" + "01" * 32).address,
    Account.from_key("0x" + "02" * 32).address,
    Account.from_key("0x" + "03" * 32).address,
]


def test_identity(rpc):
    assert rpc("eth_chainId") == hex(84532)
    assert rpc("net_version") == "84532"
    assert "x402-devnet" in rpc("web3_clientVersion")
    assert int(rpc("eth_blockNumber"), 16) >= 0


def test_dev_accounts_funded(rpc):
    for a in DEV_ADDRESSES:
        assert int(rpc("eth_getBalance", a, "latest"), 16) > 10**21, a


def test_fees(rpc):
    gp = int(rpc("eth_gasPrice"), 16)
    tip = int(rpc("eth_maxPriorityFeePerGas"), 16)
    assert tip == 10**9 and gp >= tip
    latest = rpc("eth_getBlockByNumber", "latest", False)
    assert gp > int(latest["baseFeePerGas"], 16)
    fh = rpc("eth_feeHistory", "0x4", "latest", [25, 75])
    n = len(fh["gasUsedRatio"])
    assert 1 <= n <= 4 and len(fh["baseFeePerGas"]) == n + 1 and len(fh["reward"]) == n
    assert all(len(r) == 2 for r in fh["reward"])


def test_blocks(fresh_rpc, sender0):
    rpc = fresh_rpc
    r = sender0.transact(to=ADDR1, value=5)
    b = rpc("eth_getBlockByNumber", r["blockNumber"], True)
    assert b["hash"] == r["blockHash"] and b["number"] == r["blockNumber"]
    assert b["transactions"][0]["hash"] == r["transactionHash"]
    b2 = rpc("eth_getBlockByNumber", "latest", False)
    assert b2["transactions"] == [r["transactionHash"]]
    assert rpc("eth_getBlockByHash", r["blockHash"], False)["number"] == r["blockNumber"]
    parent = rpc("eth_getBlockByNumber", hex(int(r["blockNumber"], 16) - 1), False)
    assert b["parentHash"] == parent["hash"]
    assert int(b["timestamp"], 16) > int(parent["timestamp"], 16)
    assert rpc("eth_getBlockByNumber", "0xffffff", False) is None
    assert rpc("eth_getBlockByNumber", "earliest", False)["number"] == "0x0"
    for key in ("gasLimit", "gasUsed", "baseFeePerGas", "stateRoot", "logsBloom", "miner", "size"):
        assert key in b


@pytest.mark.parametrize("kind", ["1559", "legacy", "unprotected"])
def test_tx_kinds(fresh_rpc, kind):
    rpc = fresh_rpc
    s = Sender(rpc, KEY1)
    before = int(rpc("eth_getBalance", ADDR0, "latest"), 16)
    n0 = s.nonce()
    # the official Python facilitator: legacy, eth_gasPrice, fixed gas 500,000
    h = s.send(kind=kind, to=ADDR0, value=12345, gas=500_000 if kind != "1559" else None)
    r = rpc("eth_getTransactionReceipt", h)
    assert r["status"] == "0x1" and r["gasUsed"] == hex(21000)
    assert r["from"].lower() == ADDR1.lower() and r["to"].lower() == ADDR0.lower()
    assert r["type"] == ("0x2" if kind == "1559" else "0x0")
    assert int(rpc("eth_getBalance", ADDR0, "latest"), 16) == before + 12345
    assert s.nonce() == n0 + 1
    tx = rpc("eth_getTransactionByHash", h)
    assert tx["hash"] == h and tx["blockNumber"] == r["blockNumber"] and tx["from"].lower() == ADDR1.lower()
    if kind == "unprotected":
        assert tx["v"] in ("0x1b", "0x1c") and "chainId" not in tx
    if kind == "legacy":
        assert tx["chainId"] == hex(84532)


def test_wrong_chain_id_rejected(fresh_rpc):
    s = Sender(fresh_rpc, KEY1)
    for kind in ("1559", "legacy"):
        with pytest.raises(RPCError) as e:
            s.send(kind=kind, to=ADDR0, gas=21000, chain_id=1)
        assert "chain id" in e.value.message


def test_nonce_too_low_and_funds(fresh_rpc):
    rpc = fresh_rpc
    s = Sender(rpc, KEY1)
    s.transact(to=ADDR0, value=1)
    with pytest.raises(RPCError) as e:
        s.send(to=ADDR0, value=2, nonce=0, gas=21000)
    assert e.value.code == -32000 and "nonce too low" in e.value.message
    poor = Sender(rpc, "0x" + "77" * 32)
    with pytest.raises(RPCError) as e:
        poor.send(to=ADDR0, value=1, gas=21000)
    assert "insufficient funds" in e.value.message


def test_future_nonce_queued_then_mined(fresh_rpc):
    rpc = fresh_rpc
    s = Sender(rpc, KEY1)
    n = s.nonce()
    later = s.sign(to=ADDR0, value=2, nonce=n + 1, gas=21000)
    first = s.sign(to=ADDR0, value=1, nonce=n, gas=21000)
    h2 = rpc("eth_sendRawTransaction", later)
    assert rpc("eth_getTransactionReceipt", h2) is None
    assert rpc("eth_getTransactionByHash", h2)["blockNumber"] is None
    assert rpc("eth_getTransactionCount", ADDR1, "latest") == hex(n)
    h1 = rpc("eth_sendRawTransaction", first)
    r1, r2 = rpc("eth_getTransactionReceipt", h1), rpc("eth_getTransactionReceipt", h2)
    assert int(r2["blockNumber"], 16) == int(r1["blockNumber"], 16) + 1
    assert rpc("eth_getTransactionCount", ADDR1, "latest") == hex(n + 2)
    # re-broadcasting a mined tx answers its hash
    assert rpc("eth_sendRawTransaction", first) == h1


def test_deploy_and_code(rpc, probe, probe_build):
    code = rpc("eth_getCode", probe, "latest")
    assert code == probe_build["bytecode_runtime"]
    assert rpc("eth_getCode", ADDR0, "latest") == "0x"


def test_eth_call_and_revert_data(rpc, probe):
    out = rpc("eth_call", {"to": probe, "data": calldata("check(uint256)", ["uint256"], [21])}, "latest")
    assert int(out, 16) == 42
    # custom error with argument
    resp = rpc.raw("eth_call", [{"to": probe, "data": calldata("check(uint256)", ["uint256"], [0])}, "latest"])
    err = resp["error"]
    assert err["code"] == 3 and err["message"].startswith("execution reverted")
    assert err["data"] == "0x" + (selector("Bad(uint256)") + (7).to_bytes(32, "big")).hex()
    # custom error without argument, Error(string), empty
    for sig, want in (("fail_custom()", "0x" + selector("InvalidSignature()").hex()),
                      ("fail_empty()", "0x")):
        err = rpc.raw("eth_call", [{"to": probe, "data": calldata(sig)}])["error"]
        assert err["code"] == 3 and err["data"] == want, sig
    err = rpc.raw("eth_call", [{"to": probe, "data": calldata("fail_reason()")}])["error"]
    assert err["code"] == 3 and err["message"] == "execution reverted: nope"
    assert err["data"].startswith("0x08c379a0")
    # estimateGas reverts the same way
    err = rpc.raw("eth_estimateGas", [{"to": probe, "data": calldata("fail_custom()")}])["error"]
    assert err["code"] == 3 and err["data"] == "0x" + selector("InvalidSignature()").hex()
    # call at a past block, by number and by hash
    latest = rpc("eth_getBlockByNumber", "latest", False)
    assert rpc("eth_call", {"to": probe, "data": calldata("check(uint256)", ["uint256"], [1])},
               {"blockHash": latest["hash"]}) == "0x" + (2).to_bytes(32, "big").hex()
    assert rpc("eth_getCode", probe, "0x0") == "0x"


def test_reverting_tx_is_mined_with_status_0(fresh_rpc, probe):
    s = Sender(fresh_rpc, KEY0)
    n = s.nonce()
    r = s.transact(to=probe, data=calldata("fail_custom()"), gas=100_000)
    assert r["status"] == "0x0" and int(r["gasUsed"], 16) > 21000
    assert s.nonce() == n + 1
    r = s.transact(kind="legacy", to=probe, data=calldata("fail_reason()"), gas=500_000)
    assert r["status"] == "0x0"


def test_estimate_gas_is_sufficient(fresh_rpc, probe):
    rpc = fresh_rpc
    s = Sender(rpc, KEY0)
    assert rpc("eth_estimateGas", {"from": ADDR0, "to": ADDR1, "value": "0x1"}) == hex(21000)
    # SSTORE refunds: the estimate must cover pre-refund gas
    data = calldata("churn(uint256)", ["uint256"], [40])
    est = int(rpc("eth_estimateGas", {"from": ADDR0, "to": probe, "data": data}), 16)
    r = s.transact(to=probe, data=data, gas=est)
    assert r["status"] == "0x1" and int(r["gasUsed"], 16) <= est
    # nested calls (63/64 rule): relay -> self -> self -> store
    inner = bytes.fromhex(calldata("churn(uint256)", ["uint256"], [30])[2:])
    data = calldata("relay(address,bytes,uint256)", ["address", "bytes", "uint256"], [probe, inner, 3])
    est = int(rpc("eth_estimateGas", {"from": ADDR0, "to": probe, "data": data}), 16)
    r = s.transact(to=probe, data=data, gas=est)
    assert r["status"] == "0x1"
    # contract creation estimate
    assert int(rpc("eth_estimateGas", {"from": ADDR0, "data": "0x600a600c600039600a6000f3602a60005260206000f3"}), 16) > 53000


def test_logs_and_filters(fresh_rpc, probe):
    rpc = fresh_rpc
    s = Sender(rpc, KEY0)
    start = int(rpc("eth_blockNumber"), 16) + 1
    r1 = s.transact(to=probe, data=calldata("store(uint256,uint256)", ["uint256", "uint256"], [1, 100]))
    r2 = s.transact(to=probe, data=calldata("store(uint256,uint256)", ["uint256", "uint256"], [2, 200]))
    r3 = s.transact(to=probe, data=calldata("ping(uint256)", ["uint256"], [9]))
    stored_t = "0x" + keccak(text="Stored(address,uint256,uint256)").hex()
    ping_t = "0x" + keccak(text="Ping(uint256)").hex()
    assert r1["logs"][0]["topics"][0] == stored_t
    assert r1["logs"][0]["address"].lower() == probe.lower()
    assert r1["logs"][0]["topics"][1] == "0x" + "00" * 12 + ADDR0[2:].lower()
    assert int(r1["logs"][0]["data"], 16) == 100
    rng = {"fromBlock": hex(start), "toBlock": "latest"}
    assert len(rpc("eth_getLogs", dict(rng, address=probe))) == 3
    assert len(rpc("eth_getLogs", dict(rng, address=[probe, ADDR1]))) == 3
    assert len(rpc("eth_getLogs", dict(rng, address=ADDR1))) == 0
    assert len(rpc("eth_getLogs", dict(rng, topics=[stored_t]))) == 2
    assert len(rpc("eth_getLogs", dict(rng, topics=[[stored_t, ping_t]]))) == 3
    key2 = "0x" + (2).to_bytes(32, "big").hex()
    logs = rpc("eth_getLogs", dict(rng, topics=[None, None, key2]))
    assert [l["transactionHash"] for l in logs] == [r2["transactionHash"]]
    assert len(rpc("eth_getLogs", dict(rng, topics=[ping_t, None]))) == 0  # Ping has 1 topic
    one = rpc("eth_getLogs", {"fromBlock": r2["blockNumber"], "toBlock": r2["blockNumber"]})
    assert len(one) == 1 and one[0]["blockHash"] == r2["blockHash"]
    by_hash = rpc("eth_getLogs", {"blockHash": r3["blockHash"]})
    assert len(by_hash) == 1 and by_hash[0]["topics"] == [ping_t]
    assert rpc("eth_getLogs", {"fromBlock": "0x0", "toBlock": "0x0"}) == []


def test_batch_and_errors(rpc, devnet_url):
    out = rpc.batch([("eth_chainId", []), ("no_such_method", []), ("eth_getBalance", ["0x12"]),
                     ("eth_blockNumber", [])])
    assert out[0]["result"] == hex(84532)
    assert out[1]["error"]["code"] == -32601
    assert out[2]["error"]["code"] == -32602
    assert out[3]["result"].startswith("0x")

    def post(body):
        req = urllib.request.Request(devnet_url, data=body, headers={"Content-Type": "application/json"})
        return json.loads(urllib.request.urlopen(req).read())

    assert post(b"{not json")["error"]["code"] == -32700
    assert post(b"[]")["error"]["code"] == -32600
    assert post(b"42")["error"]["code"] == -32600
    assert post(b'[1, {"jsonrpc":"2.0","id":7,"method":"eth_chainId"}]')[1]["id"] == 7
    assert post(b'{"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransaction","params":["0x1234"]}')["error"]["code"] == -32602
    assert post(b'{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[]}')["error"]["code"] == -32602
    assert post(b'{"jsonrpc":"2.0","id":1,"method":"evm_revert","params":["0x99999"]}')["result"] is False
    assert rpc("eth_chainId") == hex(84532)  # still alive


def test_time_travel(fresh_rpc, probe):
    rpc = fresh_rpc
    s = Sender(rpc, KEY0)
    # drift: many blocks quickly push chain time ahead of the wall clock
    for _ in range(30):
        rpc("evm_mine")
    latest = int(rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)
    rpc("evm_increaseTime", 900)
    r = s.transact(to=ADDR1, value=1)
    ts = int(rpc("eth_getBlockByNumber", r["blockNumber"], False)["timestamp"], 16)
    assert ts >= latest + 900
    # the contract sees the new time in the next eth_call at latest
    assert int(rpc("eth_call", {"to": probe, "data": calldata("now()")}), 16) == ts
    # exact next timestamp
    target = ts + 5000
    rpc("evm_setNextBlockTimestamp", hex(target))
    rpc("evm_mine")
    assert int(rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16) == target
    rpc("evm_mine")
    assert int(rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16) > target
    # evm_mine with a timestamp
    rpc("evm_mine", target + 10_000)
    assert int(rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16) == target + 10_000
    # never backwards
    err = rpc.raw("evm_setNextBlockTimestamp", [hex(target)])["error"]
    assert err["code"] == -32602


def test_snapshot_revert(rpc, probe):
    s = Sender(rpc, KEY1)
    sid = rpc("evm_snapshot")
    n0 = int(rpc("eth_blockNumber"), 16)
    head0 = rpc("eth_getBlockByNumber", "latest", False)["hash"]
    bal0 = rpc("eth_getBalance", ADDR0, "latest")
    nonce0 = s.nonce()
    r = s.transact(to=ADDR0, value=10**18)
    rpc("anvil_setCode", ADDR1, "0x6001")
    rpc("evm_increaseTime", 100000)
    for _ in range(3):
        rpc("evm_mine")
    inner = rpc("evm_snapshot")
    rpc("evm_mine")
    assert rpc("evm_revert", sid) is True
    assert int(rpc("eth_blockNumber"), 16) == n0
    assert rpc("eth_getBlockByNumber", "latest", False)["hash"] == head0
    assert rpc("eth_getBalance", ADDR0, "latest") == bal0
    assert rpc("eth_getTransactionReceipt", r["transactionHash"]) is None
    assert rpc("eth_getTransactionByHash", r["transactionHash"]) is None
    assert rpc("eth_getCode", ADDR1, "latest") == "0x"
    assert s.nonce() == nonce0
    assert rpc("evm_revert", sid) is False  # used up
    assert rpc("evm_revert", inner) is False  # later snapshots die too
    # the chain continues from the snapshot; the same tx can be mined again
    r2 = s.transact(to=ADDR0, value=10**18)
    assert int(r2["blockNumber"], 16) == n0 + 1
    assert rpc("eth_getBlockByNumber", "latest", False)["parentHash"] == head0
    ts = int(rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)
    assert ts < int(time.time()) + 50000  # the increaseTime was reverted too
    # nested snapshots
    a = rpc("evm_snapshot")
    s.transact(to=ADDR0, value=1)
    b = rpc("evm_snapshot")
    s.transact(to=ADDR0, value=1)
    assert rpc("evm_revert", b) is True
    assert int(rpc("eth_blockNumber"), 16) == n0 + 2
    assert rpc("evm_revert", a) is True
    assert int(rpc("eth_blockNumber"), 16) == n0 + 1
    # and back to the start, so other tests see the original chain
    # (r2 stays: the session's later tests do not depend on it)


def test_state_edits(fresh_rpc, probe):
    rpc = fresh_rpc
    target = "0x" + "42" * 20
    assert rpc("anvil_setBalance", target, hex(7 * 10**18)) is True
    assert rpc("eth_getBalance", target, "latest") == hex(7 * 10**18)
    rpc("anvil_setNonce", target, "0x5")
    assert rpc("eth_getTransactionCount", target, "latest") == "0x5"
    assert rpc("eth_getTransactionCount", target, "pending") == "0x5"
    # runtime code returning 42, then storage read via the edited code
    rpc("anvil_setCode", target, "0x602a60005260206000f3")
    assert int(rpc("eth_call", {"to": target, "data": "0x"}), 16) == 42
    slot = "0x" + (1).to_bytes(32, "big").hex()
    rpc("anvil_setStorageAt", probe, "0x1", "0x" + (99).to_bytes(32, "big").hex())
    assert int(rpc("eth_getStorageAt", probe, "0x1", "latest"), 16) == 99
    assert int(rpc("eth_getStorageAt", probe, slot, "latest"), 16) == 99
    # edits survive the next mined block, and txs build on them
    rpc("evm_mine")
    assert rpc("eth_getBalance", target, "latest") == hex(7 * 10**18)
    key = "0x" + "55" * 32
    a = Account.from_key(key).address
    rpc("anvil_setBalance", a, hex(10**18))
    r = Sender(rpc, key).transact(to=ADDR0, value=1, gas=21000)
    assert r["status"] == "0x1"


def test_send_transaction_and_mint_helper(fresh_rpc):
    rpc = fresh_rpc
    assert ADDR0.lower() in [a.lower() for a in rpc("eth_accounts")]
    h = rpc("eth_sendTransaction", {"from": ADDR0, "to": ADDR1, "value": "0x5"})
    assert rpc("eth_getTransactionReceipt", h)["status"] == "0x1"
    info = rpc("devnet_info")
    assert info["chainId"] == 84532 and info["deployer"] == "0xa0ee7a142d267c1f36714e4a8f75612f20a79720"


def test_concurrent_clients(rpc, devnet_url):
    """Several keep-alive connections sending at once: every tx is mined exactly once."""
    import threading

    keys = ["0x" + "%02x" % (0x60 + i) * 32 for i in range(4)]
    for k in keys:
        rpc("anvil_setBalance", Account.from_key(k).address, hex(10**20))
    hashes, errors = [], []

    def worker(k):
        c = RPC(devnet_url)
        s = Sender(c, k)
        try:
            for _ in range(10):
                hashes.append(s.send(to=ADDR0, value=1, gas=21000))
        except Exception as e:  # pragma: no cover
            errors.append(e)

    ts = [threading.Thread(target=worker, args=(k,)) for k in keys]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert not errors
    assert len(set(hashes)) == 40
    for h in hashes:
        assert rpc("eth_getTransactionReceipt", h)["status"] == "0x1"
