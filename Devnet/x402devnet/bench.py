"""Measures the devnet: start-up time, RSS, sequential tx/s, eth_call latency.

    Devnet/.venv/bin/python -m x402devnet.bench      (PYTHONPATH=Devnet)
"""
import json
import statistics
import time

from eth_abi import encode
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from .testing import RPC, DevnetProcess

KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


ECRECOVER_SRC = """
# pragma version 0.4.3
@external
def run(h: bytes32, v: uint256, r: uint256, s: uint256, n: uint256) -> address:
    a: address = empty(address)
    for i: uint256 in range(n, bound=200):
        a = ecrecover(h, v, r, s)
    return a
"""


def ecrecover_tx_ms(rpc, sender):
    """Time of one mined tx doing 100 ecrecovers (coincurve makes the precompile fast)."""
    import vyper
    from eth_keys import keys

    code = vyper.compile_code(ECRECOVER_SRC, output_formats=["bytecode"])["bytecode"]
    h = rpc("eth_sendTransaction", {"from": sender, "data": code})
    addr = rpc("eth_getTransactionReceipt", h)["contractAddress"]
    digest = keccak(b"x402")
    sig = keys.PrivateKey(b"\x01" * 32).sign_msg_hash(digest)
    data = keccak(text="run(bytes32,uint256,uint256,uint256,uint256)")[:4] + encode(
        ["bytes32", "uint256", "uint256", "uint256", "uint256"], [digest, sig.v + 27, sig.r, sig.s, 100])
    times = []
    for _ in range(5):
        t = time.perf_counter()
        rpc("eth_sendTransaction", {"from": sender, "to": addr, "data": "0x" + data.hex(), "gas": hex(2_000_000)})
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 1)


def main():
    t0 = time.time()
    node = DevnetProcess(["--quiet"]).start()
    startup = time.time() - t0
    rpc = RPC(node.url)
    out = {"startup_s": round(startup, 2), "rss_mb_start": round(rss_mb(node.proc.pid), 1)}
    try:
        acct = Account.from_key(KEY)
        nonce = int(rpc("eth_getTransactionCount", acct.address, "pending"), 16)
        gp = int(rpc("eth_gasPrice"), 16)
        n = 200
        raws = []
        for i in range(n):
            tx = {"nonce": nonce + i, "to": to_checksum_address("0x" + "11" * 20), "value": 1, "gas": 21000,
                  "gasPrice": gp, "chainId": 84532}
            raws.append("0x" + bytes(acct.sign_transaction(tx).raw_transaction).hex())
        t = time.time()
        for raw in raws:
            rpc("eth_sendRawTransaction", raw)
        out["transfer_tx_per_s"] = round(n / (time.time() - t), 1)

        has_usdc = rpc("eth_getCode", USDC, "latest") != "0x"
        if has_usdc:
            rpc("devnet_mint", USDC, acct.address, hex(10**12))
            nonce = int(rpc("eth_getTransactionCount", acct.address, "pending"), 16)
            data = keccak(text="transfer(address,uint256)")[:4] + encode(["address", "uint256"], ["0x" + "22" * 20, 1])
            raws = []
            for i in range(n):
                tx = {"nonce": nonce + i, "to": USDC, "value": 0, "gas": 100000, "gasPrice": gp,
                      "chainId": 84532, "data": data}
                raws.append("0x" + bytes(acct.sign_transaction(tx).raw_transaction).hex())
            t = time.time()
            for raw in raws:
                rpc("eth_sendRawTransaction", raw)
            out["erc20_transfer_tx_per_s"] = round(n / (time.time() - t), 1)
            call = {"to": USDC, "data": "0x" + (keccak(text="balanceOf(address)")[:4]
                                                  + encode(["address"], [acct.address])).hex()}
        else:
            call = {"to": "0x" + "11" * 20, "data": "0x"}
        lat = []
        for _ in range(500):
            t = time.perf_counter()
            rpc("eth_call", call, "latest")
            lat.append((time.perf_counter() - t) * 1000)
        out["eth_call_ms_median"] = round(statistics.median(lat), 2)
        out["eth_call_ms_p99"] = round(sorted(lat)[int(len(lat) * 0.99)], 2)
        lat = []
        for _ in range(500):
            t = time.perf_counter()
            rpc("eth_blockNumber")
            lat.append((time.perf_counter() - t) * 1000)
        out["eth_blockNumber_ms_median"] = round(statistics.median(lat), 2)
        out["ecrecover_x100_tx_ms"] = ecrecover_tx_ms(rpc, acct.address)
        out["rss_mb_end"] = round(rss_mb(node.proc.pid), 1)
        out["blocks"] = int(rpc("eth_blockNumber"), 16)
    finally:
        node.stop()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
