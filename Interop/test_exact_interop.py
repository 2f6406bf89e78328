"""`exact`: the official Python SDK's exact client (x402[evm]==2.25.0, unmodified) against our Swift x402.

* Our facilitator settles payloads the SDK built: the SDK's HTTPFacilitatorClientSync sends an SDK exact payload
  (ERC-3009 TransferWithAuthorization, EthAccountSigner) to `x402 facilitator`: /supported lists both schemes,
  verify accepts, settle moves the funds on chain, a retried settle answers the same transaction, a second verify
  is refused with the SDK's `invalid_exact_evm_nonce_already_used`.
* The SDK's exact buyer pays `x402 serve --scheme exact --scheme batch-settlement` (x402_requests): 200 with a
  PAYMENT-RESPONSE carrying the transfer.
* Permit2: our facilitator verifies and settles the SDK's Permit2 payload through x402ExactPermit2Proxy (refused
  with `permit2_allowance_required` until the payer approves Permit2), and the SDK's buyer pays
  `x402 serve --scheme exact-permit2`.

The relayer is a fresh key funded with `anvil_setBalance`, the payer a fresh key holding minted test USDC.
"""
import os

from eth_account import Account

from test_tokens_support import CANONICAL
from x402_process import Upstream, start_x402

from x402 import x402ClientSync
from x402.http import FacilitatorConfig, HTTPFacilitatorClientSync
from x402.http.clients import x402_requests
from x402.http.utils import decode_payment_response_header
from x402.mechanisms.evm.exact.client import ExactEvmScheme
from x402.mechanisms.evm.signers import EthAccountSigner
from x402.schemas import PaymentRequired, PaymentRequirements

NET = "eip155:84532"
USDC = CANONICAL["TestUSDC"]


def funded_parties(chain):
    relayer, payer = Account.create(), Account.create()
    chain.rpc("anvil_setBalance", [relayer.address, hex(10**18)])
    h = chain.rpc("devnet_mint", [USDC, payer.address, hex(1_000_000)])
    assert chain.w3.eth.wait_for_transaction_receipt(h, timeout=60).status == 1
    return relayer, payer


def start_facilitator(chain, relayer, tmp_path):
    env = dict(os.environ, X402_RELAYER_KEYS="0x" + relayer.key.hex().removeprefix("0x"),
               X402_AUTHORIZER_KEY="0x" + os.urandom(32).hex())
    env.pop("X402_DATABASE_URL", None)
    return start_x402(["facilitator", "--rpc-url", chain.w3.provider.endpoint_uri, "--network", NET, "--port", "0",
                       "--data-dir", str(tmp_path / "facilitator-data"), "--allow-unauthenticated-signing"],
                      env, tmp_path / "facilitator")


def start_serve(upstream, fac, receiver, tmp_path, *schemes):
    """`x402 serve` selling `GET /weather` for $0.001 with `schemes`, file storage, no claim or settle timers."""
    env = dict(os.environ, X402_AUTHORIZER_KEY="0x" + os.urandom(32).hex())
    env.pop("X402_DATABASE_URL", None)
    return start_x402(["serve", "--upstream", upstream.url, "--facilitator", fac.url, "--pay-to", receiver.lower(),
                       "--network", NET, "--port", "0", "--storage", f"file:{tmp_path / 'seller-data'}",
                       "--route", "GET /weather=$0.001", *[a for name in schemes for a in ("--scheme", name)],
                       "--claim-interval", "0", "--settle-interval", "0"], env, tmp_path / "serve")


def sdk_buyer(payer):
    client = x402ClientSync()
    client.register(NET, ExactEvmScheme(EthAccountSigner(payer)))
    return client


def test_our_facilitator_settles_sdk_exact_payloads(chain, tmp_path):
    usdc = chain.contract("TestUSDC", USDC)
    relayer, payer = funded_parties(chain)
    receiver = Account.create().address
    fac = start_facilitator(chain, relayer, tmp_path)
    try:
        fc = HTTPFacilitatorClientSync(FacilitatorConfig(url=fac.url))
        kinds = {(k.scheme, k.network) for k in fc.get_supported().kinds}
        assert {("exact", NET), ("batch-settlement", NET)} <= kinds

        requirements = PaymentRequirements(scheme="exact", network=NET, asset=USDC, amount="1000", pay_to=receiver,
                                           max_timeout_seconds=3600, extra={"name": "USDC", "version": "2"})
        payload = sdk_buyer(payer).create_payment_payload(PaymentRequired(x402_version=2, accepts=[requirements]))
        verified = fc.verify(payload, requirements)
        assert verified.is_valid, verified
        assert verified.payer.lower() == payer.address.lower()

        settled = fc.settle(payload, requirements)
        assert settled.success and settled.transaction.startswith("0x"), settled
        assert chain.w3.eth.get_transaction_receipt(settled.transaction).status == 1
        assert usdc.functions.balanceOf(receiver).call() == 1000
        assert usdc.functions.balanceOf(payer.address).call() == 1_000_000 - 1000

        again = fc.settle(payload, requirements)
        assert again.success and again.transaction == settled.transaction, again
        assert usdc.functions.balanceOf(receiver).call() == 1000
        spent = fc.verify(payload, requirements)
        assert not spent.is_valid and spent.invalid_reason == "invalid_exact_evm_nonce_already_used", spent
    finally:
        fac.stop()


