"""The official Python SDK's seller and buyer, unmodified, paying through our Swift facilitator over HTTP.

`x402 facilitator` (env X402_BIN, else <repo>/.build/debug/x402; skipped when neither is there) runs against the
devnet with relayer = anvil #5 and receiver-authorizer = anvil #6. The seller is the SDK's sync stack
(x402ResourceServerSync + x402HTTPResourceServerSync + the batch-settlement server scheme and its channel manager,
behind a stdlib HTTP server doing what the SDK's Flask middleware does) talking to the facilitator through the SDK's
HTTPFacilitatorClientSync (httpx); the buyer is the SDK's requests session (x402_requests) with the batch-settlement
client scheme (payer = anvil #3). Whole cycle: deposit (ERC-3009) -> 4 vouchers -> claim -> settle (channel manager)
-> partial refund asked by the buyer (client refund(url), enriched by the seller) -> the rest refunded by the
channel manager, with balances checked on chain after each step, in two set-ups:

* delegated: the seller has no authorizer key; the facilitator's authorizer signs ClaimBatch / Refund for it, and the
  seller authenticates with its API key (Authorization: Bearer, via the SDK's create_headers). Unauthenticated,
  and authenticated as a seller that does not own the receiver, a claim and a refund are refused
  (invalid_batch_settlement_evm_unauthorized_caller) and nothing moves on chain.
* own-authorizer: the seller holds its own receiver-authorizer key and signs claim / refund itself; it talks to the
  facilitator without credentials and the facilitator only relays.
"""
import json
import os
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from eth_account import Account

from test_tokens_support import CANONICAL
from x402_process import start_x402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Devnet"))

from x402devnet.accounts import ANVIL_KEYS  # noqa: E402

from x402 import x402ClientSync, x402ResourceServerSync  # noqa: E402
from x402.http import HTTPFacilitatorClientSync, FacilitatorConfig, x402HTTPResourceServerSync  # noqa: E402
from x402.http.clients import x402_requests  # noqa: E402
from x402.http.facilitator_client_base import CreateHeadersAuthProvider  # noqa: E402
from x402.http.types import HTTPRequestContext, HTTPTransportContext  # noqa: E402
from x402.http.utils import decode_payment_response_header  # noqa: E402
from x402.mechanisms.evm.batch_settlement.authorizer_signer import LocalAuthorizerSigner  # noqa: E402
from x402.mechanisms.evm.batch_settlement.client.refund import RefundOptions  # noqa: E402
from x402.mechanisms.evm.batch_settlement.client.scheme import BatchSettlementEvmScheme as ClientScheme  # noqa: E402
from x402.mechanisms.evm.batch_settlement.server.scheme import (  # noqa: E402
    BatchSettlementEvmScheme as ServerScheme,
    BatchSettlementEvmSchemeServerConfig,
)
from x402.mechanisms.evm.batch_settlement.utils import compute_channel_id  # noqa: E402
from x402.mechanisms.evm.batch_settlement.types import ChannelConfig  # noqa: E402
from x402.mechanisms.evm.signers import EthAccountSigner  # noqa: E402

NET = "eip155:84532"
USDC = CANONICAL["TestUSDC"]
ESCROW = CANONICAL["x402BatchSettlement"]
RELAYER_KEY = ANVIL_KEYS[5]     # 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc
AUTHORIZER_KEY = ANVIL_KEYS[6]  # 0x976EA74026E726554dB657fA54763abd0C3a0aa9
PAYER_KEY = ANVIL_KEYS[3]       # 0x90F79bf6EB2c4f870365E785982E1f101E93b906
PRICE = 1000                    # "$0.001" of the SDK's default asset for eip155:84532 (TestUSDC's address)
SELLER_SECRET = "s3cret-seller"
OTHER_SECRET = "s3cret-other"
UNAUTHORIZED = "invalid_batch_settlement_evm_unauthorized_caller"


class Facilitator:
    def __init__(self, proc, url, log):
        self.proc, self.url, self.log = proc, url, log

    def get(self, path):
        r = httpx.get(self.url + path, timeout=30)
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()


@pytest.fixture(scope="module")
def receivers():
    # Fresh receivers (and so fresh channels) on every run, even against a long-lived devnet.
    return {"delegated": Account.create().address, "own-authorizer": Account.create().address}


