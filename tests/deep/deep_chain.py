#!/usr/bin/env python3
# Regression test for long fused elementwise chains in the code generator: writes
# `func @main(%x: f32[4])` with exp followed by N alternating tanh/neg ops, JIT-compiles and
# runs it with `partita-run --check` (the reference interpreter computes the same program
# independently) and fails unless the check passes within the time bound. Before fusion
# groups were capped, 20,000 ops crashed the element emitter (unbounded recursion) and
# 5,000 took 46 s to compile; before math was outlined past 16 calls per root and roots
# kept out of the entry, 100,000 took about 100 s of CPU (now about 5 s).
#   deep_chain.py BIN_DIR OUT_DIR N SECONDS
import os
import subprocess
import sys
import time


def program(n):
    lines = ["func @main(%x: f32[4]) -> (f32[4]) {", "  %v0 = exp(%x) : f32[4]"]
    for i in range(1, n + 1):
        op = "tanh" if i % 2 else "neg"
        lines.append(f"  %v{i} = {op}(%v{i - 1}) : f32[4]")
    lines.append(f"  return %v{n}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    bindir, outdir, n, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, f"deep_chain_{n}.pir")
    with open(path, "w") as f:
        f.write(program(n))
    cmd = [os.path.join(bindir, "partita-run"), path, "--check", "--no-cache"]
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        print(f"FAIL: {n} ops did not finish within {limit} s")
        return 1
    secs = time.monotonic() - start
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        print(f"FAIL: partita-run exited with {p.returncode}")
        return 1
    if "check:" not in p.stdout or "PASS" not in p.stdout:
        print("FAIL: no passing check line")
        return 1
    print(f"{n} ops: PASS in {secs:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
