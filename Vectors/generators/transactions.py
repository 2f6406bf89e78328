#!/usr/bin/env python3
"""Writes Vectors/transactions.json: random legacy (unprotected), EIP-155 and EIP-1559 transactions signed with
eth_account's Account.sign_transaction, with the signing hash computed independently (rlp + keccak) and checked
against the signature eth_account produced. Deterministic (fixed seed). Run with the Devnet venv python."""
import json
import pathlib
import random

import rlp
from eth_account import Account
from eth_keys import keys
from eth_utils import keccak, to_checksum_address

rng = random.Random(402)
N = (1 << 256) - 0x14551231950B75FC4402DA1732FC9BEBF


def rand_int(bits):
    # Mix small, boundary and full-width values so every RLP integer length occurs.
    choice = rng.random()
    if choice < 0.15:
        return 0
    if choice < 0.3:
        return rng.randrange(1, 128)
    if choice < 0.4:
        return (1 << rng.choice([8, 16, 56, 64, bits])) - 1 if bits >= 64 else (1 << bits) - 1
    return rng.getrandbits(rng.randrange(1, bits + 1))


def rand_bytes(max_len):
    n = rng.choice([0, 1, 1, 4, 36, 55, 56, 100, rng.randrange(0, max_len + 1)])
    return bytes(rng.getrandbits(8) for _ in range(n))


def rand_key():
    while True:
        k = rng.getrandbits(256)
        if 0 < k < N:
            return k.to_bytes(32, "big")


def rand_address():
    return to_checksum_address(bytes(rng.getrandbits(8) for _ in range(20)))


def signing_hash(kind, tx):
    to = bytes.fromhex(tx["to"][2:]) if tx.get("to") else b""
    data = tx["data"]
    if kind == "eip1559":
        access = [[bytes.fromhex(e["address"][2:]), [bytes.fromhex(k[2:]) for k in e["storageKeys"]]]
                  for e in tx["accessList"]]
        fields = [tx["chainId"], tx["nonce"], tx["maxPriorityFeePerGas"], tx["maxFeePerGas"], tx["gas"], to,
                  tx["value"], data, access]
        return keccak(b"\x02" + rlp.encode(fields))
    fields = [tx["nonce"], tx["gasPrice"], tx["gas"], to, tx["value"], data]
    if kind == "eip155":
        fields += [tx["chainId"], 0, 0]
    return keccak(rlp.encode(fields))


def main():
    out = []
    kinds = ["legacy"] * 12 + ["eip155"] * 20 + ["eip1559"] * 28
    for i, kind in enumerate(kinds):
        key = rand_key()
        tx = {
            "nonce": rand_int(64) if rng.random() < 0.9 else (1 << 64) - 1,
            "gas": rng.choice([21000, 100000, rand_int(64) or 1]),
            "value": rand_int(256),
            "data": rand_bytes(300),
        }
        if rng.random() > 0.15:
            tx["to"] = rand_address()
        if kind == "eip1559":
            tx["type"] = 2
            tx["chainId"] = rng.choice([1, 8453, 84532, 31337, rand_int(64) or 1])
            tx["maxPriorityFeePerGas"] = rand_int(256)
            tx["maxFeePerGas"] = rand_int(256)
            tx["accessList"] = [
                {"address": rand_address(),
                 "storageKeys": ["0x" + bytes(rng.getrandbits(8) for _ in range(32)).hex()
                                 for _ in range(rng.choice([0, 1, 2, 3]))]}
                for _ in range(rng.choice([0, 0, 1, 2]))
            ]
        else:
            tx["gasPrice"] = rand_int(256)
            if kind == "eip155":
                tx["chainId"] = rng.choice([1, 8453, 84532, 31337, rand_int(64) or 1])
        signed = Account.sign_transaction(tx, key)
        digest = signing_hash(kind, tx)
        sender = Account.from_key(key).address
        # The independently computed signing hash must be what eth_account signed.
        y_parity = signed.v if kind == "eip1559" else (signed.v - 27 if kind == "legacy" else (signed.v - 35) % 2)
        sig = keys.Signature(vrs=(y_parity, signed.r, signed.s))
        assert sig.recover_public_key_from_msg_hash(digest).to_checksum_address() == sender, (i, kind)
        assert keccak(signed.raw_transaction) == signed.hash
        entry = {
            "kind": kind,
            "key": "0x" + key.hex(),
            "sender": sender,
            "chainId": tx.get("chainId"),
            "nonce": str(tx["nonce"]),
            "gas": str(tx["gas"]),
            "to": tx.get("to"),
            "value": str(tx["value"]),
            "data": "0x" + tx["data"].hex(),
            "signingHash": "0x" + digest.hex(),
            "v": str(signed.v),
            "r": "0x" + signed.r.to_bytes(32, "big").hex(),
            "s": "0x" + signed.s.to_bytes(32, "big").hex(),
            "raw": "0x" + signed.raw_transaction.hex(),
            "hash": "0x" + signed.hash.hex(),
        }
        if kind == "eip1559":
            entry["maxPriorityFeePerGas"] = str(tx["maxPriorityFeePerGas"])
            entry["maxFeePerGas"] = str(tx["maxFeePerGas"])
            entry["accessList"] = tx["accessList"]
        else:
            entry["gasPrice"] = str(tx["gasPrice"])
        out.append(entry)
    path = pathlib.Path(__file__).resolve().parent.parent / "transactions.json"
    path.write_text(json.dumps({"generator": "Vectors/generators/transactions.py", "transactions": out}, indent=1) + "\n")
    print(f"wrote {len(out)} transactions to {path}")


if __name__ == "__main__":
    main()
