"""Interop suite: the official Python SDK (x402[evm]==2.25.0) against the devnet twins.

Needs the devnet (chain 84532, all contracts at their canonical addresses): $X402_RPC_URL, else
`Devnet/devnet --port 0` is launched for the session. Without it every test is skipped.
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Contracts" / "tests"))

from test_tokens_support import CANONICAL, make_chain  # noqa: E402


@pytest.fixture(scope="session")
def chain():
    ch = make_chain()
    try:
        if ch.kind != "rpc" or ch.chain_id != 84532 or len(ch.w3.eth.get_code(CANONICAL["x402BatchSettlement"])) == 0:
            pytest.skip("interop needs the devnet (chain 84532 with x402BatchSettlement deployed)")
        yield ch
    finally:
        ch.close()
