"""The official Python SDK's client and facilitator code, unmodified, driving the devnet contracts.

* compute_channel_id (SDK) == x402BatchSettlement.getChannelId (contract) for many configs;
* for each deposit method (ERC-3009 via ERC3009DepositCollector, Permit2 via Permit2DepositCollector):
  the SDK client builds the deposit payload, the SDK facilitator (BatchSettlementEvmFacilitator with a
  FacilitatorWeb3Signer pointed at the devnet) verifies and settles it on-chain; then SDK-built claim,
  settle and (multicall claim + refundWithSignature) refund payloads settle through the same facilitator.
"""
import os

import pytest
from eth_account import Account
from eth_utils import to_checksum_address

from test_tokens_support import ANVIL0, CANONICAL, addr

from x402.mechanisms.evm.batch_settlement.authorizer_signer import LocalAuthorizerSigner
from x402.mechanisms.evm.batch_settlement.client.scheme import BatchSettlementEvmScheme
from x402.mechanisms.evm.batch_settlement.client.voucher import sign_voucher
from x402.mechanisms.evm.batch_settlement.facilitator.scheme import BatchSettlementEvmFacilitator
from x402.mechanisms.evm.batch_settlement.types import (
    ChannelConfig, ClaimPayload, EnrichedRefundPayload, SettlePayload, VoucherClaim, VoucherFields,
)
from x402.mechanisms.evm.batch_settlement.utils import compute_channel_id
from x402.mechanisms.evm.signers import EthAccountSigner, FacilitatorWeb3Signer
from x402.schemas import PaymentPayload, PaymentRequirements

NET = "eip155:84532"
USDC = CANONICAL["TestUSDC"]
ESCROW = CANONICAL["x402BatchSettlement"]
FACILITATOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"  # anvil dev key 1
PRICE = 1000


@pytest.fixture(scope="module")
def contracts(chain):
    return chain.contract("x402BatchSettlement", ESCROW), chain.contract("TestUSDC", USDC)


@pytest.fixture(scope="module")
def facilitator_signer(chain):
    # The SDK signer sends legacy txs with a fixed gas limit (500,000 by default); the Vyper escrow's
    # calldata copies cost more than the Solidity one, so give it room.
    return FacilitatorWeb3Signer(private_key=FACILITATOR_KEY, rpc_url=chain.w3.provider.endpoint_uri, gas_limit=3_000_000)


def cfg_tuple(c: ChannelConfig):
    return (c.payer, c.payer_authorizer, c.receiver, c.receiver_authorizer, c.token, c.withdraw_delay,
            bytes.fromhex(c.salt.removeprefix("0x")))


def test_channel_id_matches_contract(chain, contracts):
    escrow, _ = contracts
    cfgs = [ChannelConfig(payer=addr("0x" + "01" * 32), payer_authorizer=addr("0x" + "01" * 32),
                          receiver=addr("0x" + "03" * 32), receiver_authorizer=addr("0x" + "02" * 32),
                          token=USDC, withdraw_delay=900, salt="0x" + "00" * 32)]
    for i in range(8):
        a = [Account.create().address for _ in range(4)]
        cfgs.append(ChannelConfig(payer=a[0], payer_authorizer=a[1] if i % 2 else "0x" + "00" * 20, receiver=a[2],
                                  receiver_authorizer=a[3], token=USDC, withdraw_delay=900 + i * 12345,
                                  salt="0x" + os.urandom(32).hex()))
    for c in cfgs:
        assert escrow.functions.getChannelId(cfg_tuple(c)).call().hex() == compute_channel_id(c, NET).removeprefix("0x")
    assert compute_channel_id(cfgs[0], NET) == "0x66f2b00c9859327c1b959575fc0b0ff71971f15eda6ff270caa3cec308ede223"


def requirements(receiver, rauth, method):
    extra = {"name": "USDC", "version": "2", "receiverAuthorizer": rauth, "withdrawDelay": 900}
    if method == "permit2":
        extra["assetTransferMethod"] = "permit2"
    return PaymentRequirements(scheme="batch-settlement", network=NET, asset=USDC, amount=str(PRICE),
                               pay_to=receiver, max_timeout_seconds=300, extra=extra)


def server_requirements(receiver):
    return PaymentRequirements(scheme="batch-settlement", network=NET, asset=USDC, amount="0",
                               pay_to=receiver, max_timeout_seconds=0, extra={})


