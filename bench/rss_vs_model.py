#!/usr/bin/env python3
"""Validates the memory model (passes/Memory.h, the stats JSON's peak_bytes_per_device)
against the measured peak RSS of small GLaM training steps under mpirun (issue 17 item 3,
docs/training.md "Fitting 64B/64E"). Not a ctest: JIT compilation makes each run take
tens of seconds, and RSS depends on the allocator and the MPI library.

For each variant: partita-glam --train (4 layers, 2 of them MoE with 4 experts, d_model
256, ffn 1024, seq 256, batch 16, bf16 or f32 activations), partita-opt --partition
--stats-json, then `mpirun -np N partita-run STEP.part.pir --verbose`, whose ranks each
print `peak RSS` (getrusage) and the runtime's planned buffers. Prints one Markdown row per
variant: the model's peak, the largest measured RSS of any rank, their ratio (the target
is within 20%), and the runtime's own peak of live buffers for comparison.

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
         "1024", "--heads", "4", "--head-dim", "64", "--experts", "4", "--vocab", "1024",
         "--seq", "256", "--batch", "16"]
VARIANTS = [  # (mesh, sharding, remat, activations)
    ("data=2,model=2", "2d", "none", "f32"),
    ("data=2,model=2", "2d", "layer", "f32"),
    ("data=2,model=2", "2d-full", "layer", "f32"),
    ("data=2,model=2", "2d-full", "layer", "bf16"),
    ("data=4,model=2", "2d-full", "layer", "f32"),
]


def main():
    bin_dir = sys.argv[1]
    mpirun = sys.argv[2:] or ["mpirun", "--allow-run-as-root", "--oversubscribe"]
    print("| mesh, preset | activations | model peak (MiB) | measured peak RSS (MiB, max over "
          "ranks) | RSS / model | runtime's planned peak of live buffers (MiB) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for mesh, sharding, remat, act in VARIANTS:
            step = os.path.join(work, "step.pir")
            part = os.path.join(work, "step.part.pir")
            stats = os.path.join(work, "stats.json")
            subprocess.run([os.path.join(bin_dir, "partita-glam")] + MODEL +
                           ["--sharding=" + sharding, "--mesh", mesh, "--remat=" + remat,
                            "--activations=" + act, "-o", step], check=True)
            subprocess.run([os.path.join(bin_dir, "partita-opt"), step, "--partition",
                            "--stats-json=" + stats, "-o", part], check=True)
            with open(stats) as f:
                peak = json.load(f)["peak_bytes_per_device"]
            ranks = 1
            for p in mesh.split(","):
                ranks *= int(p.split("=")[1])
            out = subprocess.run(mpirun + ["-np", str(ranks),
                                           os.path.join(bin_dir, "partita-run"), part,
                                           "--verbose", "--outputs", os.path.join(work, "out"),
                                           "--threads", "1"],
                                 check=True, capture_output=True, text=True)
            rss = [float(x) for x in re.findall(r"peak RSS ([0-9.]+) MiB", out.stderr)]
            plan = [float(x) for x in re.findall(r"peak of live buffers ([0-9.]+) MiB",
                                                  out.stderr)]
            if len(rss) != ranks:
                print(f"FAIL: {len(rss)} peak RSS lines from {ranks} ranks:\n{out.stderr}")
                return 1
            name = f"{mesh}, `{sharding}`" + (", remat" if remat == "layer" else "")
            print(f"| {name} | {act} | {peak / MIB:.1f} | {max(rss):.1f} | "
                  f"{max(rss) * MIB / peak:.2f} | {max(plan):.1f} |", flush=True)
            subprocess.run(["rm", "-rf", os.path.join(work, "out")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
