#!/usr/bin/env python3
"""openblas_gemm.py: times single-threaded OpenBLAS SGEMMs (numpy.matmul) of given sizes, for bench/run.

Reads partita-step's JSON (its "einsums": batch B and M x N x K of every distinct einsum of a
program) and prints the same list with "openblas_cpu_s", the best CPU time of a row-major
[B,M,K] x [B,K,N] float32 matmul. bench/run starts it with OPENBLAS_NUM_THREADS=1 and checks
here that the BLAS numpy loaded is OpenBLAS (through /proc/self/maps).

usage: openblas_gemm.py STEP_JSON OUT_JSON [--budget SECONDS]
"""
import json
import sys
import time


def fail(msg):
    print(f"openblas_gemm.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


try:
    import numpy as np
except ImportError:
    fail(f"numpy is not installed for {sys.executable}: apt-get install python3-numpy")


def blas_library():
    np.ones((64, 64), np.float32) @ np.ones((64, 64), np.float32)  # make sure BLAS is loaded
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if ".so" in line}
    blas = sorted(l for l in libs if "blas" in l.lower())
    return blas


def best_time(fn, budget, min_reps=2):
    """Best CPU time of fn (one thread: its running time even on a busy machine)."""
    best, start, i = float("inf"), time.perf_counter(), 0
    while i < min_reps or time.perf_counter() - start < budget:
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
        i += 1
    return best


def main():
    args = sys.argv[1:]
    budget = 0.3
    if "--budget" in args:
        i = args.index("--budget")
        budget = float(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        fail("usage: openblas_gemm.py STEP_JSON OUT_JSON [--budget SECONDS]")
    libs = blas_library()
    if not any("openblas" in l.lower() for l in libs):
        fail(f"numpy does not use OpenBLAS here (BLAS libraries loaded: {libs or 'none'}): "
             "apt-get install libopenblas0-pthread")
    with open(args[0]) as f:
        einsums = json.load(f)["einsums"]
    rng = np.random.default_rng(0)
    for e in einsums:
        b, m, n, k = e["b"], e["m"], e["n"], e["k"]
        x = rng.random((b, m, k), dtype=np.float32)
        y = rng.random((b, k, n), dtype=np.float32)
        out = np.empty((b, m, n), np.float32)
        e["openblas_cpu_s"] = best_time(lambda: np.matmul(x, y, out=out), budget)
    with open(args[1], "w") as f:
        json.dump({"blas": libs, "einsums": einsums}, f, indent=1)


if __name__ == "__main__":
    main()
