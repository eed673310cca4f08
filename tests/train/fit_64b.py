#!/usr/bin/env python3
"""Fitting GLaM 64B/64E training in 32 GiB per device on 1,024 devices (issue 17,
docs/training.md "Fitting 64B/64E").

Test mode (ctest `fit-64b-64e`): builds the 64B/64E training step with
--sharding=2d-full --remat=layer --activations=bf16 --batch 1024 --seq 1024 on the
data=64,model=16 mesh, partitions it with `partita-opt --partition --stats-json`, and
requires the modelled per-device peak (peak_bytes_per_device) to be at most 32 GiB and the
partitioner's max RSS (getrusage of the child) at most 2 GiB. Partitioning time is printed,
not asserted: on the shared machine wall time depends on the load.

--table: the same figures for every preset of the docs' table (64B/64E 2d, 2d-full,
2d-full+remat, 2d+remat; 137B 2d, 2d-full, 2d-full+remat) as Markdown rows.

Usage: fit_64b.py BIN_DIR [--table]
"""
import json
import os
import subprocess
import sys
import tempfile
import time

GIB = 1 << 30
MESH = "data=64,model=16"
VARIANTS = [
    ("64B/64E", "2d", "none"),
    ("64B/64E", "2d-full", "none"),
    ("64B/64E", "2d", "layer"),
    ("64B/64E", "2d-full", "layer"),
    ("137B", "2d", "none"),
    ("137B", "2d-full", "none"),
    ("137B", "2d-full", "layer"),
]


def run_measured(cmd):
    """Runs cmd; returns (wall s, CPU s, max RSS bytes) of that child alone."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"FAIL: {' '.join(cmd)} exited with status {status}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024


def figures(bin_dir, work, config, sharding, remat):
    tag = f"{config.replace('/', '-')}-{sharding}-{remat}"
    step = os.path.join(work, tag + ".pir")
    stats = os.path.join(work, tag + ".json")
    subprocess.run([os.path.join(bin_dir, "partita-glam"), "--config", config, "--train",
                    "--sharding=" + sharding, "--remat=" + remat, "--activations=bf16",
                    "--batch", "1024", "--seq", "1024", "--mesh", MESH, "-o", step],
                   check=True)
    wall, cpu, rss = run_measured([os.path.join(bin_dir, "partita-opt"), step, "--partition",
                                   "--stats-json=" + stats, "-o", os.devnull])
    with open(stats) as f:
        s = json.load(f)
    os.unlink(step)
    s["partition"] = {"wall": wall, "cpu": cpu, "rss": rss}
    return s


def row(config, sharding, remat, s):
    b = s["peak_breakdown"]
    coll = sum(c["bytes"] for c in s["collectives"])
    m = s["modelled_step"]
    p = s["partition"]
    name = f"{config}, `{sharding}`" + (", remat" if remat == "layer" else "")
    cells = [name, f"{s['peak_bytes_per_device'] / GIB:.2f}"]
    cells += [f"{b[k] / GIB:.2f}" for k in ("parameters", "optimizer_state", "gradients",
                                            "activations", "collective_buffers")]
    cells += [f"{coll / GIB:.1f} GiB ({len(s['collectives']):,} ops)",
              f"{m['collective_wire_bytes'] / GIB:.1f} GiB",
              f"{m['seconds']:.2f} s ({m['compute_seconds']:.2f} + {m['collective_seconds']:.2f})",
              f"{p['cpu']:.1f} s, {p['rss'] / (1 << 20):.0f} MiB"]
    return "| " + " | ".join(cells) + " |"


def main():
    bin_dir = sys.argv[1]
    table = "--table" in sys.argv[2:]
    with tempfile.TemporaryDirectory() as work:
        if table:
            print("| model, preset | peak | parameters | optimizer state | gradients | "
                  "activations | collective buffers | collective bytes / step | wire bytes / "
                  "step | modelled step (compute + collectives) | partition (CPU, max RSS) |")
            print("|---" * 11 + "|")
            for v in VARIANTS:
                print(row(*v, figures(bin_dir, work, *v)), flush=True)
            return 0
        s = figures(bin_dir, work, "64B/64E", "2d-full", "layer")
    peak, p = s["peak_bytes_per_device"], s["partition"]
    print(f"64B/64E 2d-full remat on {MESH}: peak {peak / GIB:.2f} GiB per device "
          f"({json.dumps({k: round(v / GIB, 2) for k, v in s['peak_breakdown'].items()})}); "
          f"modelled step {s['modelled_step']['seconds']:.2f} s; partitioning "
          f"{p['wall']:.1f} s wall, {p['cpu']:.1f} s CPU, max RSS {p['rss'] / (1 << 20):.0f} MiB")
    ok = True
    if peak > 32 * GIB:
        print(f"FAIL: peak {peak} bytes > 32 GiB")
        ok = False
    if p["rss"] > 2 * GIB:
        print(f"FAIL: partitioning max RSS {p['rss']} bytes > 2 GiB")
        ok = False
    if ok:
        print("PASS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
