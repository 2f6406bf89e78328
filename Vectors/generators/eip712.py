"""Random EIP-712 typed-data documents with digests from eth_account (the reference implementation).

Run via `Vectors/generate` (or directly with the venv python); writes Vectors/eip712.json next to generators/.
Deterministic (fixed seed). Every document is something eth_account accepts: the primary type is the only
root type, every declared member has a value, fixed arrays have their declared length, bytesN values have
exactly N bytes. Half the documents are written with \\u escapes for non-ASCII text, half as raw UTF-8.
"""
import json
import os
import random
import string

from eth_account.messages import encode_typed_data
from eth_account._utils.encode_typed_data.encoding_and_hashing import encode_type, hash_domain, hash_struct
from eth_utils import keccak, to_checksum_address

SEED = 712
COUNT = 400
rng = random.Random(SEED)

ATOMIC_WIDTHS = [8, 16, 24, 32, 40, 64, 96, 128, 160, 200, 248, 256]
TEXT_POOL = ["", "a", "Hello, Bob!", "x402 Batch Settlement", "quote \" backslash \\ slash /", "tab\tnewline\n",
             "\u0001\u001f control", "café", "日本語テキスト", "emoji 😀🚀", "mixed é😀\u2028", "null\u0000byte"]


def ident(prefix_upper):
    first = rng.choice(string.ascii_uppercase if prefix_upper else string.ascii_lowercase)
    rest = "".join(rng.choice(string.ascii_letters + string.digits + "_") for _ in range(rng.randint(0, 8)))
    return first + rest


def random_atomic():
    kind = rng.choice(["uint", "uint", "int", "int", "bool", "address", "address", "bytesN", "bytesN", "bytes", "string", "string"])
    if kind in ("uint", "int"):
        return f"{kind}{rng.choice(ATOMIC_WIDTHS)}"
    if kind == "bytesN":
        return f"bytes{rng.choice([1, 2, 4, 8, 16, 20, 31, 32])}"
    return kind


def with_array_suffix(base):
    r = rng.random()
    if r < 0.65:
        return base
    if r < 0.85:
        return base + "[]"
    if r < 0.95:
        return base + f"[{rng.randint(0, 3)}]"
    return base + f"[{rng.randint(1, 2)}][]"


def random_types():
    """Primary type first; every other struct is referenced by an earlier one (single root, no cycles),
    except optional array self-references, which eth_account and EIP-712 allow."""
    n = rng.choice([0, 0, 1, 1, 2, 3, 4])
    names = []
    while len(names) < n + 1:
        name = ident(True)
        if name not in names and name != "EIP712Domain":
            names.append(name)
    types = {name: [] for name in names}
    for i, name in enumerate(names):
        field_names = set()

        def fresh():
            while True:
                f = ident(False)
                if f not in field_names:
                    field_names.add(f)
                    return f

        for _ in range(rng.randint(0 if i > 0 else 1, 6)):
            types[name].append({"name": fresh(), "type": with_array_suffix(random_atomic())})
        if i > 0:  # referenced by an earlier struct, so the primary stays the only root
            parent = names[rng.randrange(0, i)]
            types[parent].insert(rng.randint(0, len(types[parent])), {"name": "ref_" + name.lower() + str(i), "type": with_array_suffix(name)})
        if rng.random() < 0.08:
            types[name].append({"name": "children", "type": name + "[]"})
    for fields in types.values():
        rng.shuffle(fields)
    return names[0], types


def random_int_value(bits, signed):
    if signed:
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    else:
        lo, hi = 0, (1 << bits) - 1
    v = rng.choice([lo, hi, 0, 1, rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(max(lo, -1000), min(hi, 1000))])
    form = rng.random()
    if form < 0.5:
        return v
    if form < 0.75 or v < 0:
        return str(v)
    return "0x" + format(v, rng.choice(["x", "X"]))


def random_address():
    raw = "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40))
    return to_checksum_address(raw) if rng.random() < 0.6 else raw


def random_hex(n):
    digits = "".join(rng.choice("0123456789abcdef") for _ in range(2 * n))
    return "0x" + (digits.upper() if rng.random() < 0.15 else digits)


def random_value(type_, types, depth):
    if type_.endswith("]"):
        base, suffix = type_[: type_.rindex("[")], type_[type_.rindex("[") + 1 : -1]
        length = int(suffix) if suffix else (0 if depth > 3 else rng.randint(0, 3))
        return [random_value(base, types, depth + 1) for _ in range(length)]
    if type_ in types:
        return {f["name"]: random_value(f["type"], types, depth + 1) for f in types[type_]}
    if type_.startswith("uint"):
        return random_int_value(int(type_[4:]), False)
    if type_.startswith("int"):
        return random_int_value(int(type_[3:]), True)
    if type_ == "bool":
        return rng.random() < 0.5
    if type_ == "address":
        return random_address()
    if type_ == "bytes":
        return random_hex(rng.choice([0, 1, 2, 31, 32, 33, 64, 100]))
    if type_.startswith("bytes"):
        return random_hex(int(type_[5:]))
    if type_ == "string":
        return rng.choice(TEXT_POOL) if rng.random() < 0.7 else "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 40)))
    raise ValueError(type_)


