"""Our buyer (`x402 pay` / `x402 refund`) paying the official Python SDK's FastAPI seller through our facilitator.

`x402 facilitator` (relayer anvil #8) runs against the devnet; the seller is the SDK's FastAPI app
(Interop/fastapi_seller_app.py: x402ResourceServer + batch-settlement server scheme with its own authorizer key and
the SDK's FileChannelStorage, behind the SDK's payment_middleware) using the SDK's async HTTP facilitator client.
Our client is the `x402` binary, one process per request (its channel state in --state-dir), so every payment is
also a restart of our side. Cycle: deposit -> vouchers -> the seller restarts (same storage) -> vouchers -> a
refund of the rest; balances checked on chain.
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_account import Account

from test_exact_interop import funded_parties, start_facilitator
from test_tokens_support import CANONICAL
from x402_process import start_x402, x402_bin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Devnet"))

from x402devnet.accounts import ANVIL_KEYS  # noqa: E402

NET = "eip155:84532"
USDC = CANONICAL["TestUSDC"]
ESCROW = CANONICAL["x402BatchSettlement"]


class PythonSeller:
    def __init__(self, facilitator, pay_to, storage, key, log, extra=()):
        env = dict(os.environ, SELLER_AUTHORIZER_KEY=key)
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "Interop" / "fastapi_seller_app.py"), "--facilitator",
                                      facilitator, "--pay-to", pay_to, "--storage", str(storage), *extra],
                                     stdout=subprocess.PIPE, stderr=open(log, "a"), env=env, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("LISTENING "), (line, Path(log).read_text()[-3000:])
        self.url = f"http://127.0.0.1:{line.split()[1]}"
        for _ in range(100):  # uvicorn accepts once its startup (the middleware's /supported) is done
            try:
                import httpx
                httpx.get(self.url + "/weather", timeout=5)
                break
            except Exception:
                time.sleep(0.1)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def test_our_client_pays_the_python_seller(chain, tmp_path):
    pytest.importorskip("fastapi")
    if x402_bin() is None:
        pytest.skip("needs the x402 binary")
    escrow, usdc = chain.contract("x402BatchSettlement", ESCROW), chain.contract("TestUSDC", USDC)
    rpc_url = chain.w3.provider.endpoint_uri
    payer = Account.create()
    h = chain.rpc("devnet_mint", [USDC, payer.address, hex(1_000_000)])
    assert chain.w3.eth.wait_for_transaction_receipt(h, timeout=60).status == 1
    pay_to = Account.create().address

    env = dict(os.environ, X402_RELAYER_KEYS=ANVIL_KEYS[8])
    env.pop("X402_DATABASE_URL", None)
    fac = start_x402(["facilitator", "--rpc-url", rpc_url, "--network", NET, "--port", "0",
                      "--data-dir", str(tmp_path / "facilitator-data")], env, tmp_path / "facilitator")
    seller_key = "0x" + os.urandom(32).hex()
    seller = PythonSeller(fac.url, pay_to, tmp_path / "seller-data", seller_key, tmp_path / "seller.log")

    def x402(*args):
        buyer_env = dict(os.environ, EVM_PRIVATE_KEY=payer.key.hex() if payer.key.hex().startswith("0x")
                         else "0x" + payer.key.hex())
        return subprocess.run([x402_bin(), *args, "--state-dir", str(tmp_path / "buyer"), "--rpc-url", rpc_url],
                              capture_output=True, text=True, env=buyer_env, timeout=120)

    try:
        for i in range(3):
            r = x402("pay", seller.url + "/weather")
            assert r.returncode == 0, (i, r.stdout, r.stderr, (tmp_path / "seller.log").read_text()[-3000:])
            assert '"seller":"python"' in r.stdout.replace(" ", "")
            assert "PAYMENT-RESPONSE" in r.stderr
        assert '"amount":"10000"' not in r.stderr  # the third is a voucher
        # The Python seller restarts on its storage; our client (a new process each time) goes on.
        seller.stop()
        seller = PythonSeller(fac.url, pay_to, tmp_path / "seller-data", seller_key, tmp_path / "seller.log")
        for i in range(2):
            r = x402("pay", seller.url + "/weather")
            assert r.returncode == 0, (i, r.stdout, r.stderr, (tmp_path / "seller.log").read_text()[-3000:])
        cid = next(line.split()[0] for line in x402("wallet").stdout.splitlines() if line.startswith("0x") and len(line.split()[0]) == 66)
        balance, claimed = escrow.functions.channels(bytes.fromhex(cid[2:])).call()
        assert (balance, claimed) == (10_000, 0)
        # The rest back through the Python seller's refund path (enriched by it, relayed by our facilitator).
        r = x402("refund", seller.url + "/weather")
        assert r.returncode == 0, (r.stdout, r.stderr, (tmp_path / "seller.log").read_text()[-3000:])
        assert "refunded 5000" in r.stdout, r.stdout
        assert usdc.functions.balanceOf(payer.address).call() == 1_000_000 - 5_000
        balance, claimed = escrow.functions.channels(bytes.fromhex(cid[2:])).call()
        assert claimed == 5_000
    finally:
        seller.stop()
        fac.stop()


def payment_response(stderr):
    """The settle response `x402 pay` printed on stderr."""
    line = next(line for line in stderr.splitlines() if line.startswith("PAYMENT-RESPONSE "))
    return json.loads(line.removeprefix("PAYMENT-RESPONSE "))


def test_our_client_pays_the_python_sellers_exact_routes(chain, tmp_path):
    """`x402 pay --scheme exact|auto` against the SDK's FastAPI seller offering `exact` through our facilitator."""
    pytest.importorskip("fastapi")
    if x402_bin() is None:
        pytest.skip("needs the x402 binary")
    usdc = chain.contract("TestUSDC", USDC)
    relayer, payer = funded_parties(chain)
    pay_to = Account.create().address
    fac = start_facilitator(chain, relayer, tmp_path)
    seller = PythonSeller(fac.url, pay_to, tmp_path / "seller-data", "0x" + os.urandom(32).hex(),
                          tmp_path / "seller.log", extra=["--exact"])
    state_dir = tmp_path / "buyer"
    key = "0x" + payer.key.hex().removeprefix("0x")

    def pay(path, *args):
        r = subprocess.run([x402_bin(), "pay", seller.url + path, *args, "--state-dir", str(state_dir),
                            "--rpc-url", chain.w3.provider.endpoint_uri],
                           capture_output=True, text=True, env=dict(os.environ, EVM_PRIVATE_KEY=key), timeout=120)
        assert r.returncode == 0, (path, args, r.stdout, r.stderr, (tmp_path / "seller.log").read_text()[-3000:])
        assert '"seller":"python"' in r.stdout.replace(" ", "")
        assert key.removeprefix("0x") not in r.stdout + r.stderr
        return payment_response(r.stderr)

    def balances():
        return usdc.functions.balanceOf(payer.address).call(), usdc.functions.balanceOf(pay_to).call()

    def paid_by_transfer(settled, price):
        """A settled exact transfer of `price`: a mined transaction, the payer down and payTo up by exactly it."""
        before = paid_by_transfer.balances
        assert settled["success"] is True, settled
        assert settled["network"] == NET and settled["payer"].lower() == payer.address.lower(), settled
        tx = settled["transaction"]
        assert tx.startswith("0x") and len(tx) == 66, settled
        assert chain.w3.eth.get_transaction_receipt(tx).status == 1
        after = balances()
        assert after == (before[0] - price, before[1] + price), (before, after)
        paid_by_transfer.balances = after
        return tx

    paid_by_transfer.balances = balances()
    assert paid_by_transfer.balances == (1_000_000, 0)
    try:
        # The exact-only route ($0.002): --scheme exact twice (a fresh nonce each time); no channel state used.
        first = paid_by_transfer(pay("/exact", "--scheme", "exact"), 2000)
        second = paid_by_transfer(pay("/exact", "--scheme", "exact"), 2000)
        # The route offering both ($0.001): --scheme exact takes the exact offer.
        paid_by_transfer(pay("/both", "--scheme", "exact"), 1000)
        assert not state_dir.exists()
        # auto (the default) on the exact-only route pays with exact, and opens no channel state either.
        third = paid_by_transfer(pay("/exact"), 2000)
        assert len({first, second, third}) == 3
        assert not state_dir.exists()
        # ... auto prefers the channel: a deposit (10 x the price) into the escrow, nothing to payTo yet.
        before = balances()
        deposit = pay("/both")
        assert deposit["success"] is True and deposit.get("amount") == "10000", deposit
        assert balances() == (before[0] - 10_000, before[1])
    finally:
        seller.stop()
        fac.stop()
