"""The official Python SDK's buyer, unmodified, paying `x402 serve` (our seller) through our facilitator.

Processes: `x402 facilitator` (relayer anvil #8, authorizer anvil #6) and `x402 serve` (its own receiver-authorizer
key, file storage, no claim timers) in front of a stdlib upstream with `/weather` and `/dynamic` (which asks for
50% through Settlement-Overrides). The buyer is the SDK's requests session (x402_requests) with the batch-settlement
client scheme and a fresh payer. Cycle: deposit -> vouchers -> a dynamic price -> a second SDK client with no local
state (corrective 402: it checks the seller's voucher signature, adopts its state, retries once) -> a partial
refund asked by the buyer -> SIGTERM, whose flush claims and settles. Balances are checked on chain.
"""
import os
import sys
from pathlib import Path

import pytest
from eth_account import Account

from test_tokens_support import CANONICAL
from x402_process import Upstream, start_x402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Devnet"))

from x402devnet.accounts import ANVIL_KEYS  # noqa: E402

from x402 import x402ClientSync  # noqa: E402
from x402.http.clients import x402_requests  # noqa: E402
from x402.http.utils import decode_payment_response_header  # noqa: E402
from x402.mechanisms.evm.batch_settlement.client.refund import RefundOptions  # noqa: E402
from x402.mechanisms.evm.batch_settlement.client.scheme import BatchSettlementEvmScheme as ClientScheme  # noqa: E402
from x402.mechanisms.evm.signers import EthAccountSignerWithRPC  # noqa: E402

NET = "eip155:84532"
USDC = CANONICAL["TestUSDC"]
ESCROW = CANONICAL["x402BatchSettlement"]
PRICE = 1000


def buyer(payer, rpc_url):
    scheme = ClientScheme(EthAccountSignerWithRPC(payer, rpc_url=rpc_url))
    client = x402ClientSync()
    client.register(NET, scheme)
    return scheme, x402_requests(client)


def test_sdk_buyer_pays_x402_serve(chain, tmp_path):
    escrow, usdc = chain.contract("x402BatchSettlement", ESCROW), chain.contract("TestUSDC", USDC)
    rpc_url = chain.w3.provider.endpoint_uri
    receiver = Account.create().address
    payer = Account.create()
    h = chain.rpc("devnet_mint", [USDC, payer.address, hex(1_000_000)])
    assert chain.w3.eth.wait_for_transaction_receipt(h, timeout=60).status == 1

    env = dict(os.environ, X402_RELAYER_KEYS=ANVIL_KEYS[8], X402_AUTHORIZER_KEY=ANVIL_KEYS[6])
    env.pop("X402_DATABASE_URL", None)
    fac = start_x402(["facilitator", "--rpc-url", rpc_url, "--network", NET, "--port", "0",
                      "--data-dir", str(tmp_path / "facilitator-data"), "--allow-unauthenticated-signing"],
                     env, tmp_path / "facilitator")
    upstream = Upstream()
    seller_key = "0x" + os.urandom(32).hex()
    serve = None
    try:
        serve_env = dict(os.environ, X402_AUTHORIZER_KEY=seller_key)
        serve_env.pop("X402_DATABASE_URL", None)
        serve = start_x402(["serve", "--upstream", upstream.url, "--facilitator", fac.url, "--pay-to", receiver,
                            "--network", NET, "--port", "0", "--storage", f"file:{tmp_path / 'seller-data'}",
                            "--route", "GET /weather=$0.001", "--route", "GET /dynamic=$0.001",
                            "--claim-interval", "0", "--settle-interval", "0"], serve_env, tmp_path / "serve")
        scheme, session = buyer(payer, rpc_url)

        # Deposit (10 x price: the seller's minDeposit hint), then vouchers.
        r = session.get(serve.url + "/weather", timeout=60)
        assert r.status_code == 200, (r.status_code, r.headers, r.text)
        assert r.json()["weather"] == "sunny"
        pr = decode_payment_response_header(r.headers["PAYMENT-RESPONSE"])
        assert pr.success and pr.amount == str(10 * PRICE) and pr.transaction.startswith("0x"), pr
        cid = pr.extra["channelState"]["channelId"]
        assert pr.extra["chargedAmount"] == str(PRICE)
        assert tuple(escrow.functions.channels(bytes.fromhex(cid[2:])).call()) == (10 * PRICE, 0)
        for i in range(2, 5):
            r = session.get(serve.url + "/weather", timeout=60)
            assert r.status_code == 200, (i, r.status_code, r.text)
            pr = decode_payment_response_header(r.headers["PAYMENT-RESPONSE"])
            assert pr.transaction == "" and pr.extra["channelState"]["chargedCumulativeAmount"] == str(i * PRICE), pr
        # The upstream never sees the payment header; it learns the payer.
        assert all(sig is None for _, sig, _ in upstream.calls)
        assert all(p.lower() == payer.address.lower() for _, _, p in upstream.calls)

        # Dynamic price: half the route price.
        r = session.get(serve.url + "/dynamic", timeout=60)
        assert r.status_code == 200, r.text
        pr = decode_payment_response_header(r.headers["PAYMENT-RESPONSE"])
        assert pr.extra["chargedAmount"] == str(PRICE // 2), pr.extra
        charged = 4 * PRICE + PRICE // 2
        assert pr.extra["channelState"]["chargedCumulativeAmount"] == str(charged)

        # A second SDK client with no local state: it starts from the chain (nothing claimed), gets a corrective
        # 402, checks the seller's voucher signature, adopts its state and retries once.
        _, fresh = buyer(payer, rpc_url)
        r = fresh.get(serve.url + "/weather", timeout=60)
        assert r.status_code == 200, (r.status_code, r.headers, r.text)
        pr = decode_payment_response_header(r.headers["PAYMENT-RESPONSE"])
        charged += PRICE
        assert pr.extra["channelState"]["chargedCumulativeAmount"] == str(charged), pr.extra

        # A partial refund asked by the first buyer: it resyncs (its state is one request behind) and is refunded.
        refund = scheme.refund(serve.url + "/weather", RefundOptions(amount=str(2 * PRICE)))
        assert refund.success and refund.amount == str(2 * PRICE), refund
        assert chain.w3.eth.get_transaction_receipt(refund.transaction).status == 1
        balance, claimed = escrow.functions.channels(bytes.fromhex(cid[2:])).call()
        assert (balance, claimed) == (8 * PRICE, charged)
        assert usdc.functions.balanceOf(payer.address).call() == 1_000_000 - 8 * PRICE

        # SIGTERM: the seller drains and flushes (claim + settle); the receiver holds exactly the charges.
        assert serve.stop() == 0
        serve = None
        assert tuple(escrow.functions.receivers(receiver, USDC).call()) == (charged, charged)
        assert usdc.functions.balanceOf(receiver).call() == charged
    finally:
        if serve is not None:
            serve.stop()
        upstream.close()
        fac.stop()
