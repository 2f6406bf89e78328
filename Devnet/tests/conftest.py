import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pytest  # noqa: E402
import vyper  # noqa: E402

from devnet_helpers import KEY0, Sender  # noqa: E402
from x402devnet.testing import *  # noqa: E402,F401,F403  (devnet_url, rpc, fresh_rpc)


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
