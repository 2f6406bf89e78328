"""Random batch-settlement vectors from the official x402 Python SDK (2.25.0) and eth_account.

Run via `Vectors/generate` (or directly with the venv python); writes
Vectors/batch-settlement.json. Deterministic (fixed seed). The keys are random TEST keys, never funded.

Channel ids come from `compute_channel_id`; signatures from `sign_voucher`, `sign_refund`,
`sign_claim_batch` and the SDK's `EthAccountSigner.sign_typed_data` (ERC-3009, Permit2); ERC-3009 nonces
from `build_erc3009_deposit_nonce`. Each digest is computed with eth_account's `encode_typed_data` over
the SDK's own type tables and domains, and every signature is checked to recover to its signer over it.
"""
import json
import os
import random

from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_utils import keccak, to_checksum_address

from x402.mechanisms.evm.constants import PERMIT2_ADDRESS
from x402.mechanisms.evm.signers import EthAccountSigner
from x402.mechanisms.evm.batch_settlement.authorizer_signer import LocalAuthorizerSigner, sign_claim_batch, sign_refund
from x402.mechanisms.evm.batch_settlement.client.voucher import sign_voucher
from x402.mechanisms.evm.batch_settlement.constants import (
    BATCH_PERMIT2_WITNESS_TYPES, CLAIM_BATCH_TYPES, ERC3009_DEPOSIT_COLLECTOR_ADDRESS, PERMIT2_DEPOSIT_COLLECTOR_ADDRESS,
    RECEIVE_AUTHORIZATION_TYPES, REFUND_TYPES, VOUCHER_TYPES)
from x402.mechanisms.evm.batch_settlement.encoding import build_erc3009_deposit_nonce
from x402.mechanisms.evm.batch_settlement.types import ChannelConfig, VoucherClaim
from x402.mechanisms.evm.batch_settlement.utils import coerce_bytes32, compute_channel_id, get_batch_settlement_eip712_domain

SEED = 402
COUNT = 300
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
rng = random.Random(SEED)
U128, U256 = 2**128 - 1, 2**256 - 1


def key():
    return "0x" + format(rng.randint(1, N - 1), "064x")


def address():
    return to_checksum_address("0x" + format(rng.getrandbits(160), "040x"))


def bytes32():
    return "0x" + format(rng.getrandbits(256), "064x")


def amount(limit):
    return rng.choice([0, 1, limit, rng.randint(0, limit), rng.randint(0, 10**12), rng.randint(0, 10**30) % (limit + 1)])


def digest(domain, types, message):
    return _hash_eip191_message(encode_typed_data(domain_data=domain, message_types=types, message_data=message))


def hexsig(sig):
    text = sig if isinstance(sig, str) else sig.hex()
    return text if text.startswith("0x") else "0x" + text


def check(d, sig, signer_address):
    assert Account._recover_hash(d, signature=bytes.fromhex(sig[2:])) == signer_address


def random_chain_id():
    return rng.choice([1, 10, 137, 8453, 84532, 31337, 11155111, rng.randint(1, 2**32), rng.randint(1, 2**53 - 1)])


