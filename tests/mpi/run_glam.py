#!/usr/bin/env python3
"""Builds tiny GLaM models with partita-glam for a given mesh and runs each under mpirun
with --check against the reference interpreter: the same models on 1, 2, 4 and 8 ranks.

Usage: run_glam.py BIN_DIR MESH [--variants=a,b,...] MPIRUN_ARGS...
  MESH is "none" (one device) or "data=D,model=M"; MPIRUN_ARGS end before the program.
  Variants (default: all, one after the other):
    f32          even sizes (every mesh axis divides every split dimension)
    bf16         bf16 activations, 128 tokens (docs/glam.md: with fewer, one flipped
                 near-tie of the top-1 choice on a model-split mesh can exceed the bf16
                 tolerance)
    uneven       odd sizes everywhere (3 heads, 3 experts, vocabulary 37, 3 groups cutting
                 sequences) and capacity factor 1, so experts overflow and tokens drop
    uneven-bf16  the uneven model with bf16 activations
"""
import os, re, subprocess, sys, tempfile

EVEN = ["--layers", "2", "--d-model", "16", "--ffn", "32", "--heads", "2", "--head-dim", "8",
        "--experts", "4", "--vocab", "64", "--seq", "8", "--batch", "4"]
BF16 = ["--layers", "2", "--d-model", "16", "--ffn", "32", "--heads", "4", "--head-dim", "4",
        "--experts", "4", "--vocab", "64", "--seq", "16", "--batch", "8", "--activations=bf16"]
UNEVEN = ["--layers", "3", "--d-model", "12", "--ffn", "20", "--heads", "3", "--head-dim", "4",
          "--experts", "3", "--vocab", "37", "--seq", "6", "--batch", "3", "--groups", "3",
          "--capacity-factor", "1.0"]


VARIANTS = {
    "f32": (EVEN, "f32"),
    "bf16": (BF16, "bf16"),
    "uneven": (UNEVEN, "f32"),
    "uneven-bf16": (UNEVEN + ["--activations=bf16"], "bf16"),
}


def run_variant(bindir, mesh, mpirun, variant, workdir):
    sizes, dtype = VARIANTS[variant]
    model = os.path.join(workdir, "glam-%s.pir" % variant)
    gen = [os.path.join(bindir, "partita-glam"), "--config", "1.7B/64E"] + sizes + ["-o", model]
    gen += ["--sharding=none"] if mesh == "none" else ["--mesh", mesh]
    p = subprocess.run(gen, capture_output=True, text=True)
    if p.returncode != 0:
        print("FAIL %s: partita-glam: %s" % (variant, p.stderr)); return False
    devices = 1
    for n in re.findall(r"=(\d+)", mesh):
        devices *= int(n)
    cmd = mpirun + ["-np", str(devices), os.path.join(bindir, "partita-run"), model,
                    "--check", "--seed", "5", "--timeout", "300"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    out = p.stdout + p.stderr
    print(" ".join(gen)); print(" ".join(cmd)); print(out)
    lines = [l for l in out.splitlines() if l.startswith("check:")]
    results = re.findall(r"^result[01]: (\w+)\[\]", out, re.M)
    if p.returncode != 0 or len(lines) != 1 or "PASS" not in lines[0]:
        print("FAIL %s: exit %d" % (variant, p.returncode)); return False
    if results != [dtype, dtype]:
        print("FAIL %s: expected two %s scalars (loss, aux loss), got %s" % (variant, dtype, results))
        return False
    print("PASS %s on %d rank(s)" % (variant, devices))
    return True


def main(argv):
    if len(argv) < 3:
        print(__doc__); return 1
    bindir, mesh, rest = argv[0], argv[1], argv[2:]
    variants = list(VARIANTS)
    if rest[0].startswith("--variants="):
        variants = rest.pop(0)[len("--variants="):].split(",")
        unknown = [v for v in variants if v not in VARIANTS]
        if unknown or not rest:
            print("FAIL: unknown variant(s) %s or no mpirun command" % unknown); return 1
    with tempfile.TemporaryDirectory(prefix="partita-glam-mpi.") as d:
        failed = [v for v in variants if not run_variant(bindir, mesh, rest, v, d)]
    if failed:
        print("FAIL: %s on mesh %s" % (", ".join(failed), mesh)); return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
