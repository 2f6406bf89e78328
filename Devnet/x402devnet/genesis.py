"""Genesis: funded dev accounts, contract runtime code at canonical addresses, then `init` calls."""
import json
import re
from pathlib import Path

from eth_abi import encode
from eth_utils import keccak, to_canonical_address

from .accounts import DEPLOYER_KEY, DEV_BALANCE_WEI, DEV_KEYS
from .chain import Devnet, RPCError
from eth_keys import keys


def split_types(s):
    """Splits "address,(uint256,bytes)[],bytes32" at top-level commas."""
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return [t.strip() for t in out]


def normalize_arg(typ, value):
    """JSON value -> eth_abi value (hex strings for bytes, decimal/hex strings for integers)."""
    m = re.fullmatch(r"(.*)\[(\d*)\]", typ)
    if m:
        return [normalize_arg(m.group(1), v) for v in value]
    if typ.startswith("("):
        inner = split_types(typ[1:-1])
        return tuple(normalize_arg(t, v) for t, v in zip(inner, value))
    if typ.startswith(("uint", "int")):
        if isinstance(value, str):
            return int(value, 0)
        return int(value)
    if typ.startswith("bytes"):
        if isinstance(value, str):
            return bytes.fromhex(value[2:] if value.startswith("0x") else value)
        return bytes(value)
    if typ == "bool":
        return bool(value)
    return value


def encode_call(signature, args):
    m = re.fullmatch(r"(\w+)\((.*)\)", signature.strip())
    if not m:
        raise ValueError("bad function signature %r" % signature)
    name, types = m.group(1), split_types(m.group(2))
    canonical = "%s(%s)" % (name, ",".join(types))
    if len(types) != len(args):
        raise ValueError("%s: %d args given" % (canonical, len(args)))
    values = [normalize_arg(t, a) for t, a in zip(types, args)]
    return keccak(text=canonical)[:4] + encode(types, values)


def load_deployments(repo_root, deployments_path=None, log=print):
    """Returns [(entry, runtime_code_bytes_or_None)]."""
    path = Path(deployments_path) if deployments_path else Path(repo_root) / "Contracts" / "deployments.json"
    if not path.exists():
        log("warning: %s not found: no contracts at genesis" % path)
        return []
    manifest = json.loads(path.read_text())
    artifacts = path.parent / "artifacts"
    out = []
    for entry in manifest.get("contracts", []):
        art = artifacts / ("%s.json" % entry["artifact"])
        code = None
        if art.exists():
            data = json.loads(art.read_text())
            hexcode = data.get("deployedBytecode") or ""
            if isinstance(hexcode, dict):  # forge-style {"object": "0x.."}
                hexcode = hexcode.get("object", "")
            hexcode = hexcode[2:] if hexcode.startswith("0x") else hexcode
            code = bytes.fromhex(hexcode)
            if not code:
                log("warning: %s has empty deployedBytecode" % art)
                code = None
        else:
            log("warning: artifact %s missing: nothing at %s" % (art, entry["address"]))
        out.append((entry, code))
    return out


def build_devnet(chain_id=84532, repo_root=None, deployments_path=None, gas_limit=None, log=print):
    deployments = load_deployments(repo_root, deployments_path, log) if (repo_root or deployments_path) else []
    state = {}
    for k in DEV_KEYS:
        addr = keys.PrivateKey(bytes.fromhex(k[2:])).public_key.to_canonical_address()
        state[addr] = {"balance": DEV_BALANCE_WEI, "nonce": 0, "code": b"", "storage": {}}
    contracts = []
    for entry, code in deployments:
        if code is None:
            continue
        addr = to_canonical_address(entry["address"])
        # nonce 1 like a contract created by CREATE/CREATE2 (EIP-161)
        state[addr] = {"balance": 0, "nonce": 1, "code": code, "storage": {}}
        contracts.append((entry, addr))
    kwargs = {"chain_id": chain_id, "genesis_state": state, "log": log}
    if gas_limit:
        kwargs["gas_limit"] = gas_limit
    devnet = Devnet(**kwargs)
    for k in DEV_KEYS:
        devnet.add_key(k)
    deployer = devnet.add_key(DEPLOYER_KEY)
    devnet.deployer = deployer
    devnet.contracts = {entry["artifact"]: entry["address"] for entry, _ in contracts}
    for entry, addr in contracts:
        for init in entry.get("init") or []:
            data = encode_call(init["function"], init.get("args", []))
            txh = devnet.sign_and_send(deployer, {"to": addr, "data": data})
            rec = devnet.tx_index.get(txh)
            if rec is None or rec.status != 1:
                raise RuntimeError("init %s.%s failed (tx 0x%s)" % (entry["artifact"], init["function"], txh.hex()))
            log("init %s.%s ok (gas %d)" % (entry["artifact"], init["function"], rec.gas_used))
    return devnet