def vector():
    chain_id = random_chain_id()
    network = f"eip155:{chain_id}"
    payer_key, authorizer_key = key(), key()
    payer, authorizer = Account.from_key(payer_key), Account.from_key(authorizer_key)
    payer_authorizer = rng.choice([payer.address, payer.address, "0x" + "00" * 20, address()])
    config = ChannelConfig(payer=payer.address, payer_authorizer=payer_authorizer, receiver=address(),
                           receiver_authorizer=authorizer.address, token=address(),
                           withdraw_delay=rng.choice([900, 2592000, rng.randint(900, 2592000)]),
                           salt=rng.choice(["0x" + "00" * 32, bytes32(), bytes32()]))
    channel_id = compute_channel_id(config, network)
    domain = get_batch_settlement_eip712_domain(chain_id)
    wallet, auth_signer = EthAccountSigner(payer), LocalAuthorizerSigner(authorizer_key)

    # Voucher, signed by the payer.
    max_claimable = amount(U128)
    voucher = sign_voucher(wallet, channel_id, max_claimable, network)
    voucher_digest = digest(domain, VOUCHER_TYPES, {"channelId": coerce_bytes32(channel_id), "maxClaimableAmount": max_claimable})
    check(voucher_digest, voucher.signature, payer.address)

    # Refund, signed by the receiver authorizer.
    refund_nonce, refund_amount = amount(U256), amount(U128)
    refund_sig = sign_refund(auth_signer, channel_id, refund_amount, refund_nonce, network)
    refund_digest = digest(domain, REFUND_TYPES, {"channelId": coerce_bytes32(channel_id), "nonce": refund_nonce, "amount": refund_amount})
    check(refund_digest, refund_sig, authorizer.address)

    # Claim batch of 0..4 rows: this channel and sibling channels (other salts).
    claims, entries = [], []
    for i in range(rng.choice([0, 1, 1, 2, 3, 4])):
        row_config = config if i == 0 else ChannelConfig(**{**config.__dict__, "salt": bytes32()})
        m = amount(U128)
        t = rng.randint(0, m)
        claims.append(VoucherClaim(channel=row_config, max_claimable_amount=str(m), signature=voucher.signature, total_claimed=str(t)))
        entries.append({"channelId": compute_channel_id(row_config, network), "maxClaimableAmount": str(m), "totalClaimed": str(t)})
    claim_sig = sign_claim_batch(auth_signer, claims, network)
    claim_digest = digest(domain, CLAIM_BATCH_TYPES, {"claims": [
        {"channelId": coerce_bytes32(e["channelId"]), "maxClaimableAmount": int(e["maxClaimableAmount"]),
         "totalClaimed": int(e["totalClaimed"])} for e in entries]})
    check(claim_digest, claim_sig, authorizer.address)

    # ERC-3009 deposit on the token's domain.
    token_domain = {"name": rng.choice(["USDC", "USD Coin", "Token", "x"]), "version": rng.choice(["1", "2"]),
                    "chainId": chain_id, "verifyingContract": config.token}
    auth_salt = bytes32()
    nonce = build_erc3009_deposit_nonce(channel_id, auth_salt)
    value, valid_before = amount(U256), rng.randint(0, 2**40)
    rwa = {"from": payer.address, "to": ERC3009_DEPOSIT_COLLECTOR_ADDRESS, "value": value, "validAfter": 0,
           "validBefore": valid_before, "nonce": coerce_bytes32(nonce)}
    rwa_sig = hexsig(wallet.sign_typed_data(token_domain, RECEIVE_AUTHORIZATION_TYPES, "ReceiveWithAuthorization", rwa))
    rwa_digest = digest(token_domain, RECEIVE_AUTHORIZATION_TYPES, rwa)
    check(rwa_digest, rwa_sig, payer.address)

    # Permit2 deposit with the channel witness.
    permit2_domain = {"name": "Permit2", "chainId": chain_id, "verifyingContract": PERMIT2_ADDRESS}
    p_amount, p_nonce, deadline = amount(U256), amount(U256), rng.randint(0, 2**40)
    permit = {"permitted": {"token": config.token, "amount": p_amount}, "spender": PERMIT2_DEPOSIT_COLLECTOR_ADDRESS,
              "nonce": p_nonce, "deadline": deadline, "witness": {"channelId": coerce_bytes32(channel_id)}}
    permit_sig = hexsig(wallet.sign_typed_data(permit2_domain, BATCH_PERMIT2_WITNESS_TYPES, "PermitWitnessTransferFrom", permit))
    permit_digest = digest(permit2_domain, BATCH_PERMIT2_WITNESS_TYPES, permit)
    check(permit_digest, permit_sig, payer.address)

    h = lambda b: "0x" + bytes(b).hex()
    return {
        "chainId": chain_id,
        "payerKey": payer_key,
        "receiverAuthorizerKey": authorizer_key,
        "channelConfig": config.to_dict(),
        "channelId": channel_id,
        "voucher": {"maxClaimableAmount": str(max_claimable), "digest": h(voucher_digest), "signature": voucher.signature},
        "refund": {"nonce": str(refund_nonce), "amount": str(refund_amount), "digest": h(refund_digest), "signature": refund_sig},
        "claimBatch": {"entries": entries, "digest": h(claim_digest), "signature": claim_sig},
        "erc3009": {"name": token_domain["name"], "version": token_domain["version"], "salt": auth_salt, "nonce": nonce,
                    "value": str(value), "validBefore": str(valid_before), "digest": h(rwa_digest), "signature": rwa_sig},
        "permit2": {"amount": str(p_amount), "nonce": str(p_nonce), "deadline": str(deadline), "digest": h(permit_digest),
                    "signature": permit_sig},
    }


def main():
    vectors = [vector() for _ in range(COUNT)]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    document = {"generator": "Vectors/generators/batch_settlement.py", "sdk": "x402 2.25.0", "seed": SEED, "vectors": vectors}
    with open(os.path.join(root, "batch-settlement.json"), "w") as f:
        f.write(json.dumps(document, separators=(",", ":")).replace('},{"chainId"', '},\n{"chainId"') + "\n")
    print(f"wrote {len(vectors)} vectors")


if __name__ == "__main__":
    main()
