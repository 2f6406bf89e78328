#!/usr/bin/env python3
"""Compiles every Contracts/src/*.vy with Vyper into Contracts/artifacts/<stem>.json.

Artifact: {"contractName", "source", "compiler", "abi", "bytecode", "deployedBytecode"}.
Vyper emits no `error` ABI entries; a contract's custom errors are listed one signature per line
(e.g. `InvalidSignature()`) in Contracts/src/<stem>.errors and added to its ABI here.
Modules shared by several contracts (no storage, `from .lib import <module>`) live in Contracts/src/lib/ and are
not compiled on their own.
Functions a contract decodes by hand in `__default__` (x402BatchSettlement's claim / claimWithSignature, to
avoid Vyper's bounded memory copy of calldata arrays) are listed in Contracts/src/<stem>.abi.json
({"abi": [...]}); they are added to its ABI and the `fallback` entry is dropped (it only serves them).

  build.py           write artifacts
  build.py --check   rebuild in memory and exit 1 if any committed artifact differs
"""
import json
import re
import sys
from pathlib import Path

import vyper

ROOT = Path(__file__).resolve().parent
SRC, OUT = ROOT / "src", ROOT / "artifacts"


def error_entries(stem):
    path = SRC / f"{stem}.errors"
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"(\w+)\((.*)\)", line)
        if not m:
            raise SystemExit(f"{path}: bad error signature {line!r}")
        types = [t for t in m.group(2).split(",") if t]
        entries.append({"type": "error", "name": m.group(1),
                        "inputs": [{"name": f"arg{i}", "type": t} for i, t in enumerate(types)]})
    return entries


def extra_entries(stem):
    path = SRC / f"{stem}.abi.json"
    return json.loads(path.read_text())["abi"] if path.exists() else None


def build(path):
    # resolved_path (absolute) lets `from .lib import m` find the shared modules in src/lib/
    out = vyper.compile_code(path.read_text(), contract_path=str(path.relative_to(ROOT)), resolved_path=path,
                             output_formats=["abi", "bytecode", "bytecode_runtime"])
    abi = out["abi"]
    extra = extra_entries(path.stem)
    if extra is not None:
        abi = [e for e in abi if e.get("type") != "fallback"] + extra
    return {
        "contractName": path.stem,
        "source": f"src/{path.name}",
        "compiler": f"vyper {vyper.__version__}",
        "abi": abi + error_entries(path.stem),
        "bytecode": out["bytecode"],
        "deployedBytecode": out["bytecode_runtime"],
    }


def main():
    check = "--check" in sys.argv[1:]
    OUT.mkdir(exist_ok=True)
    stale = []
    for path in sorted(SRC.glob("*.vy")):
        text = json.dumps(build(path), indent=2, sort_keys=True) + "\n"
        target = OUT / f"{path.stem}.json"
        if check:
            if not target.exists() or target.read_text() != text:
                stale.append(target.name)
        else:
            target.write_text(text)
    if stale:
        print("stale artifacts (run Contracts/build.py): " + ", ".join(stale), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
