#!/usr/bin/env python3
"""Validates the memory model (passes/Memory.h, the stats JSON's peak_bytes_per_device)
against the measured peak RSS of small GLaM training steps under mpirun (issue 17 item 3,
docs/training.md "Fitting 64B/64E"). Not a ctest: JIT compilation makes each run take
tens of seconds, and RSS depends on the allocator and the MPI library.

For each variant: partita-glam --train (4 layers, 2 of them MoE with 4 experts, d_model
256, ffn 1024, seq x batch 256 x 16 and 512 x 32, bf16 or f32 activations), partita-opt --partition
--stats-json, then `mpirun -np N partita-run STEP.part.pir --verbose`, whose ranks each
print `peak RSS` (getrusage) and the runtime's planned buffers. Prints one Markdown row per
variant and size: the model's peak, the largest measured RSS of any rank, their ratio (the
target is within 20%), the RSS of the same process running a one-op program (code, LLVM
JIT, MPI: the part that does not scale with the model), the ratio without it, and the
runtime's own planned peak of live buffers.

Usage: rss_vs_model.py BIN_DIR [MPIRUN...]   (default mpirun --allow-run-as-root --oversubscribe)
"""
import json
import os
import re
import subprocess
import sys
import tempfile

MIB = 1 << 20
MODEL = ["--config", "0.1B/64E", "--train", "--layers", "4", "--d-model", "256", "--ffn",
         "1024", "--heads", "4", "--head-dim", "64", "--experts", "4", "--vocab", "1024"]
SIZES = [("256", "16"), ("512", "32")]  # (seq, batch)
# The process alone (code, LLVM JIT, MPI): a one-op program on the same mesh.
TRIVIAL = """mesh @m = <["data"={d}, "model"={m}]>
func @main(%x: f32[{n}] {{sharding = <@m, [{{"data", "model"}}]>}}) -> (f32[{n}] {{sharding = <@m, [{{"data", "model"}}]>}}) {{
  %y = neg(%x) : f32[{n}]
  return %y
}}
"""
VARIANTS = [  # (mesh, sharding, remat, activations)
    ("data=2,model=2", "2d", "none", "f32"),
    ("data=2,model=2", "2d-full", "layer", "f32"),
    ("data=2,model=2", "2d-full", "layer", "bf16"),
    ("data=4,model=2", "2d-full", "layer", "f32"),
]


def ranks_of(mesh):
    d, m = (int(p.split("=")[1]) for p in mesh.split(","))
    return d, m


def run_ranks(mpirun, bin_dir, prog, ranks, work):
    """Runs prog under mpirun; returns the ranks' (peak RSS, planned peak buffers) in MiB."""
    out = subprocess.run(mpirun + ["-np", str(ranks), os.path.join(bin_dir, "partita-run"), prog,
                                   "--verbose", "--outputs", os.path.join(work, "out"),
                                   "--threads", "1"],
                         check=True, capture_output=True, text=True)
    subprocess.run(["rm", "-rf", os.path.join(work, "out")])
    rss = [float(x) for x in re.findall(r"peak RSS ([0-9.]+) MiB", out.stderr)]
    plan = [float(x) for x in re.findall(r"peak of live buffers ([0-9.]+) MiB", out.stderr)]
    if len(rss) != ranks:
        raise SystemExit(f"FAIL: {len(rss)} peak RSS lines from {ranks} ranks:\n{out.stderr}")
    return rss, plan


def main():
    bin_dir = sys.argv[1]
    mpirun = sys.argv[2:] or ["mpirun", "--allow-run-as-root", "--oversubscribe"]
    print("| mesh, preset | activations | seq x batch | model peak | measured peak RSS (max over "
          "ranks) | RSS / model | process baseline | (RSS - baseline) / model | runtime's "
          "planned peak of live buffers |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        base = {}
        for mesh, sharding, remat, act in VARIANTS:
            d, m = ranks_of(mesh)
            if mesh not in base:
                trivial = os.path.join(work, "trivial.pir")
                with open(trivial, "w") as f:
                    f.write(TRIVIAL.format(d=d, m=m, n=8 * d * m))
                base[mesh] = max(run_ranks(mpirun, bin_dir, trivial, d * m, work)[0])
            for seq, batch in SIZES:
                step = os.path.join(work, "step.pir")
                part = os.path.join(work, "step.part.pir")
                stats = os.path.join(work, "stats.json")
                subprocess.run([os.path.join(bin_dir, "partita-glam")] + MODEL +
                               ["--seq", seq, "--batch", batch, "--sharding=" + sharding,
                                "--mesh", mesh, "--remat=" + remat, "--activations=" + act,
                                "-o", step], check=True)
                subprocess.run([os.path.join(bin_dir, "partita-opt"), step, "--partition",
                                "--stats-json=" + stats, "-o", part], check=True)
                with open(stats) as f:
                    peak = json.load(f)["peak_bytes_per_device"] / MIB
                rss, plan = run_ranks(mpirun, bin_dir, part, d * m, work)
                name = f"{mesh}, `{sharding}`" + (", remat" if remat == "layer" else "")
                print(f"| {name} | {act} | {seq} x {batch} | {peak:.1f} MiB | {max(rss):.1f} MiB | "
                      f"{max(rss) / peak:.2f} | {base[mesh]:.1f} MiB | "
                      f"{(max(rss) - base[mesh]) / peak:.2f} | {max(plan):.1f} MiB |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
