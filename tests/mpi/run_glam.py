#!/usr/bin/env python3
"""Builds a tiny GLaM model with partita-glam for a given mesh and runs it under mpirun with
--check against the reference interpreter: the same model on 1, 2, 4 and 8 ranks.

Usage: run_glam.py BIN_DIR MESH MPIRUN_ARGS...
  MESH is "none" (one device) or "data=D,model=M"; MPIRUN_ARGS end before the program.
"""
import os, re, subprocess, sys, tempfile


def main(argv):
    bindir, mesh, mpirun = argv[0], argv[1], argv[2:]
    with tempfile.TemporaryDirectory(prefix="partita-glam-mpi.") as d:
        model = os.path.join(d, "glam.pir")
        gen = [os.path.join(bindir, "partita-glam"), "--config", "1.7B/64E", "--layers", "2",
               "--d-model", "16", "--ffn", "32", "--heads", "2", "--head-dim", "8", "--experts",
               "4", "--vocab", "64", "--seq", "8", "--batch", "4", "-o", model]
        gen += ["--sharding=none"] if mesh == "none" else ["--mesh", mesh]
        p = subprocess.run(gen, capture_output=True, text=True)
        if p.returncode != 0:
            print("FAIL: partita-glam: " + p.stderr); return 1
        devices = 1
        for n in re.findall(r"=(\d+)", mesh):
            devices *= int(n)
        cmd = mpirun + ["-np", str(devices), os.path.join(bindir, "partita-run"), model,
                        "--check", "--seed", "5", "--timeout", "300"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        out = p.stdout + p.stderr
        print(" ".join(cmd)); print(out)
        lines = [l for l in out.splitlines() if l.startswith("check:")]
        if p.returncode != 0 or len(lines) != 1 or "PASS" not in lines[0]:
            print("FAIL: exit %d" % p.returncode); return 1
        print("PASS on %d rank(s)" % devices)
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
