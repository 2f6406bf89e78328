"""Shared harness for the token / Permit2 / Multicall3 twin tests (no tests in here).

Chain selection, in order:
  1. X402_RPC_URL set                     -> that JSON-RPC endpoint (e.g. a running `Devnet/devnet`)
  2. Devnet/devnet exists and runs        -> launched with `--port 0`, stopped at the end of the session
  3. otherwise                            -> in-process eth-tester (contracts deployed fresh; the
                                             canonical-address vector checks are skipped)
All transactions are signed locally (type 2) with the protocol.md test keys / anvil dev key.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from eth_abi import decode, encode
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from web3 import Web3

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "Contracts" / "artifacts"
DEPLOYMENTS = json.loads((ROOT / "Contracts" / "deployments.json").read_text())
CANONICAL = {c["artifact"]: to_checksum_address(c["address"]) for c in DEPLOYMENTS["contracts"]}

ANVIL0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
KEY1, KEY2, KEY3 = "0x" + "01" * 32, "0x" + "02" * 32, "0x" + "03" * 32
ERROR_STRING = bytes.fromhex("08c379a0")


def selector(sig: str) -> bytes:
    return keccak(text=sig)[:4]


def error_string(msg: str) -> bytes:
    return ERROR_STRING + encode(["string"], [msg])


def artifact(name: str) -> dict:
    return json.loads((ARTIFACTS / f"{name}.json").read_text())


def _hexbytes(x) -> bytes:
    if x is None:
        return b""
    if isinstance(x, (bytes, bytearray)):
        return bytes(x)
    return bytes.fromhex(str(x).removeprefix("0x"))


class Chain:
    def __init__(self, w3: Web3, kind: str, proc=None):
        self.w3, self.kind, self.proc = w3, kind, proc
        self.chain_id = w3.eth.chain_id
        self._nonces: dict[str, int] = {}

    # ---------------------------------------------------------------- raw RPC
    def rpc(self, method, params):
        if self.kind == "eth-tester":
            return self.w3.manager.request_blocking(method, params)
        resp = self.w3.provider.make_request(method, params)
        if "error" in resp:
            raise RuntimeError(resp["error"])
        return resp["result"]

    def call(self, to, data: bytes, sender=None) -> tuple[bool, bytes]:
        """eth_call; returns (success, returndata or revert data)."""
        data = _hexbytes(data)
        tx = {"to": to, "data": "0x" + data.hex()}
        if sender:
            tx["from"] = sender
        if self.kind == "eth-tester":
            from eth_tester.exceptions import TransactionFailed
            et = self.w3.provider.ethereum_tester
            try:
                tx2 = dict(tx, **({"from": sender} if sender else {"from": et.get_accounts()[0]}))
                tx2.setdefault("gas", 30_000_000)
                return True, _hexbytes(et.call(tx2, "latest"))
            except TransactionFailed as e:
                a = e.args[0]
                if isinstance(a, Exception):
                    a = a.args[0]
                if isinstance(a, str) and a[:2] in ("b'", 'b"'):  # eth-tester: repr of raw revert bytes
                    import ast
                    return False, ast.literal_eval(a)
                if isinstance(a, str):  # eth-tester already decoded an Error(string)
                    return False, error_string(a) if a else b""
                return False, a if isinstance(a, bytes) else b""
        resp = self.w3.provider.make_request("eth_call", [tx, "latest"])
        if "error" in resp:
            return False, _hexbytes(resp["error"].get("data"))
        return True, _hexbytes(resp["result"])

    # ---------------------------------------------------------------- transactions
    def send(self, key, to, data: bytes = b"", value: int = 0, gas: int | None = None, expect_success=True):
        acct = Account.from_key(key)
        data = _hexbytes(data)
        if gas is None:
            ok, ret = self.call(to, data, acct.address) if to else (True, b"")
            if not ok and expect_success:
                raise AssertionError(f"call would revert: 0x{ret.hex()}")
            gas = 3_000_000 if not ok else int(self.w3.eth.estimate_gas(
                {"from": acct.address, "to": to, "data": data, "value": value}) * 1.3) + 20_000
        nonce = self.w3.eth.get_transaction_count(acct.address, "pending")
        base = self.w3.eth.get_block("latest").get("baseFeePerGas", 10**9)
        tx = {"type": 2, "chainId": self.chain_id, "nonce": nonce, "gas": gas, "value": value,
              "maxFeePerGas": base * 2 + 10**9, "maxPriorityFeePerGas": 10**9, "data": data}
        if to:
            tx["to"] = to
        signed = acct.sign_transaction(tx)
        h = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        rcpt = self.w3.eth.wait_for_transaction_receipt(h, timeout=60)
        if expect_success:
            assert rcpt.status == 1, f"tx failed: {rcpt}"
        return rcpt

    def deploy(self, name: str, ctor_types=(), ctor_args=(), key=ANVIL0):
        code = _hexbytes(artifact(name)["bytecode"]) + (encode(list(ctor_types), list(ctor_args)) if ctor_types else b"")
        rcpt = self.send(key, None, code, gas=6_000_000)
        return self.contract(name, rcpt.contractAddress)

    def contract(self, name: str, address):
        return self.w3.eth.contract(address=to_checksum_address(address), abi=artifact(name)["abi"])

    def canonical(self, name: str, key=ANVIL0):
        """The contract at its deployments.json address if the chain has code there, else a fresh one."""
        addr = CANONICAL[name]
        if len(self.w3.eth.get_code(addr)) > 0:
            return self.contract(name, addr)
        return self.deploy(name, key=key)

    def fund(self, address, wei=10**20):
        if self.w3.eth.get_balance(address) < wei // 10:
            self.send(ANVIL0, address, value=wei, gas=21000)

    def latest_timestamp(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def close(self):
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _launch_devnet():
    exe = ROOT / "Devnet" / "devnet"
    if not exe.exists():
        return None
    proc = subprocess.Popen([str(exe), "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                return None
            continue
        m = re.search(r"ready (http://\S+)", line)
        if m:
            return proc, m.group(1)
    proc.kill()
    return None


def make_chain() -> Chain:
    url = os.environ.get("X402_RPC_URL")
    if url:
        return Chain(Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 60})), "rpc")
    launched = _launch_devnet()
    if launched:
        proc, url = launched
        return Chain(Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 60})), "rpc", proc)
    from web3 import EthereumTesterProvider
    w3 = Web3(EthereumTesterProvider())
    ch = Chain(w3, "eth-tester")
    funder = w3.eth.accounts[0]
    for k in (ANVIL0, KEY1, KEY2, KEY3):
        w3.eth.send_transaction({"from": funder, "to": Account.from_key(k).address, "value": 10**21})
    return ch


@pytest.fixture(scope="session")
def chain():
    ch = make_chain()
    yield ch
    ch.close()


# ---------------------------------------------------------------- EIP-712 helpers
DOMAIN4 = keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
DOMAIN3 = keccak(text="EIP712Domain(string name,uint256 chainId,address verifyingContract)")


def domain4(name, version, chain_id, contract):
    return keccak(encode(["bytes32", "bytes32", "bytes32", "uint256", "address"],
                         [DOMAIN4, keccak(text=name), keccak(text=version), chain_id, contract]))


def permit2_domain(chain_id, contract):
    return keccak(encode(["bytes32", "bytes32", "uint256", "address"], [DOMAIN3, keccak(text="Permit2"), chain_id, contract]))


def digest(domain_sep: bytes, struct_hash: bytes) -> bytes:
    return keccak(b"\x19\x01" + domain_sep + struct_hash)


def sign(key, h: bytes) -> bytes:
    return bytes(Account.unsafe_sign_hash(h, key).signature)


def addr(key) -> str:
    return Account.from_key(key).address