@pytest.fixture(scope="module")
def facilitator(chain, receivers, tmp_path_factory):
    work = tmp_path_factory.mktemp("facilitator")
    env = dict(os.environ,
               X402_RELAYER_KEYS=RELAYER_KEY,
               X402_AUTHORIZER_KEY=AUTHORIZER_KEY,
               X402_API_KEYS=json.dumps([
                   {"id": "seller", "secret": SELLER_SECRET, "receivers": [receivers["delegated"]]},
                   {"id": "other", "secret": OTHER_SECRET, "receivers": [Account.create().address]},
               ]))
    env.pop("X402_DATABASE_URL", None)  # journal file under --data-dir, not a shared PostgreSQL
    proc = start_x402(["facilitator", "--rpc-url", chain.w3.provider.endpoint_uri, "--network", NET,
                       "--port", "0", "--data-dir", str(work / "data")], env, work)
    try:
        yield Facilitator(proc.proc, proc.url, proc.log)
    finally:
        print(f"facilitator exit: {proc.stop()}")


def facilitator_client(fac, secret=None, wire=None):
    """The SDK's sync HTTP facilitator client, with `Authorization: Bearer <secret>` on every endpoint if given.
    With `wire` (a list), each exchange is appended as (method, path, payload type, authorized?, status, answer)."""
    auth = None
    if secret is not None:
        headers = {"Authorization": f"Bearer {secret}"}
        auth = CreateHeadersAuthProvider(lambda: {"verify": headers, "settle": headers, "supported": headers})

    def record(response):
        response.read()
        req = response.request
        body = json.loads(req.content) if req.content else {}
        payload = body.get("paymentPayload", {}).get("payload", {})
        wire.append((req.method, req.url.path, payload.get("type"), "authorization" in req.headers,
                     response.status_code, response.json(), payload))

    http = httpx.Client(timeout=90, event_hooks={"response": [record]}) if wire is not None else None
    return HTTPFacilitatorClientSync(FacilitatorConfig(url=fac.url, auth_provider=auth, http_client=http))


class _Adapter:
    """The SDK's HTTPAdapter protocol over a stdlib request handler (what FlaskAdapter does for Flask)."""

    def __init__(self, handler):
        self.h = handler
        self.url = urlsplit(handler.path)

    def get_header(self, name):
        return self.h.headers.get(name)

    def get_method(self):
        return self.h.command

    def get_path(self):
        return self.url.path

    def get_url(self):
        return f"http://{self.h.headers.get('host')}{self.h.path}"

    def get_accept_header(self):
        return self.h.headers.get("accept", "")

    def get_user_agent(self):
        return self.h.headers.get("user-agent", "")

    def get_query_params(self):
        return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(self.url.query).items()}

    def get_query_param(self, name):
        return self.get_query_params().get(name)

    def get_body(self):
        return None


