"""The committed artifacts are what Contracts/build.py produces from Contracts/src (no chain needed)."""
import subprocess
import sys
from pathlib import Path

CONTRACTS = Path(__file__).resolve().parents[1]


def test_build_check():
    r = subprocess.run([sys.executable, str(CONTRACTS / "build.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_hand_decoded_functions_in_abi():
    import json
    abi = json.loads((CONTRACTS / "artifacts" / "x402BatchSettlement.json").read_text())["abi"]
    names = [e.get("name") for e in abi if e["type"] == "function"]
    assert "claim" in names and "claimWithSignature" in names
    assert not [e for e in abi if e["type"] == "fallback"]
