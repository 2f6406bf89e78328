"""`exact` EVM Permit2 vectors from the official x402 Python SDK (2.25.0): PermitWitnessTransferFrom with the
`Witness(address to,uint256 validAfter)` witness, spender x402ExactPermit2Proxy.

Run via `Vectors/generate` (or directly with the venv python); writes Vectors/exact-permit2.json. Deterministic
(fixed seed). The keys are random TEST keys, never funded.

Each vector is built by the SDK's exact client (`ExactEvmScheme.create_payment_payload` with
`extra.assetTransferMethod = "permit2"`) with its clock and Permit2 nonce pinned, so `payload` is exactly what it
sends; the digest comes from eth_account's `encode_typed_data` over the SDK's own typed data
(`_build_permit2_typed_data`), and the signature is checked to recover to the payer. `errorCodes` lists the
SDK's Permit2 error strings: the `ERR_PERMIT2_*` constants and the literal reasons of `permit2_utils.py`.
"""
import inspect
import json
import os
import random
import re
from unittest import mock

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

import x402.mechanisms.evm.constants as C
import x402.mechanisms.evm.exact.permit2_utils as permit2_utils
from x402.mechanisms.evm.exact.client import ExactEvmScheme
from x402.mechanisms.evm.signers import EthAccountSigner
from x402.mechanisms.evm.types import ExactPermit2Payload
from x402.schemas import PaymentRequirements

SEED = 2
COUNT = 20
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
rng = random.Random(SEED)
TOKENS = [(84532, "0x036CbD53842c5426634e7929541eC2318f3dCF7e"), (4326, "0xFAfDdbb3FC7688494971a79cc65DCa3EF82079E7"),
          (1, "0xdAC17F958D2ee523a2206206994597C13D831ec7")]
DOMAIN_TYPES = [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"}]


def vector():
    key = "0x" + format(rng.randint(1, N - 1), "064x")
    account = Account.from_key(key)
    chain_id, token = rng.choice(TOKENS)
    pay_to = to_checksum_address("0x" + format(rng.getrandbits(160), "040x"))
    amount = str(rng.choice([1, 1000, 10000, rng.randint(1, 10**12), 2**256 - 1]))
    now = rng.randint(1_700_000_000, 1_900_000_000)
    timeout = rng.choice([60, 300, 3600])
    nonce = str(rng.getrandbits(256))
    requirements = PaymentRequirements(scheme="exact", network=f"eip155:{chain_id}", asset=token, amount=amount,
                                       pay_to=pay_to, max_timeout_seconds=timeout,
                                       extra={"assetTransferMethod": "permit2"})
    with mock.patch.object(permit2_utils, "create_permit2_nonce", return_value=nonce), \
            mock.patch.object(permit2_utils.time, "time", return_value=float(now)):
        payload = ExactEvmScheme(EthAccountSigner(account)).create_payment_payload(requirements)
    auth = ExactPermit2Payload.from_dict(payload).permit2_authorization
    domain, types, primary, message = permit2_utils._build_permit2_typed_data(auth, chain_id)
    full = {"types": {"EIP712Domain": DOMAIN_TYPES,
                      **{k: [{"name": f.name, "type": f.type} for f in v] for k, v in types.items()}},
            "primaryType": primary, "domain": domain, "message": message}
    signable = encode_typed_data(full_message=full)
    assert Account.recover_message(signable, signature=payload["signature"]) == account.address
    digest = keccak(b"\x19\x01" + signable.header + signable.body)
    return {"privateKey": key, "payer": account.address, "now": now,
            "requirements": requirements.model_dump(by_alias=True, exclude_none=True),
            "domainSeparator": "0x" + signable.header.hex(), "structHash": "0x" + signable.body.hex(),
            "digest": "0x" + digest.hex(), "payload": payload}


source = inspect.getsource(permit2_utils)
literal = set(re.findall(r'(?:invalid_reason|error_reason)\s*=\s*"([a-z0-9_]+)"', source))
codes = {k: v for k, v in sorted(vars(C).items()) if k.startswith("ERR_PERMIT2") and isinstance(v, str)}
codes.update({f"literal:{v}": v for v in sorted(literal)})
out = {"generator": "Vectors/generators/exact_permit2.py", "reference": "x402[evm]==2.25.0", "seed": SEED,
       "vectors": [vector() for _ in range(COUNT)], "errorCodes": codes}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "exact-permit2.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"wrote {path}: {COUNT} vectors, {len(codes)} error codes")
