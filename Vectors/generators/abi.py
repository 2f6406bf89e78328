#!/usr/bin/env python3
"""Random ABI (types, values) encoded with eth_abi -> Vectors/abi.json.

Each vector: canonical type strings, values in a JSON form (integers as decimal strings, bytes and
addresses as 0x-hex, strings as JSON strings, arrays and tuples as JSON arrays) and eth_abi's encoding.
"mutations" are corrupted encodings with eth_abi's verdict, to compare decoder strictness.
Run: Devnet/.venv/bin/python Vectors/generators/abi.py
"""
import json
import random
from pathlib import Path

from eth_abi import decode, encode
from eth_utils import to_checksum_address

SEED = 402
COUNT = 300
rng = random.Random(SEED)


def rand_type(depth=0):
    r = rng.random()
    if depth >= 3 or r < 0.55:
        kind = rng.choice(["uint", "int", "address", "bool", "bytesN", "bytes", "string"])
        if kind == "uint":
            return f"uint{rng.choice([8, 16, 32, 40, 64, 128, 160, 248, 256])}"
        if kind == "int":
            return f"int{rng.choice([8, 16, 24, 64, 128, 256])}"
        if kind == "bytesN":
            return f"bytes{rng.choice([1, 4, 20, 31, 32])}"
        return kind
    if r < 0.7:
        return rand_type(depth + 1) + "[]"
    if r < 0.8:
        return rand_type(depth + 1) + f"[{rng.randint(1, 3)}]"
    n = rng.randint(1, 4)
    return "(" + ",".join(rand_type(depth + 1) for _ in range(n)) + ")"


def split_tuple(t):
    inner, parts, level, cur = t[1:-1], [], 0, ""
    for c in inner:
        if c == "," and level == 0:
            parts.append(cur)
            cur = ""
            continue
        level += c == "("
        level -= c == ")"
        cur += c
    parts.append(cur)
    return parts


def rand_int_edge(lo, hi):
    return rng.choice([lo, hi, 0, rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(max(lo, -1000), min(hi, 1000))])


def rand_value(t):
    """Returns (python value for eth_abi, JSON value)."""
    if t.endswith("]"):
        base, size = t[: t.rindex("[")], t[t.rindex("[") + 1 : -1]
        n = int(size) if size else rng.choice([0, 1, 2, 3])
        pairs = [rand_value(base) for _ in range(n)]
        return [p for p, _ in pairs], [j for _, j in pairs]
    if t.startswith("("):
        pairs = [rand_value(c) for c in split_tuple(t)]
        return tuple(p for p, _ in pairs), [j for _, j in pairs]
    if t.startswith("uint"):
        bits = int(t[4:])
        v = rand_int_edge(0, 2**bits - 1)
        return v, str(v)
    if t.startswith("int"):
        bits = int(t[3:])
        v = rand_int_edge(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
        return v, str(v)
    if t == "address":
        a = to_checksum_address(bytes(rng.getrandbits(8) for _ in range(20)))
        return a, a
    if t == "bool":
        b = rng.random() < 0.5
        return b, b
    if t == "bytes":
        b = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 31, 32, 33, 65, 100])))
        return b, "0x" + b.hex()
    if t.startswith("bytes"):
        b = bytes(rng.getrandbits(8) for _ in range(int(t[5:])))
        return b, "0x" + b.hex()
    if t == "string":
        s = rng.choice(["", "x402", "héllo wörld", "💸 micropayments", "a" * 40, "ß" * 17])
        return s, s
    raise ValueError(t)


def mutate(data):
    """One corruption of an encoding: flip a byte, truncate, or extend a length/offset word."""
    data = bytearray(data)
    kind = rng.choice(["flip", "truncate", "word"])
    if kind == "truncate" or len(data) < 32:
        return bytes(data[: rng.randrange(0, max(1, len(data)))]), "truncate"
    if kind == "flip":
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
        return bytes(data), "flip"
    w = rng.randrange(len(data) // 32)
    data[w * 32 : w * 32 + 32] = rng.choice([2**256 - 1, 2**64, 1 << 40, 0x10000, 33, 1]).to_bytes(32, "big")
    return bytes(data), "word"


def norm(v):
    if isinstance(v, (list, tuple)):
        return [norm(x) for x in v]
    return v.lower() if isinstance(v, str) and v.startswith("0x") else v


vectors = []
while len(vectors) < COUNT:
    types = [rand_type() for _ in range(rng.randint(1, 4))]
    pairs = [rand_value(t) for t in types]
    py_values = [p for p, _ in pairs]
    encoded = encode(types, py_values)
    if len(encoded) > 4096:  # keep the file small; big values add nothing the small ones miss
        continue
    assert norm(list(decode(types, encoded))) == norm(py_values)
    mutations = []
    for _ in range(2):
        data, kind = mutate(encoded)
        try:
            decode(types, data)
            ok = True
        except Exception:
            ok = False
        mutations.append({"kind": kind, "data": "0x" + data.hex(), "ethAbiAccepts": ok})
    vectors.append({"types": types, "values": [j for _, j in pairs], "encoded": "0x" + encoded.hex(), "mutations": mutations})

out = Path(__file__).resolve().parent.parent / "abi.json"
out.write_text(json.dumps({"generator": "Vectors/generators/abi.py", "seed": SEED, "ethAbi": "6.0", "vectors": vectors}, separators=(",", ":"), ensure_ascii=False) + "\n")
print(f"{len(vectors)} vectors -> {out}")
