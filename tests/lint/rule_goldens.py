#!/usr/bin/env python3
"""Checks that every op of ir/Ops.def has a sharding-rule golden in tests/lit/rules.

A golden is a FileCheck line of `partita-opt --print-sharding-rules` output,
`CHECK...: %name = <op>: ...`, so a new op without one (or an op whose golden was
dropped) fails here instead of going untested.

usage: rule_goldens.py SOURCE_ROOT   (exit 1 and one line per op without a golden)
"""
import re
import sys
from pathlib import Path


def main():
    root = Path(sys.argv[1])
    ops = re.findall(r'^OP\(\w+, "([a-z_]+)"', (root / "ir/Ops.def").read_text(), re.M)
    if not ops:
        print(f"{root / 'ir/Ops.def'}: no OP(...) entries found", file=sys.stderr)
        return 1
    seen = set()
    for f in sorted((root / "tests/lit/rules").glob("*.pir")):
        seen.update(re.findall(r"CHECK[\w-]*: %[\w.$]+ = ([a-z_]+):", f.read_text()))
    missing = [op for op in ops if op not in seen]
    for op in missing:
        print(f"ir/Ops.def: op '{op}' has no --print-sharding-rules golden in tests/lit/rules",
              file=sys.stderr)
    if not missing:
        print(f"{len(ops)} ops, each with a sharding-rule golden")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
