#!/usr/bin/env python3
"""Async collectives under mpirun give bit-identical results: each program runs once with
blocking collectives and once with --async-collectives (nonblocking MPI calls, rescheduled
starts and waits), writing --outputs, and every result file must match byte for byte. The
async run also writes a --trace, which check_trace.py validates (start and wait events on
every rank).

Usage: async_same.py BIN_DIR MPIRUN_ARGS...
Programs: tests/mpi/collectives_dtypes.pir on 6 ranks (every collective kind, f32/bf16/i32,
packing along non-leading dims; at most 3 in flight, so starts also wait for slots) and a
tiny GLaM on a data=2,model=2 mesh (4 ranks, default cap), f32 and bf16.
"""
import os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GLAM = ["--config", "1.7B/64E", "--layers", "2", "--d-model", "16", "--ffn", "32", "--heads",
        "2", "--head-dim", "8", "--experts", "4", "--vocab", "64", "--seq", "8", "--batch", "4"]


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        print(" ".join(cmd)); print(p.stdout + p.stderr)
        raise SystemExit("FAIL: exit %d" % p.returncode)
    return p.stdout + p.stderr


def same_files(a, b):
    fa, fb = sorted(os.listdir(a)), sorted(os.listdir(b))
    if fa != fb or not fa:
        print("FAIL: result files differ: %s vs %s" % (fa, fb)); return False
    for f in fa:
        with open(os.path.join(a, f), "rb") as x, open(os.path.join(b, f), "rb") as y:
            if x.read() != y.read():
                print("FAIL: %s differs between blocking and async runs" % f); return False
    print("PASS: %d result file(s) bit-identical" % len(fa))
    return True


def case(name, bindir, mpirun, ranks, program, extra, work):
    runp = os.path.join(bindir, "partita-run")
    base = mpirun + ["-np", str(ranks), runp, program, "--seed", "4", "--timeout", "300"] + extra
    sync, asyn = os.path.join(work, name + "-sync"), os.path.join(work, name + "-async")
    trace = os.path.join(work, name + ".trace.json")
    run(base + ["--outputs", sync])
    out = run(base + ["--outputs", asyn, "--trace", trace, "--profile"])
    ok = same_files(sync, asyn)
    # --profile's communication rows, from every rank.
    rows = [l for l in out.splitlines() if "profile: communication" in l]
    if len(rows) != ranks:
        print("FAIL %s: %d communication rows for %d ranks" % (name, len(rows), ranks)); ok = False
    t = subprocess.run([sys.executable, os.path.join(HERE, "check_trace.py"), trace, str(ranks),
                        "--phases", "start,wait"], capture_output=True, text=True)
    print(t.stdout.strip())
    ok = ok and t.returncode == 0
    print(("PASS " if ok else "FAIL ") + name)
    return ok


def main(argv):
    bindir, mpirun = argv[0], argv[1:]
    ok = True
    with tempfile.TemporaryDirectory() as work:
        ok &= case("collectives", bindir, mpirun, 6, os.path.join(HERE, "collectives_dtypes.pir"),
                   ["--async-collectives", "--max-in-flight", "3"], work)
        for dtype in ("f32", "bf16"):
            model = os.path.join(work, "glam-%s.pir" % dtype)
            acts = ["--activations=bf16"] if dtype == "bf16" else []
            run([os.path.join(bindir, "partita-glam")] + GLAM + acts +
                ["--mesh", "data=2,model=2", "-o", model])
            ok &= case("glam-" + dtype, bindir, mpirun, 4, model, ["--async-collectives"], work)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
