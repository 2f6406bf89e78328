import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pytest  # noqa: E402
import vyper  # noqa: E402
from eth_abi import decode, encode  # noqa: E402
from eth_account import Account  # noqa: E402
from eth_utils import keccak, to_checksum_address  # noqa: E402

from x402devnet.testing import *  # noqa: E402,F401,F403  (devnet_url, rpc, fresh_rpc)

KEY0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ADDR0 = Account.from_key(KEY0).address
KEY1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
ADDR1 = Account.from_key(KEY1).address
PROTO_KEY = "0x" + "01" * 32


def selector(sig):
    return keccak(text=sig)[:4]


def calldata(sig, types=(), args=()):
    return "0x" + (selector(sig) + encode(list(types), list(args))).hex()


class Sender:
    """Signs and sends raw transactions from one key."""

    def __init__(self, rpc, key):
        self.rpc = rpc
        self.key = key
        self.address = Account.from_key(key).address

    def nonce(self):
        return int(self.rpc("eth_getTransactionCount", self.address, "pending"), 16)

    def sign(self, kind="1559", to=None, data="0x", value=0, gas=None, nonce=None, chain_id=84532, gas_price=None):
        tx = {"nonce": self.nonce() if nonce is None else nonce, "value": value, "data": data}
        if to is not None:
            tx["to"] = to_checksum_address(to)
        if gas is None:
            call = {"from": self.address, "data": data, "value": hex(value)}
            if to is not None:
                call["to"] = to
            gas = int(self.rpc("eth_estimateGas", call), 16)
        tx["gas"] = gas
        if kind == "1559":
            tx.update(type=2, chainId=chain_id, maxFeePerGas=3 * 10**9, maxPriorityFeePerGas=10**9)
        else:
            tx["gasPrice"] = gas_price or int(self.rpc("eth_gasPrice"), 16)
            if kind == "legacy":
                tx["chainId"] = chain_id
            # kind == "unprotected": no chain id (pre-EIP-155)
        return "0x" + bytes(Account.sign_transaction(tx, self.key).raw_transaction).hex()

    def send(self, **kw):
        return self.rpc("eth_sendRawTransaction", self.sign(**kw))

    def transact(self, **kw):
        h = self.send(**kw)
        return self.rpc("eth_getTransactionReceipt", h)


@pytest.fixture(scope="session")
def probe_build():
    src = (Path(__file__).parent / "Probe.vy").read_text()
    out = vyper.compile_code(src, output_formats=["abi", "bytecode", "bytecode_runtime"])
    return out


@pytest.fixture(scope="session")
def probe(rpc, probe_build):
    """Address of a Probe contract deployed by a create tx from account #8."""
    key8 = "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97"
    s = Sender(rpc, key8)
    receipt = s.transact(data=probe_build["bytecode"], gas=2_000_000)
    assert receipt["status"] == "0x1"
    return receipt["contractAddress"]


@pytest.fixture
def sender0(fresh_rpc):
    return Sender(fresh_rpc, KEY0)