class Seller:
    """A paid `GET /paid` served by the SDK's x402HTTPResourceServerSync, in the order of its Flask middleware:
    process_http_request -> handler -> process_settlement -> PAYMENT-RESPONSE."""

    def __init__(self, http_server):
        self.http_server = http_server
        self.errors = []
        self.handled = 0
        seller = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, headers, body):
                data = body if isinstance(body, bytes) else json.dumps(body if body is not None else {}).encode()
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() != "content-length":
                        self.send_header(k, v)
                if not any(k.lower() == "content-type" for k in headers):
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                try:
                    seller.serve(self)
                except Exception:
                    seller.errors.append(traceback.format_exc())
                    self.reply(500, {}, {"error": "Internal Server Error"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/paid"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, h):
        adapter = _Adapter(h)
        context = HTTPRequestContext(adapter=adapter, path=adapter.get_path(), method=h.command,
                                     payment_header=adapter.get_header("payment-signature")
                                     or adapter.get_header("x-payment"))
        if not self.http_server.requires_payment(context):
            return h.reply(404, {}, {"error": "not found"})
        result = self.http_server.process_http_request(context)
        if result.type == "no-payment-required":
            return h.reply(200, {}, {"data": "free"})
        if result.type == "payment-error":
            r = result.response
            return h.reply(r.status, dict(r.headers), r.body)
        # payment-verified: the resource handler, then settlement
        self.handled += 1
        settle = self.http_server.process_settlement(
            result.payment_payload, result.payment_requirements, context=context,
            declared_extensions=result.declared_extensions,
            transport_context=HTTPTransportContext(request=context),
            before_handler_settlement=result.before_handler_settlement)
        if settle.success:
            return h.reply(200, dict(settle.headers), {"data": "paid content"})
        r = settle.response
        return h.reply(r.status if r else 402, dict(r.headers) if r else dict(settle.headers), r.body if r else {})

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def make_seller(fac, receiver, mode, wire):
    if mode == "delegated":
        client = facilitator_client(fac, SELLER_SECRET, wire)
        scheme_cfg = BatchSettlementEvmSchemeServerConfig()
    else:
        own = LocalAuthorizerSigner("0x" + os.urandom(32).hex())
        client = facilitator_client(fac, None, wire)
        scheme_cfg = BatchSettlementEvmSchemeServerConfig(receiver_authorizer_signer=own)
    scheme = ServerScheme(receiver, scheme_cfg)
    server = x402ResourceServerSync(client)
    server.register(NET, scheme)
    routes = {"GET /paid": {"accepts": {"scheme": "batch-settlement", "payTo": receiver, "price": "$0.001",
                                        "network": NET, "maxTimeoutSeconds": 3600}}}
    http_server = x402HTTPResourceServerSync(server, routes)
    http_server.initialize()  # GET /supported (with the seller's credentials): fails if the kind is missing
    return Seller(http_server), scheme, scheme.create_channel_manager_sync(client, NET)


def state(escrow, cid):
    return tuple(escrow.functions.channels(bytes.fromhex(cid[2:])).call())


def test_supported_and_health(facilitator):
    sup = facilitator.get("/supported")
    kinds = [k for k in sup["kinds"] if k["scheme"] == "batch-settlement" and k["network"] == NET]
    assert len(kinds) == 1, sup
    assert kinds[0]["x402Version"] == 2
    assert kinds[0]["extra"]["receiverAuthorizer"].lower() == Account.from_key(AUTHORIZER_KEY).address.lower()
    assert [a.lower() for a in sup["signers"]["eip155:*"]] == [Account.from_key(RELAYER_KEY).address.lower()]
    assert facilitator.get("/health") == {"status": "ok"}


@pytest.mark.parametrize("mode", ["delegated", "own-authorizer"])
def test_sdk_seller_and_buyer_through_our_facilitator(chain, facilitator, receivers, mode):
    t0 = time.time()
    escrow, usdc = chain.contract("x402BatchSettlement", ESCROW), chain.contract("TestUSDC", USDC)
    receiver = receivers[mode]
    payer = Account.from_key(PAYER_KEY)
    h = chain.rpc("devnet_mint", [USDC, payer.address, hex(1_000_000)])
    assert chain.w3.eth.wait_for_transaction_receipt(h, timeout=60).status == 1
    payer_before = usdc.functions.balanceOf(payer.address).call()

    wire = []
    seller, scheme, manager = make_seller(facilitator, receiver, mode, wire)
    try:
        buyer_scheme = ClientScheme(EthAccountSigner(payer))
        buyer = x402ClientSync()
        buyer.register(NET, buyer_scheme)
        session = x402_requests(buyer)

        # 1. first request: 402, then the SDK pays with a deposit (10 x price, the seller's minDeposit hint)
        r = session.get(seller.url, timeout=60)
        assert r.status_code == 200, (r.status_code, r.headers, r.text, seller.errors)
        pr = decode_payment_response_header(r.headers["PAYMENT-RESPONSE"])
        assert pr.success and pr.transaction.startswith("0x") and pr.amount == str(10 * PRICE), pr
        deposit_tx = pr.transaction
        cid = pr.extra["channelState"]["channelId"]
        assert pr.extra["channelState"]["balance"] == str(10 * PRICE), pr.extra
        assert pr.extra["chargedAmount"] == str(PRICE)
        assert state(escrow, cid) == (10 * PRICE, 0)
        assert usdc.functions.balanceOf(payer.address).call() == payer_before - 10 * PRICE
        rauth = (Account.from_key(AUTHORIZER_KEY).address if mode == "delegated"
                 else scheme.get_receiver_authorizer_signer().address)
        cfg = scheme.get_storage().get(cid).channel_config
        assert (cfg.receiver, cfg.receiver_authorizer, cfg.payer) == (receiver, rauth, payer.address)
        assert compute_channel_id(ChannelConfig.from_dict(cfg.to_dict()), NET).lower() == cid.lower()

        tx = facilitator.get(f"/transactions/{deposit_tx}")
        assert tx["status"] == "settled" and tx["transaction"].lower() == deposit_tx.lower(), tx
        assert tx["network"] == NET and tx["purpose"] == "deposit", tx
        assert tx["blockNumber"] == chain.w3.eth.get_transaction_receipt(deposit_tx).blockNumber, tx

        # 2. four more requests: voucher-only payments, verified locally by the SDK seller (no chain change)
        for i in range(2, 6):
            r = session.get(seller.url, timeout=60)
            assert r.status_code == 200, (i, r.status_code, r.text, seller.errors)
            pr = decode_payment_response_header(r.headers["PAYMENT-RESPONSE"])
            assert pr.success and pr.transaction == "", pr
            assert pr.extra["channelState"]["chargedCumulativeAmount"] == str(i * PRICE)
        charged = 5 * PRICE
        assert scheme.get_storage().get(cid).charged_cumulative_amount == str(charged)
        assert state(escrow, cid) == (10 * PRICE, 0)

        if mode == "delegated":
            # 3a. without credentials, or as a seller not owning the receiver, the facilitator refuses to sign
            for secret in (None, OTHER_SECRET):
                other = scheme.create_channel_manager_sync(facilitator_client(facilitator, secret), NET)
                with pytest.raises(RuntimeError, match=UNAUTHORIZED):
                    other.claim()
                with pytest.raises(RuntimeError, match=UNAUTHORIZED):
                    other.refund([cid])
            assert state(escrow, cid) == (10 * PRICE, 0)
            assert scheme.get_storage().get(cid) is not None

        # 3. claim what was charged
        claims = manager.claim()
        assert len(claims) == 1 and claims[0].vouchers == 1, claims
        assert chain.w3.eth.get_transaction_receipt(claims[0].transaction).status == 1
        assert state(escrow, cid) == (10 * PRICE, charged)
        assert tuple(escrow.functions.receivers(receiver, USDC).call()) == (charged, 0)

        # 4. settle: the receiver is paid the charged total
        settled = manager.settle()
        assert chain.w3.eth.get_transaction_receipt(settled.transaction).status == 1
        assert usdc.functions.balanceOf(receiver).call() == charged
        assert tuple(escrow.functions.receivers(receiver, USDC).call()) == (charged, charged)

        # 5a. buyer asks for a partial refund through the seller (GET with a refund payload; the seller enriches
        #     it and settles it through the facilitator: multicall(claimWithSignature, refundWithSignature))
        refund = buyer_scheme.refund(seller.url, RefundOptions(amount=str(2 * PRICE)))
        assert refund.success and refund.amount == str(2 * PRICE), refund
        assert refund.extra["channelState"]["refundNonce"] == "1", refund.extra
        assert chain.w3.eth.get_transaction_receipt(refund.transaction).status == 1
        assert state(escrow, cid) == (8 * PRICE, charged)
        assert escrow.functions.refundNonce(bytes.fromhex(cid[2:])).call() == 1
        assert usdc.functions.balanceOf(payer.address).call() == payer_before - 8 * PRICE
        assert scheme.get_storage().get(cid).balance == str(8 * PRICE)

        # 5b. the seller's channel manager refunds the rest (nothing unclaimed: refundWithSignature alone)
        refunds = manager.refund([cid])
        assert len(refunds) == 1, refunds
        assert chain.w3.eth.get_transaction_receipt(refunds[0].transaction).status == 1
        assert state(escrow, cid) == (charged, charged)
        assert escrow.functions.refundNonce(bytes.fromhex(cid[2:])).call() == 2
        assert usdc.functions.balanceOf(payer.address).call() == payer_before - charged
        assert usdc.functions.balanceOf(receiver).call() == charged
        assert scheme.get_storage().get(cid) is None
        assert seller.errors == [] and seller.handled == 5

        # What reached the facilitator: vouchers were verified by the SDK seller itself; every answer was a 200
        # the SDK parsed; credentials only in the delegated set-up; authorizer signatures only from a seller
        # holding its own key (the channel manager's last refund has no claim row, so no ClaimBatch signature).
        assert [(m, p, t) for m, p, t, *_ in wire] == [
            ("GET", "/supported", None), ("POST", "/verify", "deposit"), ("POST", "/settle", "deposit"),
            ("POST", "/settle", "claim"), ("POST", "/settle", "settle"),
            ("POST", "/verify", "refund"), ("POST", "/settle", "refund"), ("POST", "/settle", "refund")], wire
        assert all(status == 200 for *_, status, _, _ in wire)
        assert all(authorized == (mode == "delegated") for _, _, _, authorized, *_ in wire)
        sent = {(p, t): payload for _, p, t, _, _, _, payload in wire}
        own = mode == "own-authorizer"
        assert ("claimAuthorizerSignature" in sent["/settle", "claim"]) == own
        refunds = [payload for _, p, t, _, _, _, payload in wire if (p, t) == ("/settle", "refund")]
        assert [("refundAuthorizerSignature" in r, "claimAuthorizerSignature" in r, len(r["claims"]))
                for r in refunds] == [(own, own, 1), (own, False, 0)]
        answers = [answer for _, p, t, _, _, answer, _ in wire if p == "/settle"]
        assert [a["amount"] for a in answers if "amount" in a] == [str(10 * PRICE), str(charged),
                                                                   str(2 * PRICE), str(3 * PRICE)]
    finally:
        seller.close()
    print(f"{mode}: {time.time() - t0:.1f} s")