@pytest.mark.parametrize("method", ["eip3009", "permit2"])
def test_sdk_deposit_claim_settle_refund(chain, contracts, facilitator_signer, method):
    escrow, usdc = contracts
    if method == "permit2":
        pytest.importorskip("jsonschema", reason="the SDK's Permit2 facilitator path imports x402.extensions, which "
                            "needs jsonschema (x402[extensions]); add it to Devnet/requirements.txt")
    payer = Account.create()
    receiver = Account.create().address
    rauth_key = "0x" + os.urandom(32).hex()
    rauth = LocalAuthorizerSigner(rauth_key)
    chain.send(ANVIL0, USDC, usdc.encode_abi("mint", args=[payer.address, 1_000_000]))
    if method == "permit2":
        chain.fund(payer.address)
        chain.send(payer.key, USDC, usdc.encode_abi("approve", args=[CANONICAL["Permit2"], 2**256 - 1]))

    fac = BatchSettlementEvmFacilitator(facilitator_signer, authorizer_signer=rauth)
    req = requirements(receiver, rauth.address, method)

    # 1. client builds deposit + voucher
    client = BatchSettlementEvmScheme(EthAccountSigner(payer))
    inner = client.create_payment_payload(req)
    assert inner["type"] == "deposit"
    if method == "permit2":
        assert "permit2Authorization" in inner["deposit"]["authorization"]
    else:
        assert "erc3009Authorization" in inner["deposit"]["authorization"]
    deposit_amount = int(inner["deposit"]["amount"])
    cfg = ChannelConfig.from_dict(inner["channelConfig"])
    cid = compute_channel_id(cfg, NET)
    assert escrow.functions.getChannelId(cfg_tuple(cfg)).call().hex() == cid.removeprefix("0x")
    payload = PaymentPayload(x402_version=2, accepted=req, payload=inner)

    # 2. facilitator verifies and settles the deposit on-chain
    v = fac.verify(payload, req)
    assert v.is_valid, v
    s = fac.settle(payload, req)
    assert s.success, s
    rcpt = chain.w3.eth.get_transaction_receipt(s.transaction)
    assert rcpt.status == 1 and rcpt.to == ESCROW
    print(f"{method} deposit gas {rcpt.gasUsed}")
    assert tuple(escrow.functions.channels(bytes.fromhex(cid[2:])).call()) == (deposit_amount, 0)
    assert usdc.functions.balanceOf(payer.address).call() == 1_000_000 - deposit_amount

    # replaying the same deposit fails verification or settlement (authorization used)
    again = fac.settle(payload, req)
    assert not again.success

    # 3. claim 2500 of a 3000 voucher (facilitator signs the ClaimBatch as receiverAuthorizer)
    payer_signer = EthAccountSigner(payer)
    voucher = sign_voucher(payer_signer, cid, 3000, NET)
    sreq = server_requirements(receiver)
    claim = ClaimPayload(claims=[VoucherClaim(channel=cfg, max_claimable_amount="3000", signature=voucher.signature,
                                              total_claimed="2500")])
    r = fac.settle(PaymentPayload(x402_version=2, accepted=sreq, payload=claim.to_dict()), sreq)
    assert r.success, r
    print(f"{method} claim gas {chain.w3.eth.get_transaction_receipt(r.transaction).gasUsed}")
    assert tuple(escrow.functions.channels(bytes.fromhex(cid[2:])).call()) == (deposit_amount, 2500)

    # 4. settle: receiver gets the claimed 2500
    st = SettlePayload(receiver=receiver, token=USDC)
    r = fac.settle(PaymentPayload(x402_version=2, accepted=sreq, payload=st.to_dict()), sreq)
    assert r.success, r
    assert usdc.functions.balanceOf(receiver).call() == 2500
    assert tuple(escrow.functions.receivers(receiver, USDC).call()) == (2500, 2500)

    # 5. refund 1000 with one extra claim row (3000): multicall(claimWithSignature, refundWithSignature)
    refund = EnrichedRefundPayload(
        channel_config=cfg,
        voucher=VoucherFields(channel_id=cid, max_claimable_amount="3000", signature=voucher.signature),
        amount="1000", refund_nonce="0",
        claims=[VoucherClaim(channel=cfg, max_claimable_amount="3000", signature=voucher.signature, total_claimed="3000")],
    )
    r = fac.settle(PaymentPayload(x402_version=2, accepted=sreq, payload=refund.to_dict()), sreq)
    assert r.success, r
    print(f"{method} refund gas {chain.w3.eth.get_transaction_receipt(r.transaction).gasUsed}")
    assert tuple(escrow.functions.channels(bytes.fromhex(cid[2:])).call()) == (deposit_amount - 1000, 3000)
    assert escrow.functions.refundNonce(bytes.fromhex(cid[2:])).call() == 1
    assert usdc.functions.balanceOf(payer.address).call() == 1_000_000 - deposit_amount + 1000

    # 6. voucher-only payment verifies against on-chain state (cumulative above claimed, within balance)
    voucher2 = sign_voucher(payer_signer, cid, 3000 + PRICE, NET)
    vp = {"type": "voucher", "channelConfig": cfg.to_dict(), "voucher": voucher2.to_dict()}
    v = fac.verify(PaymentPayload(x402_version=2, accepted=req, payload=vp), req)
    assert v.is_valid, v