DOMAIN_FIELDS = [("name", "string"), ("version", "string"), ("chainId", "uint256"), ("verifyingContract", "address"), ("salt", "bytes32")]


def random_domain():
    style = rng.random()
    if style < 0.15:  # Permit2-style: no version
        keys = ["name", "chainId", "verifyingContract"]
    elif style < 0.55:
        keys = ["name", "version", "chainId", "verifyingContract"]
    else:
        keys = [k for k, _ in DOMAIN_FIELDS if rng.random() < 0.5]
    domain = {}
    for key in keys:
        if key in ("name", "version"):
            domain[key] = rng.choice(["Permit2", "USDC", "USD Coin", "x402 Batch Settlement", "1", "2", "", "Ether Mail", "dömäin 😀"])
        elif key == "chainId":
            cid = rng.choice([1, 8453, 84532, 31337, 11155111, 2**64 - 1, rng.randint(0, 2**256 - 1)])
            domain[key] = rng.choice([cid, str(cid), hex(cid)]) if cid < 2**53 else rng.choice([cid, str(cid)])
        elif key == "verifyingContract":
            domain[key] = random_address()
        else:
            domain[key] = random_hex(32)
    fields = [{"name": k, "type": t} for k, t in DOMAIN_FIELDS if k in domain]
    return domain, fields


def permit2_document():
    domain = {"name": "Permit2", "chainId": rng.choice([1, 8453, 84532]), "verifyingContract": "0x000000000022D473030F116dDEE9F6B43aC78BA3"}
    types = {
        "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
        "PermitWitnessTransferFrom": [
            {"name": "permitted", "type": "TokenPermissions"}, {"name": "spender", "type": "address"},
            {"name": "nonce", "type": "uint256"}, {"name": "deadline", "type": "uint256"}, {"name": "witness", "type": "DepositWitness"}],
        "TokenPermissions": [{"name": "token", "type": "address"}, {"name": "amount", "type": "uint256"}],
        "DepositWitness": [{"name": "channelId", "type": "bytes32"}],
    }
    message = {
        "permitted": {"token": random_address(), "amount": random_int_value(256, False)},
        "spender": random_address(), "nonce": random_int_value(256, False), "deadline": random_int_value(64, False),
        "witness": {"channelId": random_hex(32)},
    }
    return {"types": types, "primaryType": "PermitWitnessTransferFrom", "domain": domain, "message": message}


def random_document():
    if rng.random() < 0.1:
        return permit2_document()
    primary, types = random_types()
    domain, domain_fields = random_domain()
    doc_types = dict(types)
    if rng.random() < 0.85:
        doc_types = {"EIP712Domain": domain_fields, **types}
    return {"types": doc_types, "primaryType": primary, "domain": domain, "message": random_value(primary, types, 0)}


def vector(doc):
    types = {k: v for k, v in doc["types"].items() if k != "EIP712Domain"}
    signable = encode_typed_data(full_message=doc)
    domain_separator = hash_domain(doc["domain"])
    message_hash = hash_struct(doc["primaryType"], types, doc["message"])
    assert signable.header == domain_separator and signable.body == message_hash
    encoded = encode_type(doc["primaryType"], types)
    return {
        "typedData": doc,
        "encodeType": encoded,
        "typeHash": "0x" + keccak(text=encoded).hex(),
        "domainSeparator": "0x" + domain_separator.hex(),
        "messageHash": "0x" + message_hash.hex(),
        "digest": "0x" + keccak(b"\x19\x01" + domain_separator + message_hash).hex(),
    }


def main():
    vectors = [vector(random_document()) for _ in range(COUNT)]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    header = {"generator": "Vectors/generators/eip712.py", "reference": "eth_account.messages.encode_typed_data(full_message=...)", "seed": SEED}
    body = ",\n".join(json.dumps(v, ensure_ascii=(i % 2 == 0), separators=(",", ":")) for i, v in enumerate(vectors))
    text = json.dumps(header)[:-1] + ',"vectors":[\n' + body + "\n]}\n"
    json.loads(text)  # sanity
    with open(os.path.join(root, "eip712.json"), "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {len(vectors)} vectors")


if __name__ == "__main__":
    main()
