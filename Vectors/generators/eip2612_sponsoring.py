"""EIP-2612 gas sponsoring of Permit2 deposits, client side, from the official Python SDK (x402 2.25.0)
-> Vectors/eip2612-sponsoring.json.

Each case runs the SDK's batch-settlement client (`BatchSettlementEvmScheme.create_payment_payload`) for a
permit2 requirement with the server-declared `eip2612GasSponsoring` extension, a signer whose chain reads are
scripted (`allowance(payer, Permit2)`, `nonces(payer)`; no channel on chain) and a fixed clock, and records the
`PaymentPayload.extensions` the SDK adds (`__extensions`) or null when it adds none. Deterministic (fixed keys
and times; ECDSA signatures are RFC 6979)."""
import json, os
from unittest import mock

from eth_account import Account
from x402.mechanisms.evm.batch_settlement.client.scheme import BatchSettlementEvmScheme
from x402.mechanisms.evm.signers import EthAccountSigner
from x402.schemas import PaymentRequirements


class ScriptedSigner(EthAccountSigner):
    """A local key whose contract reads are scripted."""

    def __init__(self, account, allowance, nonce):
        super().__init__(account)
        self.allowance = allowance
        self.nonce = nonce

    def read_contract(self, address, abi, function_name, *args):
        if function_name == "allowance":
            return self.allowance
        if function_name == "nonces":
            return self.nonce
        raise RuntimeError("no channel on chain")  # recovery fails: a fresh channel


DECLARED = {"eip2612GasSponsoring": {"info": {"description": "gasless Permit2 approval", "version": "1"},
                                     "schema": {"type": "object"}}}
CASES = [
    # key, network, asset, token name/version, price, minDeposit, maxTimeout, now, allowance, nonce, declared
    ("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6", "eip155:84532",
     "0x036CbD53842c5426634e7929541eC2318f3dCF7e", "USDC", "2", "1000", "10000", 300, 1_800_000_000, 0, 0, True),
    ("0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a", "eip155:8453",
     "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913", "Test Token", "1", "250", None, 60, 1_750_000_123, 0, 7, True),
    ("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba", "eip155:84532",
     "0x036CbD53842c5426634e7929541eC2318f3dCF7e", "USDC", "2", "1000", "10000", 300, 1_800_000_000,
     2**256 - 1, 0, True),  # enough allowance: no permit
    ("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6", "eip155:84532",
     "0x036CbD53842c5426634e7929541eC2318f3dCF7e", "USDC", "2", "1000", "10000", 300, 1_800_000_000, 0, 0,
     False),  # not declared by the server: no permit
]
RECEIVER_AUTHORIZER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
PAY_TO = "0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70"

vectors = []
for key, network, asset, name, version, price, min_deposit, timeout, now, allowance, nonce, declared in CASES:
    extra = {"receiverAuthorizer": RECEIVER_AUTHORIZER, "withdrawDelay": 900, "name": name, "version": version,
             "assetTransferMethod": "permit2"}
    if min_deposit is not None:
        extra["minDeposit"] = min_deposit
    requirements = PaymentRequirements(scheme="batch-settlement", network=network, asset=asset, amount=price,
                                       pay_to=PAY_TO, max_timeout_seconds=timeout, extra=extra)
    scheme = BatchSettlementEvmScheme(ScriptedSigner(Account.from_key(key), allowance, nonce))
    extensions = DECLARED if declared else None
    with mock.patch("time.time", return_value=float(now)):
        payload = scheme.create_payment_payload(requirements, extensions=extensions)
    vectors.append({
        "privateKey": key, "requirements": requirements.model_dump(by_alias=True, exclude_none=True),
        "declaredExtensions": extensions, "now": now, "allowance": str(allowance), "nonce": str(nonce),
        "depositAmount": payload["deposit"]["amount"],
        "permit2Deadline": payload["deposit"]["authorization"]["permit2Authorization"]["deadline"],
        "schemeExtensions": payload.get("__extensions"),
    })

out = {"generator": "Vectors/generators/eip2612_sponsoring.py", "reference": "x402[evm]==2.25.0", "vectors": vectors}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "eip2612-sponsoring.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
