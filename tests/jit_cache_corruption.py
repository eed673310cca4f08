#!/usr/bin/env python3
# Damages the JIT object cache in many ways (a byte flipped at offsets spread over the whole
# entry: header, object start, middle and end; appended garbage; truncation; an empty file;
# another key's intact entry copied over it) and checks that each damaged entry is reported,
# rebuilt and never loaded: exit 0, the interpreter check PASSes, the printed results equal
# those of a run without cache, and the next run loads the rebuilt entry without a warning.
# Then several processes fill one empty cache at once, as ranks of an MPI job do.
#   jit_cache_corruption.py BIN_DIR [--offsets N]
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

PROGRAM = """func @main(%x: f32[9,5], %w: f32[5,3], %b: f32[3]) -> (f32[9,3]) {
  %h = einsum(%x, %w) {spec = "ij,jk->ik"} : f32[9,3]
  %bb = broadcast_in_dim(%b) {dims = [1]} : f32[9,3]
  %s = add(%h, %bb) : f32[9,3]
  %t = tanh(%s) : f32[9,3]
  return %t
}
"""
OTHER = """func @main(%x: f32[7]) -> (f32[7]) {
  %y = exp(%x) : f32[7]
  return %y
}
"""
HEADER = 56  # magic (16) + length (8) + SHA-256 (32), see runtime/Jit.cpp

failures = []


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def results(stdout):
    return [l for l in stdout.splitlines() if l.startswith("result")]


def entry(cache):
    files = [f for f in os.listdir(cache) if f.endswith(".pjo")]
    if len(files) != 1:
        sys.exit("FAIL: expected one cache entry in %s, found %s" % (cache, files))
    return os.path.join(cache, files[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("--offsets", type=int, default=60)
    a = ap.parse_args()
    exe = os.path.join(a.bin, "partita-run")
    work = tempfile.mkdtemp(prefix="partita-cache-corruption-")
    try:
        prog = os.path.join(work, "p.pir")
        with open(prog, "w") as f:
            f.write(PROGRAM)
        other = os.path.join(work, "other.pir")
        with open(other, "w") as f:
            f.write(OTHER)
        cache = os.path.join(work, "cache")
        base = [exe, prog, "--seed", "5", "--check", "--verbose"]

        rc, out, err = run(base + ["--no-cache"])
        want = results(out)
        if rc != 0 or not want:
            sys.exit("FAIL: the uncached run failed (exit %d): %s" % (rc, err))
        rc, out, err = run(base + ["--cache-dir", cache])
        if rc != 0 or "jit: compiled" not in err:
            sys.exit("FAIL: the cold run did not compile (exit %d): %s" % (rc, err))
        path = entry(cache)

        # Another program's intact entry, to copy over ours: valid bytes, wrong key.
        other_cache = os.path.join(work, "other-cache")
        rc, _, err = run([exe, other, "--cache-dir", other_cache])
        if rc != 0:
            sys.exit("FAIL: the other program failed: " + err)
        foreign = open(entry(other_cache), "rb").read()

        size = os.path.getsize(path)
        header = [0, 7, 15, 16, 17, 23, 24, 31, 40, HEADER - 1]
        body = [HEADER + (size - 1 - HEADER) * i // (a.offsets - 1) for i in range(a.offsets)]
        cases = [("flip byte %d" % o, ("flip", o)) for o in header + body]
        cases += [
            ("append 1 byte", ("append", b"\0")),
            ("append 4 KiB", ("append", os.urandom(4096))),
            ("truncate by 1", ("truncate", size - 1)),
            ("truncate to half", ("truncate", size // 2)),
            ("truncate into the header", ("truncate", HEADER // 2)),
            ("empty file", ("truncate", 0)),
            ("another key's entry", ("replace", foreign)),
        ]
        for name, (kind, arg) in cases:
            data = bytearray(open(path, "rb").read())
            if kind == "flip":
                data[arg] ^= 0xFF if arg % 2 else 0x01
            elif kind == "append":
                data += arg
            elif kind == "truncate":
                del data[arg:]
            else:
                data = bytearray(arg)
            with open(path, "wb") as f:
                f.write(data)
            rc, out, err = run(base + ["--cache-dir", cache])
            why = []
            if rc != 0:
                why.append("exit %d" % rc)
            if not re.search(r"check: .* PASS", out):
                why.append("no PASS check line")
            if results(out) != want:
                why.append("results differ: %s" % results(out))
            if not re.search(re.escape(path) + r": warning: damaged JIT cache entry .*rebuilding", err):
                why.append("no rebuild warning")
            if "jit: compiled" not in err:
                why.append("not compiled again")
            # The rewritten entry loads on the next run, with no warning.
            rc2, out2, err2 = run(base + ["--cache-dir", cache])
            if rc2 != 0 or "jit: cached" not in err2 or "warning" in err2 or results(out2) != want:
                why.append("the rebuilt entry did not load cleanly: " + err2.strip())
            if why:
                failures.append("%s: %s\n%s" % (name, "; ".join(why), err.strip()))
        print("%d damaged entries, %d failures" % (len(cases), len(failures)))

        # Concurrent writers of one key: every process succeeds, the entry is intact.
        shared = os.path.join(work, "shared-cache")
        procs = [subprocess.Popen(base + ["--cache-dir", shared], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(6)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            if p.returncode != 0 or results(out) != want or "warning" in err:
                failures.append("concurrent fill: exit %d\n%s" % (p.returncode, err.strip()))
        rc, out, err = run(base + ["--cache-dir", shared])
        if rc != 0 or "jit: cached" not in err or "warning" in err:
            failures.append("after the concurrent fill: " + err.strip())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAIL " + f)
    if failures:
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
