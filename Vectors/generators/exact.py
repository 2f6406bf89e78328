"""`exact` EVM vectors from the official x402 Python SDK (2.25.0): ERC-3009 TransferWithAuthorization.

Run via `Vectors/generate` (or directly with the venv python); writes Vectors/exact.json. Deterministic
(fixed seed). The keys are random TEST keys, never funded.

Each vector is built by the SDK's exact client (`ExactEvmScheme.create_payment_payload`) with its clock and
nonce pinned, so `payload` is exactly what it sends; the digest comes from the SDK's
`hash_eip3009_authorization`, the struct hash and domain separator from eth_account's `encode_typed_data`, and
the signature is checked to recover to the payer. `errorCodes` lists the SDK's exact error strings.
"""
import json
import os
import random
from unittest import mock

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import to_checksum_address

import x402.mechanisms.evm.constants as C
import x402.mechanisms.evm.exact.client as exact_client
from x402.mechanisms.evm.eip712 import hash_eip3009_authorization
from x402.mechanisms.evm.exact.client import ExactEvmScheme
from x402.mechanisms.evm.signers import EthAccountSigner
from x402.mechanisms.evm.types import ExactEIP3009Authorization
from x402.schemas import PaymentRequirements

SEED = 3009
COUNT = 40
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
rng = random.Random(SEED)
TOKENS = [("USDC", "2", 84532, "0x036CbD53842c5426634e7929541eC2318f3dCF7e"),
          ("USD Coin", "2", 8453, "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"),
          ("MegaUSD", "1", 4326, "0xFAfDdbb3FC7688494971a79cc65DCa3EF82079E7")]
TYPES = {"TransferWithAuthorization": [
    {"name": "from", "type": "address"}, {"name": "to", "type": "address"}, {"name": "value", "type": "uint256"},
    {"name": "validAfter", "type": "uint256"}, {"name": "validBefore", "type": "uint256"},
    {"name": "nonce", "type": "bytes32"}]}


def vector():
    key = "0x" + format(rng.randint(1, N - 1), "064x")
    account = Account.from_key(key)
    name, version, chain_id, token = rng.choice(TOKENS)
    pay_to = to_checksum_address("0x" + format(rng.getrandbits(160), "040x"))
    amount = str(rng.choice([1, 1000, 10000, rng.randint(1, 10**12), 2**256 - 1]))
    now = rng.randint(1_700_000_000, 1_900_000_000)
    timeout = rng.choice([60, 300, 3600])
    nonce = "0x" + format(rng.getrandbits(256), "064x")
    requirements = PaymentRequirements(scheme="exact", network=f"eip155:{chain_id}", asset=token, amount=amount,
                                       pay_to=pay_to, max_timeout_seconds=timeout,
                                       extra={"name": name, "version": version})
    with mock.patch.object(exact_client, "create_nonce", return_value=nonce), \
            mock.patch.object(exact_client.time, "time", return_value=float(now)):
        payload = ExactEvmScheme(EthAccountSigner(account)).create_payment_payload(requirements)
    a = payload["authorization"]
    auth = ExactEIP3009Authorization(from_address=a["from"], to=a["to"], value=a["value"], valid_after=a["validAfter"],
                                     valid_before=a["validBefore"], nonce=a["nonce"])
    digest = hash_eip3009_authorization(auth, chain_id, token, name, version)
    message = {"from": a["from"], "to": a["to"], "value": int(a["value"]), "validAfter": int(a["validAfter"]),
               "validBefore": int(a["validBefore"]), "nonce": bytes.fromhex(a["nonce"][2:])}
    domain = {"name": name, "version": version, "chainId": chain_id, "verifyingContract": token}
    signable = encode_typed_data(domain_data=domain, message_types=TYPES, message_data=message)
    assert Account.recover_message(signable, signature=payload["signature"]) == account.address
    return {"privateKey": key, "payer": account.address, "now": now,
            "requirements": requirements.model_dump(by_alias=True, exclude_none=True),
            "domainSeparator": "0x" + signable.header.hex(), "structHash": "0x" + signable.body.hex(),
            "digest": "0x" + digest.hex(), "payload": payload}


codes = {k: v for k, v in sorted(vars(C).items())
         if k.startswith("ERR_") and isinstance(v, str) and not k.startswith(("ERR_PERMIT2", "ERR_UPTO", "ERR_ERC20"))}
out = {"generator": "Vectors/generators/exact.py", "reference": "x402[evm]==2.25.0", "seed": SEED,
       "vectors": [vector() for _ in range(COUNT)], "errorCodes": codes}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "exact.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"wrote {path}: {COUNT} vectors, {len(codes)} error codes")
