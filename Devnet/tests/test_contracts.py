"""The contracts of Contracts/deployments.json at their canonical addresses (skipped until artifacts exist)."""
import json
from pathlib import Path

import pytest
from eth_abi import decode

from conftest import calldata

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((ROOT / "Contracts" / "deployments.json").read_text())
ENTRIES = MANIFEST["contracts"]


def artifact(name):
    p = ROOT / "Contracts" / "artifacts" / (name + ".json")
    return json.loads(p.read_text()) if p.exists() else None


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["artifact"] for e in ENTRIES])
def test_runtime_code_at_canonical_address(rpc, entry):
    art = artifact(entry["artifact"])
    if art is None:
        pytest.skip("artifact %s not built yet" % entry["artifact"])
    code = rpc("eth_getCode", entry["address"], "latest")
    want = art["deployedBytecode"]
    want = want if want.startswith("0x") else "0x" + want
    assert code.lower() == want.lower()


def test_multicall3_answers(rpc):
    if artifact("Multicall3") is None:
        pytest.skip("Multicall3 artifact not built yet")
    out = rpc("eth_call", {"to": "0xcA11bde05977b3631167028862bE2a173976CA11",
                           "data": calldata("getChainId()")})
    assert int(out, 16) == 84532


def test_usdc_mint_helper(fresh_rpc):
    rpc = fresh_rpc
    if artifact("TestUSDC") is None:
        pytest.skip("TestUSDC artifact not built yet")
    usdc = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
    who = "0x" + "ab" * 20
    bal = lambda: int(rpc("eth_call", {"to": usdc, "data": calldata("balanceOf(address)", ["address"], [who])}), 16)
    before = bal()
    h = rpc("devnet_mint", usdc, who, hex(1_000_000))
    assert rpc("eth_getTransactionReceipt", h)["status"] == "0x1"
    assert bal() == before + 1_000_000