def test_sdk_exact_buyer_pays_x402_serve(chain, tmp_path):
    usdc = chain.contract("TestUSDC", USDC)
    relayer, payer = funded_parties(chain)
    receiver = Account.create().address
    fac = start_facilitator(chain, relayer, tmp_path)
    upstream = Upstream()
    serve = None
    try:
        serve = start_serve(upstream, fac, receiver, tmp_path, "exact", "batch-settlement")
        session = x402_requests(sdk_buyer(payer))
        for i in (1, 2):
            r = session.get(serve.url + "/weather", timeout=60)
            assert r.status_code == 200, (r.status_code, r.headers, r.text)
            assert r.json()["weather"] == "sunny"
            pr = decode_payment_response_header(r.headers["PAYMENT-RESPONSE"])
            assert pr.success and pr.transaction.startswith("0x"), pr
            assert chain.w3.eth.get_transaction_receipt(pr.transaction).status == 1
            assert usdc.functions.balanceOf(receiver).call() == i * 1000
    finally:
        if serve is not None:
            serve.stop()
        upstream.close()
        fac.stop()


def approve_permit2(chain, usdc, payer):
    """The payer's one ERC-20 approve of Permit2 (its own gas), as a Permit2 buyer does once per token."""
    chain.rpc("anvil_setBalance", [payer.address, hex(10**18)])
    tx = usdc.functions.approve(CANONICAL["Permit2"], 2**256 - 1).build_transaction(
        {"from": payer.address, "nonce": chain.w3.eth.get_transaction_count(payer.address), "gas": 200_000,
         "gasPrice": chain.w3.eth.gas_price, "chainId": 84532})
    h = chain.w3.eth.send_raw_transaction(payer.sign_transaction(tx).raw_transaction)
    assert chain.w3.eth.wait_for_transaction_receipt(h, timeout=60).status == 1


def test_sdk_permit2_payloads_through_our_facilitator_and_x402_serve(chain, tmp_path):
    """`exact` through Permit2: our facilitator verifies and settles a Permit2 payload the SDK's exact client built
    (spender x402ExactPermit2Proxy, witness {to, validAfter}); then the SDK's buyer pays
    `x402 serve --scheme exact-permit2`, whose 402 advertises `assetTransferMethod: permit2`."""
    usdc = chain.contract("TestUSDC", USDC)
    relayer, payer = funded_parties(chain)
    receiver = Account.create().address
    fac = start_facilitator(chain, relayer, tmp_path)
    upstream = Upstream()
    serve = None
    try:
        fc = HTTPFacilitatorClientSync(FacilitatorConfig(url=fac.url))
        requirements = PaymentRequirements(scheme="exact", network=NET, asset=USDC, amount="1000", pay_to=receiver,
                                           max_timeout_seconds=3600, extra={"assetTransferMethod": "permit2"})
        payload = sdk_buyer(payer).create_payment_payload(PaymentRequired(x402_version=2, accepts=[requirements]))
        assert "permit2Authorization" in payload.payload
        refused = fc.verify(payload, requirements)
        assert not refused.is_valid and refused.invalid_reason == "permit2_allowance_required", refused
        approve_permit2(chain, usdc, payer)
        verified = fc.verify(payload, requirements)
        assert verified.is_valid and verified.payer.lower() == payer.address.lower(), verified
        settled = fc.settle(payload, requirements)
        assert settled.success and settled.transaction.startswith("0x"), settled
        receipt = chain.w3.eth.get_transaction_receipt(settled.transaction)
        assert receipt.status == 1 and receipt.to.lower() == "0x402085c248eea27d92e8b30b2c58ed07f9e20001"
        assert usdc.functions.balanceOf(receiver).call() == 1000
        again = fc.settle(payload, requirements)
        assert again.success and again.transaction == settled.transaction, again
        assert usdc.functions.balanceOf(receiver).call() == 1000

        serve = start_serve(upstream, fac, receiver, tmp_path, "exact-permit2")
        session = x402_requests(sdk_buyer(payer))
        for i in (1, 2):
            r = session.get(serve.url + "/weather", timeout=60)
            assert r.status_code == 200, (r.status_code, r.headers, r.text)
            pr = decode_payment_response_header(r.headers["PAYMENT-RESPONSE"])
            assert pr.success and chain.w3.eth.get_transaction_receipt(pr.transaction).status == 1, pr
            assert usdc.functions.balanceOf(receiver).call() == 1000 + i * 1000
    finally:
        if serve is not None:
            serve.stop()
        upstream.close()
        fac.stop()
