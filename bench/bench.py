#!/usr/bin/env python3
"""bench.py: the driver behind bench/run: measures Partita's performance targets (issue 7) in one run.

Everything is measured in this run, on this machine: nothing is read from earlier runs. It
builds a small GLaM configuration with partita-glam, then

  * checks Partita's loss and aux loss against PyTorch (bench/torch_glam.py) and JAX
    (bench/jax_glam.py) on the inputs partita-run writes;
  * checks the Adafactor training step against optax.adafactor, 1 and 10 steps
    (tests/train/adafactor_optax.py);
  * times one forward pass: Partita (bench partita-step: 1 rank; 2 MPI ranks on data=2),
    PyTorch with 1 intra-op thread and OpenBLAS on 1 thread, XLA:CPU on 1 device/1 thread;
  * times every distinct einsum of the 1-rank program against an Eigen GEMM (partita-step
    --einsums) and an OpenBLAS SGEMM (bench/openblas_gemm.py) of the same sizes, and in bf16
    against f32;
  * JIT compile time, cold (empty cache) and from the cache; peak RSS against the live set;
  * collectives of the MoE layer and of the model on a 2x2 mesh against XLA's on the same
    layout (both of XLA's partitioners, Shardy and GSPMD; the rows take the better one), and
    against the analytic minimum of the MoE layer;
  * partitioner scale: bench partition-scale and GLaM 64B/64E on 16, 1024 and 65536 devices;
    the 64B/64E training step of the paper's run (2d-full, remat, bf16, batch 1024 x 1024)
    on 1024 devices: partitioning time and RSS, and its modelled per-device peak;
  * the training step (partita-glam --train: forward, backward, Adafactor): partita-train's
    step time on 1 rank and on 2 ranks (data=2) against PyTorch (autograd and a hand-written
    Adafactor, checked against optax) and JAX (jax.grad + optax.adafactor), 1 thread each,
    and partita-step's peak RSS on the step program against its live set (parameters,
    optimizer state, batch and saved activations, read off the program); --train-only runs
    just this part;
  * decoding (partita-glam --decode, batch 1): partita-generate's decode tokens/s and time to
    first token against PyTorch with a KV cache (bench/torch_glam_decode.py, same weights,
    greedy, 1 thread; its tokens and first logits must be Partita's), and under mpirun on 2
    ranks (model=2); the FLOPs per token of @decode_step for GLaM models beside dense models
    of equal activated and of equal total size, and 64B/64E beside GPT-3 175B;
    --decode-only runs just this part;
  * overlapped collectives: time blocked in collectives per step (partita-step --comm-profile)
    with blocking and with async collectives (--async-collectives), on 2 ranks (data=2) and 4
    ranks (data=2,model=2, oversubscribed), with the step time and a bitwise check of the
    losses; --async-only runs just this part (by hand: bench.py --async-only --bin BUILD/bin
    --work DIR --venv-python python3 --mpirun mpirun);

and prints a table of target, measured value and PASS/MISS. It is started by bench/run, which
installs what it needs; run that, not this file.
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time

from benchlib import main_args, step_live_set, wire_bytes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")

FULL = dict(layers=4, d_model=512, ffn=2048, heads=8, head_dim=64, experts=8, vocab=8192,
            seq=256, batch=8)
# XLA:CPU (jax 0.10) runs its thunks on a thread pool whatever its thread flags say (a
# "1-thread" forward took 1.62 s of CPU in 0.90 s of wall): its single-threaded runs are
# pinned to one core, so that its wall time is one core's, as Partita's and PyTorch's are.
ONE_CORE = ["taskset", "-c", "0"]
QUICK = dict(layers=2, d_model=128, ffn=512, heads=4, head_dim=32, experts=8, vocab=1024,
             seq=64, batch=4)


def fail(msg):
    print(f"bench: error: {msg}", file=sys.stderr)
    sys.exit(1)


class Runner:
    def __init__(self, args):
        self.bin = args.bin
        self.work = args.work
        self.venv_python = args.venv_python
        self.mpirun = args.mpirun
        self.log = open(os.path.join(self.work, "bench.log"), "w")

    def run(self, cmd, env=None, stdout_path=None, what=None):
        """Runs cmd (a list); returns its stdout. Fails with its stderr on a non-zero exit."""
        self.log.write("$ " + " ".join(cmd) + "\n")
        self.log.flush()
        e = dict(os.environ)
        if env:
            e.update(env)
        t0 = time.time()
        try:
            # errors="replace": partita-generate prints the bytes a model picks, UTF-8 or not.
            p = subprocess.run(cmd, env=e, cwd=self.work, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, errors="replace")
        except OSError as err:
            fail(f"cannot run {cmd[0]}: {err}")
        self.log.write(p.stdout[-20000:] + p.stderr[-20000:] + f"[{time.time() - t0:.1f} s]\n")
        self.log.flush()
        if p.returncode != 0:
            fail(f"{what or os.path.basename(cmd[0])} failed (exit {p.returncode}):\n"
                 f"  {' '.join(cmd)}\n{p.stderr.strip()[-3000:]}")
        if stdout_path:
            with open(os.path.join(self.work, stdout_path), "w") as f:
                f.write(p.stdout)
        return p.stdout

    def tool(self, name):
        return os.path.join(self.bin, name)

    def json_of(self, cmd, **kw):
        out = self.run(cmd, **kw)
        try:
            return json.loads(out)
        except ValueError:
            fail(f"{' '.join(cmd)} did not print JSON:\n{out[-2000:]}")


def cpu_has(flag):
    """Whether /proc/cpuinfo lists `flag` (False where there is no such file)."""
    try:
        with open("/proc/cpuinfo") as f:
            return any(flag in line.split() for line in f if line.startswith("flags"))
    except OSError:
        return False


def glam_flags(cfg):
    return ["--config", "1.7B/64E", "--layers", str(cfg["layers"]), "--d-model", str(cfg["d_model"]),
            "--ffn", str(cfg["ffn"]), "--heads", str(cfg["heads"]), "--head-dim",
            str(cfg["head_dim"]), "--experts", str(cfg["experts"]), "--vocab", str(cfg["vocab"]),
            "--seq", str(cfg["seq"]), "--batch", str(cfg["batch"])]


def time_and_rss(r, cmd):
    r.log.write("$ /usr/bin/time " + " ".join(cmd) + "\n")
    try:
        p = subprocess.run(["/usr/bin/time", "-f", "TIME %e %U %S %M"] + cmd, cwd=r.work,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    except OSError as err:
        fail(f"cannot run /usr/bin/time: {err} (apt-get install time)")
    if p.returncode != 0:
        fail(f"{' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    m = re.search(r"TIME ([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9]+)", p.stderr)
    r.log.write(p.stderr[-2000:] + "\n")
    return float(m.group(1)), float(m.group(2)) + float(m.group(3)), int(m.group(4))


def moe_minimum(cfg, d, m):
    """Analytic minimum of the MoE layer's collectives on a data=d x model=m mesh in the
    GShard 2D layout (operand bytes per device, f32), by kind@axes; see docs/performance.md."""
    e, g, mm = cfg["experts"], cfg["groups"], cfg["d_model"]
    s = cfg["batch"] * cfg["seq"] // g
    c = cfg["capacity"]
    egcm_local = e * g * c * mm * 4 // (d * m)  # one device's [E,G,C,M] shard
    need = {}
    if d > 1:
        need["all_to_all@data"] = 2 * egcm_local  # dispatch and combine
        need["all_reduce@data"] = 4  # the aux-loss scalar
    if m > 1:
        need["all_reduce@model"] = g // d * s * e * 4  # gate logits contract model-split M
        need["all_gather@model"] = egcm_local  # experts' wi contracts all of M
        need["reduce_scatter@model"] = egcm_local * m  # wo contracts model-split H
    return need


def print_table(rows):
    w = [max(len(str(x[i])) for x in rows) for i in range(4)]
    hdr = ("target", "goal", "measured", "")
    w = [max(w[i], len(hdr[i])) for i in range(4)]
    print(f"{hdr[0]:{w[0]}}  {hdr[1]:{w[1]}}  {hdr[2]:>{w[2]}}  {'':{w[3]}}  detail")
    for name, target, measured, status, note in rows:
        print(f"{name:{w[0]}}  {target:{w[1]}}  {measured:>{w[2]}}  {status:{w[3]}}  {note}")


def fmt_bytes(b):
    return f"{b / 2**20:.2f} MiB"


def train_bench(r, args, cfgdims, reps, rounds, mpirun, step, row):
    """The training-step part of the table (docs/performance.md#the-training-step); adds its
    rows with `row` and returns its raw figures."""
    res = {}
    g = glam_flags(cfgdims)
    step("building the training-step programs (partita-glam --train, 1 rank and data=2)")
    r.run([r.tool("partita-glam")] + g + ["--train", "-o", "train1.pir"])
    r.run([r.tool("partita-glam")] + g + ["--train", "--mesh", "data=2", "-o", "train2.pir"])
    r.run([r.tool("partita-glam")] + g + ["-o", "glam1.pir"])
    r.run([r.tool("partita-glam")] + g + ["-o", "/dev/null", "--stats-json=config.json"])
    with open(os.path.join(args.work, "train1.pir")) as f:
        text = f.read()
    live = step_live_set(text)
    res["live_set"] = live
    # The same parameters for PyTorch and JAX: the forward program's generated inputs.
    inputs = os.path.join(args.work, "train-inputs")
    shutil.rmtree(inputs, ignore_errors=True)
    cache = os.path.join(args.work, "jit-cache")
    r.run([r.tool("partita-run"), "glam1.pir", "--outputs", inputs, "--save-inputs",
           "--cache-dir", cache])
    # Packed training text: the repository's docs, documents split at blank lines.
    data = os.path.join(args.work, "train.txt")
    docs = os.path.join(ROOT, "docs")
    with open(data, "w") as out:
        for name in sorted(os.listdir(docs)):
            if name.endswith(".md"):
                with open(os.path.join(docs, name)) as f:
                    out.write(f.read() + "\n\n")

    one_thread = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    torch_step = os.path.join(args.work, "torch-step")

    def torch_run(k):
        step(f"PyTorch training step (autograd + hand-written Adafactor), 1 thread: {reps} step(s)")
        r.run([sys.executable, os.path.join(BENCH, "torch_glam.py"), "--inputs", inputs,
               "--config-json", "config.json", "--threads", "1", "--reps", str(reps), "--train",
               "--save-step", torch_step, "--json", f"torch_train{k}.json"], env=one_thread,
              what="the PyTorch training step")
        with open(os.path.join(args.work, f"torch_train{k}.json")) as f:
            return json.load(f)

    # Partita's step sees the same inputs: the forward's parameters and batch, zero optimizer
    # state, step 0, and one document per row (segment 1, positions 0..S-1), for which the
    # packed model computes what the unpacked PyTorch and JAX models compute.
    import numpy as np
    step_in = os.path.join(args.work, "train-step-inputs")
    shutil.rmtree(step_in, ignore_errors=True)
    os.makedirs(step_in)
    for name, t, attrs in main_args(text):
        dst = os.path.join(step_in, name + ".npy")
        shape = [int(d) for d in t[t.index("[") + 1:-1].split(",") if d.strip()]
        if "train.state" in attrs:
            np.save(dst, np.zeros(shape, np.float32))
        elif "train.step" in attrs:
            np.save(dst, np.int32(0))
        elif name == "segments":
            np.save(dst, np.ones(shape, np.int32))
        elif name == "positions":
            np.save(dst, np.broadcast_to(np.arange(shape[1], dtype=np.int32), shape))
        else:
            os.symlink(os.path.join(inputs, name + ".npy"), dst)

    def partita_run(ranks):
        step(f"Partita training step, {ranks} rank(s) x 1 thread (partita-step): {reps} step(s)")
        cmd = [r.tool("partita-step"), f"train{ranks}.pir", "--inputs", step_in, "--cache-dir",
               cache, "--reps", str(reps)]
        if ranks > 1:
            cmd = mpirun + ["-np", str(ranks), "-x", "PARTITA_THREADS=1"] + cmd
        return r.json_of(cmd, env={"PARTITA_THREADS": "1"}, what="partita-step")

    torch_res = torch_run(1)
    step(f"JAX training step (jax.grad + optax.adafactor), 1 device, 1 thread: {reps} step(s); "
         "checks PyTorch's Adafactor step against optax")
    r.run(ONE_CORE + [args.venv_python, os.path.join(BENCH, "jax_glam.py"), "train", "--config-json",
           "config.json", "--inputs", inputs, "--reps", str(reps), "--torch-step", torch_step,
           "--json", "jax_train.json"], env=one_thread, what="the JAX training step")
    with open(os.path.join(args.work, "jax_train.json")) as f:
        jax_res = json.load(f)
    p1 = partita_run(1)
    p2 = partita_run(2)
    # A shared machine: further rounds take turns, and each side keeps its best step.
    for k in range(2, rounds + 1):
        again = torch_run(k)
        torch_res["step_s"] += again["step_s"]
        torch_res["cpu_s"] += again["cpu_s"]
        again = partita_run(1)
        p1["step_s"] += again["step_s"]
        p1["step_cpu_us"] = [min(p1["step_cpu_us"][0], again["step_cpu_us"][0])]
        again = partita_run(2)
        p2["step_s"] += again["step_s"]
    for d in (torch_res, p1, p2):
        d["step_best_s"] = min(d["step_s"])
        d["step_median_s"] = sorted(d["step_s"])[len(d["step_s"]) // 2]
    torch_res["cpu_best_s"] = min(torch_res["cpu_s"])

    # partita-train on packed text: the product's loop (batch packing included), whole
    # process under /usr/bin/time for its peak RSS.
    step(f"partita-train on packed text, 1 rank x 1 thread: {reps + 1} steps")
    log = os.path.join(args.work, "train1.log")
    if os.path.exists(log):
        os.remove(log)
    t_proc = time_and_rss(r, [r.tool("partita-train"), "train1.pir", "--data", data, "--steps",
                              str(reps + 1), "--log", log, "--cache-dir", cache, "--no-progress",
                              "--threads", "1"])
    with open(log) as f:
        tl = [json.loads(x) for x in f if x.strip()]
    ptrain = {"step_s": [x["time"] for x in tl[1:]] or [tl[0]["time"]],
              "losses": [x["loss"] for x in tl]}
    ptrain["step_best_s"] = min(ptrain["step_s"])
    mem = p1
    res.update(torch=torch_res, jax=jax_res, partita_1=p1, partita_2=p2, partita_train=ptrain,
               partita_train_process=dict(wall_s=t_proc[0], cpu_s=t_proc[1], rss_kib=t_proc[2]))

    t_torch, t_jax, t1, t2 = (torch_res["step_best_s"], jax_res["step_best_s"], p1["step_best_s"],
                              p2["step_best_s"])
    rss = max(mem["rss_run_peak_kib"]) * 1024
    base = max(mem["rss_after_compile_kib"]) * 1024
    planned = mem["arg_bytes"] + mem["workspace_bytes"] + mem["result_bytes"]
    # Single-threaded sides are compared by CPU time (a loaded machine stretches wall time).
    c1, c_torch, c_jax = p1["step_cpu_us"][0] / 1e6, torch_res["cpu_best_s"], jax_res["cpu_best_s"]
    row("training step: Partita 1 rank / PyTorch (1 thread, CPU s)", "<= 0.8x",
        f"{c1 / c_torch:.2f}x", c1 / c_torch <= 0.8,
        f"CPU {c1:.3f} s vs {c_torch:.3f} s; wall {t1:.3f} s vs {t_torch:.3f} s")
    row("training step: Partita 1 rank / JAX (1 thread, CPU s)", "-", f"{c1 / c_jax:.2f}x", None,
        f"CPU {c1:.3f} s vs {c_jax:.3f} s; wall {t1:.3f} s vs {t_jax:.3f} s")
    row("training step: 2 ranks (data=2) speedup over 1 rank", "-", f"{t1 / t2:.2f}x", None,
        f"wall {t2:.3f} s vs {t1:.3f} s; CPU s per rank "
        + ", ".join(f"{c / 1e6:.3f}" for c in p2["step_cpu_us"]))
    row("training step: partita-train on packed text (wall)", "-",
        f"{ptrain['step_best_s']:.3f} s", None,
        f"losses {' '.join(f'{x:.4f}' for x in ptrain['losses'])}")
    row("training step: peak RSS / live set, 1 rank", "<= 1.5x", f"{rss / live['total']:.2f}x",
        rss / live["total"] <= 1.5,
        f"{fmt_bytes(rss)} vs {fmt_bytes(live['total'])} (params {fmt_bytes(live['params'])}, "
        f"state {fmt_bytes(live['state'])}, saved {fmt_bytes(live['saved'])} in "
        f"{live['saved_values']} values); {fmt_bytes(base)} before buffers; runtime plan "
        f"{fmt_bytes(planned)}; partita-train process {fmt_bytes(t_proc[2] * 1024)}")
    lt, lp, l2 = torch_res["losses"][0], p1["scalar_results"][0], p2["scalar_results"][0]
    agree = abs(lp - lt) <= 1e-4 * (1 + abs(lt)) and abs(l2 - lt) <= 1e-4 * (1 + abs(lt))
    row("training step loss: Partita (1, 2 ranks) = PyTorch", "1e-4 rel",
        "PASS" if agree else "FAIL", agree, f"{lp:.6f}, {l2:.6f} vs {lt:.6f}")
    ok = jax_res.get("check") == "PASS"
    row("training step: PyTorch Adafactor = optax (losses)", "1e-4, 1e-3 rel",
        jax_res.get("check", "?"), ok,
        f"{' '.join(f'{x:.6f}' for x in torch_res['losses'][:reps + 1])} vs JAX "
        f"{' '.join(f'{x:.6f}' for x in jax_res['losses'][:reps + 1])}; first update rel L2 "
        f"diff {jax_res.get('torch_update_rel_err', float('nan')):.1e}")
    return res


# The decode rows' prompt (bytes; partita-generate adds the BOS): its first seq/8 bytes.
DECODE_PROMPT = ("Partita partitions tensor programs over a mesh of CPUs and runs them under "
                 "MPI; GLaM routes every token to two of its experts.")


def dense_ffn_width(cfg, what):
    """The --ffn of the dense peer of an MoE configuration (docs/inference.md#figures): every
    layer a GLU feed-forward (3 M H parameters, all activated) whose width makes the dense
    model's FFN parameters, summed over the layers, equal the MoE model's activated ones
    (what="activated": two experts of 2 M H each, plus the M E gate, per MoE layer) or all of
    them (what="total": E experts plus the gate). Attention and embedding are the same."""
    l, lm, h, e = cfg["layers"], cfg["moe_layers"], cfg["ffn"], cfg["experts"]
    per_moe = 2 * 2 * h + e if what == "activated" else e * 2 * h + e  # in units of M
    return round(((l - lm) * 3 * h + lm * per_moe) / (3 * l))


def decode_flops(r, step, row, bench_flags):
    """Per-token FLOPs of @decode_step (partita-glam --decode --stats-json) for MoE models
    beside their dense peers of equal activated and of equal total size; returns the table."""
    seq = 1024
    # GPT-3 175B in the GLaM builder: its FFN of width 4 M with 2 matrices has the parameters
    # of a GLU of width 8/3 M with 3 (32768 = 8/3 * 12288); 96 layers of 96 heads of 128.
    gpt3 = ["--config", "137B", "--layers", "96", "--d-model", "12288", "--ffn", "32768",
            "--heads", "96", "--head-dim", "128", "--vocab", "50257", "--experts", "0"]
    models = [("GLaM bench model", bench_flags), ("GLaM 1.7B/64E", ["--config", "1.7B/64E"]),
              ("GLaM 64B/64E", ["--config", "64B/64E"])]
    step(f"decode FLOPs per token (partita-glam --decode --stats-json, cache of {seq} slots, "
         "batch 1): GLaM models, their dense peers of equal activated and total size, GPT-3")

    made = []

    def stats(flags, name):
        path = f"decode-flops-{len(made)}.json"
        made.append(path)
        t0 = time.time()
        r.run([r.tool("partita-glam")] + flags + ["--seq", str(seq), "--batch", "1", "--decode",
                                                   "-o", "/dev/null", f"--stats-json={path}"])
        with open(os.path.join(r.work, path)) as f:
            st = json.load(f)
        st["name"], st["build_s"] = name, time.time() - t0
        return st

    table = []
    for name, flags in models:
        moe = stats(flags, name)
        table.append(moe)
        for what in ("activated", "total"):
            width = dense_ffn_width(moe, what)
            dense = stats(flags + ["--experts", "0", "--ffn", str(width)],
                          f"  dense, equal {what} size (ffn {width})")
            key = "activated_params" if what == "activated" else "params"
            # The peer's definition holds only if its parameters match (to the rounding of
            # the width); anything else is a bug in dense_ffn_width or the builder.
            if abs(dense[key] - moe[key]) > 0.002 * moe[key]:
                fail(f"the dense peer of {name} has {dense[key]} {key}, the MoE model "
                     f"{moe[key]}: it is not of equal {what} size")
            dense["ratio"] = moe["decode_flops_per_token"] / dense["decode_flops_per_token"]
            table.append(dense)
        if name == "GLaM 64B/64E":
            g = stats(gpt3, "  GPT-3 175B (dense)")
            g["ratio"] = moe["decode_flops_per_token"] / g["decode_flops_per_token"]
            table.append(g)
    by = {t["name"]: t for t in table}
    for name, _ in models:
        moe = by[name]
        act = next(t for t in table[table.index(moe) + 1:] if "activated" in t["name"])
        tot = next(t for t in table[table.index(moe) + 1:] if "total" in t["name"])
        row(f"decode FLOP/token: {name[5:]} / dense of equal activated size", "-",
            f"{act['ratio']:.2f}x", None,
            f"{moe['decode_flops_per_token'] / 1e9:.3g} vs {act['decode_flops_per_token'] / 1e9:.3g}"
            f" GFLOP; activated params {moe['activated_params'] / 1e9:.3g}B vs "
            f"{act['activated_params'] / 1e9:.3g}B")
        row(f"decode FLOP/token: {name[5:]} / dense of equal total size", "-",
            f"{tot['ratio']:.3f}x", None,
            f"{moe['decode_flops_per_token'] / 1e9:.3g} vs {tot['decode_flops_per_token'] / 1e9:.4g}"
            f" GFLOP; params {moe['params'] / 1e9:.3g}B")
    g = by["  GPT-3 175B (dense)"]
    row("decode FLOP/token: 64B/64E / GPT-3 175B (paper: ~0.5x)", "~0.5x", f"{g['ratio']:.2f}x",
        0.4 <= g["ratio"] <= 0.6,
        f"{by['GLaM 64B/64E']['decode_flops_per_token'] / 1e9:.0f} vs "
        f"{g['decode_flops_per_token'] / 1e9:.0f} GFLOP (paper: 180 vs 350); GPT-3 params "
        f"{g['params'] / 1e9:.1f}B")
    return table


def print_flops_table(table):
    print(f"  {'model':44s} {'params':>9s} {'activated':>9s} {'decode GFLOP/token':>18s} "
          f"{'MoE / this':>10s} {'build s':>7s}")
    for t in table:
        ratio = f"{t['ratio']:.3f}x" if "ratio" in t else ""
        print(f"  {t['name']:44s} {t['params'] / 1e9:8.3f}B {t['activated_params'] / 1e9:8.3f}B "
              f"{t['decode_flops_per_token'] / 1e9:18.4f} {ratio:>10s} {t['build_s']:7.2f}")


def decode_bench(r, args, cfgdims, reps, rounds, mpirun, step, row):
    """The decode rows (docs/inference.md#figures): partita-generate against PyTorch with a KV
    cache (bench/torch_glam_decode.py), same model and weights, 1 thread, greedy; and under
    mpirun on 2 ranks (model=2); then the decode FLOPs per token. Returns the raw figures."""
    res = {}
    dims = dict(cfgdims, batch=1)  # one prompt: the latency case
    g = glam_flags(dims)
    seq = dims["seq"]
    prompt = DECODE_PROMPT[:seq // 8]
    new = seq - (len(prompt) + 1) + 1  # fill the cache
    step(f"decode: building the serving modules (partita-glam --decode, 1 rank and model=2), "
         f"prompt {len(prompt) + 1} tokens, {new} new tokens")
    r.run([r.tool("partita-glam")] + g + ["--decode", "-o", "serve1.pir",
                                          "--stats-json=serve.json"])
    r.run([r.tool("partita-glam")] + g + ["--decode", "--mesh", "model=2", "-o", "serve2.pir"])
    with open(os.path.join(r.work, "serve.json")) as f:
        res["config"] = json.load(f)
    # Weights: partita-run's random parameters, with random relative position biases and
    # norm scales instead of zeros and ones, so that both sides must get those right too.
    import numpy as np
    wdir = os.path.join(r.work, "serve-weights")
    shutil.rmtree(wdir, ignore_errors=True)
    cache = os.path.join(r.work, "jit-cache")
    r.run([r.tool("partita-run"), "serve1.pir", "--outputs", wdir, "--save-inputs",
           "--cache-dir", cache])
    rng = np.random.default_rng(14)
    for name in sorted(os.listdir(wdir)):
        path = os.path.join(wdir, name)
        if name.endswith("rel_bias.npy"):
            a = np.load(path)
            np.save(path, rng.normal(0.0, 1.0, a.shape).astype(np.float32))
        elif name.endswith(".scale.npy"):
            a = np.load(path)
            np.save(path, (1.0 + 0.2 * rng.normal(0.0, 1.0, a.shape)).astype(np.float32))

    gen = ["--weights", wdir, "--prompt", prompt, "--max-new-tokens", str(new), "--ignore-eos",
           "--cache-dir", cache]
    one_thread = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    p1, p2, torch_runs = [], [], []
    for k in range(1, rounds + 1):
        step(f"decode round {k}/{rounds}: partita-generate 1 rank x 1 thread")
        r.run([r.tool("partita-generate"), "serve1.pir"] + gen + [f"--stats-json=gen1-{k}.json"],
              env={"PARTITA_THREADS": "1"}, what="partita-generate")
        with open(os.path.join(r.work, f"gen1-{k}.json")) as f:
            p1.append(json.load(f))
        step(f"decode round {k}/{rounds}: PyTorch with a KV cache, 1 thread, {reps + 1} "
             "generations (the first cold); checks tokens and first logits against Partita")
        r.run([sys.executable, os.path.join(BENCH, "torch_glam_decode.py"), "--weights", wdir,
               "--config-json", "serve.json", "--prompt", prompt, "--max-new-tokens", str(new),
               "--ignore-eos", "--threads", "1", "--reps", str(reps + 1), "--partita-stats",
               f"gen1-{k}.json", "--json", f"torch-decode-{k}.json"], env=one_thread,
              what="the PyTorch decode check")
        with open(os.path.join(r.work, f"torch-decode-{k}.json")) as f:
            torch_runs.append(json.load(f))
        step(f"decode round {k}/{rounds}: partita-generate under mpirun -np 2 (model=2)")
        r.run(mpirun + ["-np", "2", "-x", "PARTITA_THREADS=1", r.tool("partita-generate"),
                        "serve2.pir"] + gen + [f"--stats-json=gen2-{k}.json"],
              env={"PARTITA_THREADS": "1"}, what="partita-generate under mpirun")
        with open(os.path.join(r.work, f"gen2-{k}.json")) as f:
            p2.append(json.load(f))
    res.update(partita_1=p1, partita_2=p2, torch=torch_runs)

    # Single-threaded sides are compared by process CPU time, as the forward pass is: a busy
    # machine stretches wall time. Wall figures are printed beside them. PyTorch's warm
    # generations (after one in the same process) are its best case; Partita's figures are
    # each process's only generation, right after loading the weights and compiling.
    steps = p1[0]["decode_steps"]
    tps1 = steps / min(x["decode_cpu_s"] for x in p1)
    tps1_wall = steps / min(x["decode_s"] for x in p1)
    ttft1 = min(x["time_to_first_token_cpu_s"] for x in p1)
    ttft1_wall = min(x["time_to_first_token_s"] for x in p1)
    t_tps = steps / min(x["warm_best"]["decode_cpu_s"] for x in torch_runs)
    t_tps_wall = steps / min(x["warm_best"]["decode_s"] for x in torch_runs)
    t_ttft = min(x["warm_best"]["ttft_cpu_s"] for x in torch_runs)
    t_ttft_wall = min(x["warm_best"]["ttft_s"] for x in torch_runs)
    t_cold_tps = steps / min(x["cold"]["decode_cpu_s"] for x in torch_runs)
    t_cold_ttft = min(x["cold"]["ttft_cpu_s"] for x in torch_runs)
    tps2 = steps / min(x["decode_s"] for x in p2)
    ttft2 = min(x["time_to_first_token_s"] for x in p2)
    res["summary"] = dict(steps=steps, partita_tokens_per_cpu_s=tps1, partita_tokens_per_s=tps1_wall,
                          partita_ttft_cpu_s=ttft1, partita_ttft_s=ttft1_wall,
                          torch_tokens_per_cpu_s=t_tps, torch_tokens_per_s=t_tps_wall,
                          torch_ttft_cpu_s=t_ttft, torch_ttft_s=t_ttft_wall,
                          torch_cold_tokens_per_cpu_s=t_cold_tps, torch_cold_ttft_cpu_s=t_cold_ttft,
                          partita_2_tokens_per_s=tps2, partita_2_ttft_s=ttft2)
    row("decode tokens/s: Partita 1 rank / PyTorch (1 thread, CPU s)", "-", f"{tps1 / t_tps:.2f}x",
        None, f"{tps1:.1f} vs {t_tps:.1f} tokens per CPU s over {steps} steps; wall {tps1_wall:.1f}"
        f" vs {t_tps_wall:.1f} tokens/s (PyTorch's first generation in its process: "
        f"{t_cold_tps:.1f} per CPU s)")
    row("time to first token: Partita 1 rank / PyTorch (CPU s)", "-", f"{ttft1 / t_ttft:.2f}x",
        None, f"{ttft1 * 1e3:.1f} vs {t_ttft * 1e3:.1f} ms CPU, prompt {p1[0]['prompt_tokens']} "
        f"tokens; wall {ttft1_wall * 1e3:.1f} vs {t_ttft_wall * 1e3:.1f} ms (PyTorch's first "
        f"generation: {t_cold_ttft * 1e3:.1f} ms CPU)")
    row("decode tokens/s: Partita 2 ranks (model=2) / 1 rank (wall)", "-",
        f"{tps2 / tps1_wall:.2f}x", None,
        f"{tps2:.1f} vs {tps1_wall:.1f} tokens/s; time to first token {ttft2 * 1e3:.1f} vs "
        f"{ttft1_wall * 1e3:.1f} ms; KV cache {p2[0]['kv_cache_bytes_per_device']} vs "
        f"{p1[0]['kv_cache_bytes_per_device']} bytes per device")
    ok = all(t.get("check") == "PASS" for t in torch_runs)
    diff = max(t.get("first_logits_max_abs_diff", float("nan")) for t in torch_runs)
    row("decode: PyTorch greedy tokens = Partita's", "equal", "PASS" if ok else "FAIL", ok,
        f"{len(p1[0]['tokens'])} tokens; first logits max |diff| {diff:.2g}")
    same = all(x["tokens"] == p1[0]["tokens"] for x in p1 + p2)
    row("decode: 2 ranks' tokens = 1 rank's", "equal", "PASS" if same else "FAIL", same)
    res["flops"] = decode_flops(r, step, row, g)
    return res


def async_bench(r, cfgdims, reps, mpirun, step, row):
    """Time blocked in collectives per step, blocking against async collectives (partita-step
    --comm-profile, with and without --async-collectives): bench/async_overlap.pir on 2 ranks
    (an exchange with independent compute beside it), GLaM on 2 ranks (mesh data=2) and on 4
    ranks (data=2,model=2, oversubscribed on fewer cores); docs/performance.md, "Overlapping
    collectives". Each rank has 1 kernel thread. Returns the measured figures."""
    g = glam_flags(cfgdims)
    cache = os.path.join(r.work, "jit-cache")
    p1 = {"PARTITA_THREADS": "1"}
    res = {}
    overlap = os.path.join(BENCH, "async_overlap.pir")
    for ranks, mesh in ((2, "overlap"), (2, "data=2"), (4, "data=2,model=2")):
        prog = overlap if mesh == "overlap" else f"glam{ranks}.pir"
        if mesh != "overlap" and not os.path.exists(os.path.join(r.work, prog)):
            r.run([r.tool("partita-glam")] + g + ["--mesh", mesh, "-o", prog])
        got = {}
        for mode, extra in (("blocking", []), ("async", ["--async-collectives"])):
            step(f"Partita {ranks} ranks ({mesh}), {mode} collectives: {reps} step(s) with "
                 "--comm-profile")
            got[mode] = r.json_of(mpirun + ["-np", str(ranks), "-x", "PARTITA_THREADS=1",
                                            r.tool("partita-step"), prog, "--cache-dir", cache,
                                            "--reps", str(reps), "--comm-profile"] + extra,
                                  env=p1, what="partita-step under mpirun")
        b, a = got["blocking"], got["async"]
        wait_b, wait_a = max(b["waiting_ms_per_step"]), max(a["waiting_ms_per_step"])
        what = "bench/async_overlap.pir" if mesh == "overlap" else f"GLaM {mesh}"
        res["overlap" if mesh == "overlap" else f"glam{ranks}"] = {"blocking": b, "async": a}
        row(f"waiting in collectives per step, {ranks} ranks ({what})", "lower async",
            f"{wait_b:.1f} -> {wait_a:.1f} ms", wait_a < wait_b,
            f"busiest rank; blocking {' '.join(f'{x:.1f}' for x in b['waiting_ms_per_step'])}, "
            f"async awaits {' '.join(f'{x:.1f}' for x in a['await_ms_per_step'])} + starts "
            f"{' '.join(f'{x:.1f}' for x in a['start_ms_per_step'])} ms")
        row(f"step with async collectives, {ranks} ranks ({what})", "info",
            f"{b['step_best_s']:.3f} -> {a['step_best_s']:.3f} s", None,
            f"best of {reps}; workspace {fmt_bytes(b['workspace_bytes'])} -> "
            f"{fmt_bytes(a['workspace_bytes'])}")
        if mesh != "overlap":  # the microbenchmark has no scalar results to compare
            same = b["scalar_results"] == a["scalar_results"]
            row(f"async collectives: same loss and aux loss, {ranks} ranks ({what})",
                "bitwise", "same" if same else "differ", same,
                f"{' '.join(repr(x) for x in a['scalar_results'])}")
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small model, one repetition (smoke run)")
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--venv-python", required=True)
    ap.add_argument("--mpirun", required=True)
    ap.add_argument("--reps", type=int, help="timed forward passes per system (default 3, quick 1)")
    ap.add_argument("--rounds", type=int,
                    help="alternating rounds of the timed runs (default 2, quick 1)")
    ap.add_argument("--train-only", action="store_true",
                    help="only the training-step rows (partita-train, PyTorch, JAX)")
    ap.add_argument("--decode-only", action="store_true",
                    help="only the decode rows (partita-generate, PyTorch with a KV cache) and "
                    "the decode FLOPs per token")
    ap.add_argument("--async-only", action="store_true",
                    help="only the rows of time waiting in collectives, blocking vs async "
                         "(2 and 4 ranks)")
    args = ap.parse_args()
    if args.train_only + args.decode_only + args.async_only > 1:
        fail("--train-only, --decode-only and --async-only exclude each other")
    if not shutil.which(ONE_CORE[0]):
        fail("taskset (util-linux) is missing: it pins XLA's single-threaded runs to one core")
    os.makedirs(args.work, exist_ok=True)
    r = Runner(args)
    cfgdims = QUICK if args.quick else FULL
    reps = args.reps or (1 if args.quick else 3)
    rounds = args.rounds or (1 if args.quick else 2)
    mpirun = [args.mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]
    results = {"mode": "quick" if args.quick else "full", "reps": reps,
               "load_before": os.getloadavg()}
    t_start = time.time()

    def step(msg):
        print(f"[{time.time() - t_start:6.1f} s] {msg}", flush=True)

    rows = []

    def row(name, target, measured, ok, note=""):
        rows.append((name, target, measured, "PASS" if ok else "MISS" if ok is not None else "info",
                     note))

    def finish_partial():
        """The end of a --*-only run: its rows and results.json."""
        print_table(rows)
        with open(os.path.join(args.work, "results.json"), "w") as f:
            json.dump(results, f, indent=1, default=str)

    if args.decode_only:
        results["decode"] = decode_bench(r, args, cfgdims, reps, rounds, mpirun, step, row)
        results["load_after"] = os.getloadavg()
        print("\ndecode FLOPs per token of @decode_step (cache of 1024 slots, batch 1; f32)")
        print_flops_table(results["decode"]["flops"])
        c = results["decode"]["config"]
        print(f"\ndecoding GLaM {' '.join(f'{k}={v}' for k, v in cfgdims.items() if k != 'batch')}"
              f" batch=1 ({c['params'] / 1e6:.1f}M params, {c['activated_params'] / 1e6:.1f}M "
              f"activated); best of {rounds} round(s), PyTorch {reps} warm generation(s) per "
              f"round; 1 thread per rank; load average {results['load_before'][0]:.2f} before, "
              f"{results['load_after'][0]:.2f} after")
        return finish_partial()
    if args.async_only:
        results["async"] = async_bench(r, cfgdims, reps, mpirun, step, row)
        results["load_after"] = os.getloadavg()
        print(f"\nGLaM {' '.join(f'{k}={v}' for k, v in cfgdims.items())}; {reps} step(s) after "
              f"a warm-up, 1 thread per rank; load average {results['load_before'][0]:.2f} "
              f"before, {results['load_after'][0]:.2f} after")
        return finish_partial()

    if args.train_only:
        results["train"] = train_bench(r, args, cfgdims, reps, rounds, mpirun, step, row)
        results["load_after"] = os.getloadavg()
        print(f"\ntraining step of GLaM {' '.join(f'{k}={v}' for k, v in cfgdims.items())}; best "
              f"of {reps} step(s) per round after a warm-up step, {rounds} round(s); 1 thread per "
              f"rank; load average {results['load_before'][0]:.2f} before, "
              f"{results['load_after'][0]:.2f} after")
        return finish_partial()

    # ---- programs ----
    step("building the GLaM programs (partita-glam, partita-opt)")
    g = glam_flags(cfgdims)
    r.run([r.tool("partita-glam")] + g + ["-o", "glam1.pir"])
    r.run([r.tool("partita-glam")] + g + ["-o", "/dev/null", "--stats-json=config.json"])
    r.run([r.tool("partita-glam")] + g + ["--mesh", "data=2", "-o", "glam2.pir"])
    r.run([r.tool("partita-glam")] + g + ["--mesh", "data=2,model=2", "-o", "glam4.pir"])
    r.run([r.tool("partita-opt"), "glam4.pir", "--partition", "-o", "glam4.part.pir",
           "--stats-json=glam4.stats.json"])
    r.run([r.tool("partita-opt"), "glam2.pir", "--partition", "-o", "/dev/null",
           "--stats-json=glam2.stats.json"])
    r.run([r.tool("partita-opt"), "glam1.pir", "--partition", "-o", "/dev/null",
           "--stats-json=glam1.stats.json"])
    moe = ["--config", "1.7B/64E", "--moe-layer", "--d-model", str(cfgdims["d_model"]), "--ffn",
           str(cfgdims["ffn"]), "--experts", str(cfgdims["experts"]), "--batch",
           str(cfgdims["batch"]), "--seq", str(cfgdims["seq"])]
    r.run([r.tool("partita-glam")] + moe + ["--mesh", "data=2,model=2", "-o", "moe4.pir"])
    r.run([r.tool("partita-opt"), "moe4.pir", "--partition", "-o", "moe4.part.pir",
           "--stats-json=moe4.stats.json"])
    with open(os.path.join(args.work, "config.json")) as f:
        cfg = json.load(f)
    results["config"] = cfg

    # ---- inputs, Partita's results and the numerical checks ----
    cache = os.path.join(args.work, "jit-cache")
    shutil.rmtree(cache, ignore_errors=True)
    inputs = os.path.join(args.work, "inputs")
    shutil.rmtree(inputs, ignore_errors=True)
    os.makedirs(inputs)
    step("partita-run glam1.pir --outputs inputs --save-inputs (1 rank, the reference results)")
    r.run([r.tool("partita-run"), "glam1.pir", "--outputs", inputs, "--save-inputs",
           "--cache-dir", cache])

    one_thread = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    step(f"PyTorch: check against Partita and time {reps} forward pass(es), 1 thread")
    r.run([sys.executable, os.path.join(BENCH, "torch_glam.py"), "--inputs", inputs,
           "--config-json", "config.json", "--threads", "1", "--reps", str(reps),
           "--json", "torch.json"], env=one_thread, what="the PyTorch check")
    with open(os.path.join(args.work, "torch.json")) as f:
        torch_res = json.load(f)
    results["torch"] = torch_res
    cores = os.cpu_count() or 1
    all_threads = {"OPENBLAS_NUM_THREADS": str(cores), "OMP_NUM_THREADS": str(cores),
                   "MKL_NUM_THREADS": str(cores)}
    torch_all = None
    if cores > 1:
        step(f"PyTorch: time {reps} forward pass(es) with {cores} threads")
        r.run([sys.executable, os.path.join(BENCH, "torch_glam.py"), "--inputs", inputs,
               "--config-json", "config.json", "--threads", str(cores), "--reps", str(reps),
               "--no-check", "--json", "torch_all.json"], env=all_threads, what="PyTorch")
        with open(os.path.join(args.work, "torch_all.json")) as f:
            torch_all = json.load(f)
        results["torch_all_threads"] = torch_all

    step(f"XLA:CPU (jax): check against Partita and time {reps} forward pass(es), 1 device, 1 thread")
    r.run(ONE_CORE + [args.venv_python, os.path.join(BENCH, "jax_glam.py"), "time", "--config-json",
           "config.json", "--inputs", inputs, "--reps", str(reps), "--json", "jax_time.json"],
          env=one_thread, what="the JAX check")
    with open(os.path.join(args.work, "jax_time.json")) as f:
        jax_time = json.load(f)
    results["jax_time"] = jax_time

    step("Adafactor: 1 and 10 training steps against optax.adafactor (tests/train/adafactor_optax.py)")
    out = r.run([args.venv_python, os.path.join(ROOT, "tests", "train", "adafactor_optax.py"),
                 "--bin", args.bin, "--work", os.path.join(args.work, "adafactor")],
                what="the Adafactor/optax check")
    adafactor_ok = out.strip().splitlines()[-1].startswith("adafactor_optax: PASS")
    adafactor_err = max((float(m) for m in re.findall(r"rel_err=([0-9.e+-]+)", out)), default=float("nan"))
    results["adafactor_optax"] = {"pass": adafactor_ok, "max_rel_err": adafactor_err}

    # ---- Partita: compile cold / cached, step time, RSS ----
    # PARTITA_THREADS: threads of one rank's kernels (runtime/Parallel.h; default cores/ranks).
    p1 = {"PARTITA_THREADS": "1"}
    step("Partita: JIT compile with an empty cache")
    shutil.rmtree(cache, ignore_errors=True)
    cold = r.json_of([r.tool("partita-step"), "glam1.pir", "--cache-dir", cache, "--compile-only"],
                     env=p1)
    step(f"Partita 1 rank, 1 thread: cached start and {reps} forward pass(es)")
    one = r.json_of([r.tool("partita-step"), "glam1.pir", "--cache-dir", cache, "--reps", str(reps)],
                    env=p1)
    r.json_of([r.tool("partita-step"), "glam2.pir", "--cache-dir", cache, "--compile-only"], env=p1)

    def two_ranks():
        step(f"Partita 2 ranks x 1 thread (mpirun -np 2, mesh data=2): {reps} forward pass(es)")
        return r.json_of(mpirun + ["-np", "2", "-x", "PARTITA_THREADS=1", r.tool("partita-step"),
                                   "glam2.pir", "--cache-dir", cache, "--reps", str(reps)],
                         env=p1, what="partita-step under mpirun")

    two = two_ranks()
    # The machine may be shared: further rounds of PyTorch, Partita on 1 rank and on 2 ranks,
    # alternating, and the best of all rounds for each, so that a busy moment does not decide
    # a comparison and every side gets as many tries.
    for rnd in range(2, rounds + 1):
        step(f"round {rnd}: PyTorch (1 thread), Partita (1 rank, 1 thread), 2 ranks again")
        r.run([sys.executable, os.path.join(BENCH, "torch_glam.py"), "--inputs", inputs,
               "--config-json", "config.json", "--threads", "1", "--reps", str(reps),
               "--no-check", "--json", "torch_again.json"], env=one_thread, what="PyTorch")
        with open(os.path.join(args.work, "torch_again.json")) as f:
            again = json.load(f)
        for k in ("step_s", "cpu_s"):
            torch_res[k] += again[k]
        torch_res["step_best_s"] = min(torch_res["step_s"])
        torch_res["cpu_best_s"] = min(torch_res["cpu_s"])
        again = r.json_of([r.tool("partita-step"), "glam1.pir", "--cache-dir", cache, "--reps",
                           str(reps)], env=p1)
        one["step_s"] += again["step_s"]
        one["step_best_s"] = min(one["step_s"])
        one["step_cpu_us"] = [min(one["step_cpu_us"][0], again["step_cpu_us"][0])]
        again = two_ranks()
        rss = [max(a, b) for a, b in zip(two["rss_run_peak_kib"], again["rss_run_peak_kib"])]
        steps = two["step_s"] + again["step_s"]
        if again["step_best_s"] < two["step_best_s"]:  # per-rank CPU s of the best round
            two = again
        two.update(step_s=steps, rss_run_peak_kib=rss)
    one_all = None
    if cores > 1:
        step(f"Partita 1 rank, {cores} threads: {reps} forward pass(es)")
        one_all = r.json_of([r.tool("partita-step"), "glam1.pir", "--cache-dir", cache, "--reps",
                             str(reps)], env={"PARTITA_THREADS": str(cores)})
    results.update(partita_cold=cold, partita_1=one, partita_1_all_threads=one_all, partita_2=two)

    step("einsums of the 1-rank program: JIT vs Eigen GEMM, then OpenBLAS (1 thread each)")
    ein = r.json_of([r.tool("partita-step"), "glam1.pir", "--cache-dir", cache, "--compile-only",
                     "--einsums", "--budget", "0.1" if args.quick else "0.3"], env=p1)
    with open(os.path.join(args.work, "einsums.json"), "w") as f:
        json.dump(ein, f)
    ob = None
    for rnd in range(rounds):  # OpenBLAS runs in another process: best of `rounds` runs
        r.run([sys.executable, os.path.join(BENCH, "openblas_gemm.py"), "einsums.json",
               "openblas.json", "--budget", "0.1" if args.quick else "0.3"], env=one_thread)
        with open(os.path.join(args.work, "openblas.json")) as f:
            o = json.load(f)
        if ob is None:
            ob = o
        else:
            for e, f2 in zip(ob["einsums"], o["einsums"]):
                e["openblas_cpu_s"] = min(e["openblas_cpu_s"], f2["openblas_cpu_s"])
    results["einsums"] = ob

    # ---- collectives vs XLA ----
    # XLA has two SPMD partitioners (Shardy, jax's default, and GSPMD) that emit different
    # collectives for the same program: Partita is compared with the better of the two.
    colls, collectives_text = {}, ""
    for partitioner, shardy in (("Shardy", "true"), ("GSPMD", "false")):
        step(f"XLA collectives ({partitioner}) of the MoE layer and the model on data=2,model=2")
        out = r.run([args.venv_python, os.path.join(BENCH, "jax_glam.py"), "collectives",
                     "--config-json", "config.json", "--partita-moe-stats", "moe4.stats.json",
                     "--partita-glam-stats", "glam4.stats.json", "--json",
                     f"jax_coll.{partitioner}.json"],
                    env={"JAX_USE_SHARDY_PARTITIONER": shardy},
                    what=f"the XLA collectives ({partitioner})")
        collectives_text += f"\n== XLA's {partitioner} partitioner\n" + out
        with open(os.path.join(args.work, f"jax_coll.{partitioner}.json")) as f:
            colls[partitioner] = json.load(f)
    results["collectives"] = {p: {k: c[k]["summary"] for k in ("moe_layer", "glam")}
                              for p, c in colls.items()}

    # ---- partitioner scale ----
    step("partitioner scale: partition-scale, GLaM 64B/64E on 16, 1024 and 65536 devices")
    ps_out = r.run([r.tool("partition-scale")] + (["20"] if args.quick else []))
    m16 = re.search(r"16 devices.*?([0-9.]+) ms", ps_out)
    m64k = re.search(r"65536 devices.*?([0-9.]+) ms", ps_out)
    scale = {"partition_scale_16_ms": float(m16.group(1)),
             "partition_scale_65536_ms": float(m64k.group(1))}
    meshes = (("data=4,model=4", "16"), ("data=32,model=32", "1024"),
              ("data=256,model=256", "65536"))
    for mesh, key in meshes:
        r.run([r.tool("partita-glam"), "--config", "64B/64E", "--mesh", mesh, "-o", f"big{key}.pir"])
    # The absolute figures: whole partita-opt processes (parse, partition, print) under
    # /usr/bin/time. A single sub-second run moves by +-40% on a shared machine: the mesh
    # sizes take turns, best of 3 by CPU time each, so drift weighs on all of them alike.
    best = {}
    for _ in range(3):
        for _, key in meshes:
            t, cpu, rss = time_and_rss(r, [r.tool("partita-opt"), f"big{key}.pir", "--partition",
                                           "-o", "/dev/null"])
            if key not in best or cpu < best[key][1]:
                best[key] = (t, cpu, rss)
    for _, key in meshes:
        (scale[f"glam64b_{key}_s"], scale[f"glam64b_{key}_cpu_s"],
         scale[f"glam64b_{key}_rss_kib"]) = best[key]
    # The ratio: partition-scale times the files in one process (parse, verify, partition),
    # taking turns after a warm-up, so process start-up and page faults stay out of it.
    files_out = r.run([r.tool("partition-scale"), "big16.pir", "big65536.pir"])
    for key in ("16", "65536"):
        mf = re.search(rf"big{key}\.pir: ([0-9.]+) ms, ([0-9]+) per-device ops", files_out)
        scale[f"glam64b_{key}_inproc_ms"] = float(mf.group(1))
        scale[f"glam64b_{key}_ops"] = int(mf.group(2))
    # Issue 17's targets: the 64B/64E training step of the paper's run (2d-full, remat, bf16
    # activations, batch 1024 x 1024) on 1,024 devices partitions in <= 10 s and 2 GiB, and
    # its modelled per-device peak fits 32 GiB (tests/train/fit_64b.py asserts the memory).
    step("partitioner scale: the GLaM 64B/64E training step (2d-full, remat) on 1024 devices")
    r.run([r.tool("partita-glam"), "--config", "64B/64E", "--train", "--sharding=2d-full",
           "--remat=layer", "--activations=bf16", "--batch", "1024", "--seq", "1024", "--mesh",
           "data=64,model=16", "-o", "train64b.pir"])
    t, cpu, rss = time_and_rss(r, [r.tool("partita-opt"), "train64b.pir", "--partition", "-o",
                                   "/dev/null", "--stats-json=train64b.stats.json"])
    with open(os.path.join(args.work, "train64b.stats.json")) as f:
        st = json.load(f)
    scale.update(train64b_s=t, train64b_cpu_s=cpu, train64b_rss_kib=rss,
                 train64b_peak=st["peak_bytes_per_device"])
    results["scale"] = scale
    results["load_after"] = os.getloadavg()
    results["total_s"] = time.time() - t_start

    # ---- figures ----
    # Single-threaded runs are compared by CPU time, which a busy machine does not inflate
    # (much); wall times are shown beside them.
    t_torch, c_torch = torch_res["step_best_s"], torch_res["cpu_best_s"]
    t_jax, c_jax = jax_time["step_best_s"], jax_time["cpu_best_s"]
    t1, t2 = one["step_best_s"], two["step_best_s"]
    c1 = one["step_cpu_us"][0] / 1e6
    c2 = max(two["step_cpu_us"]) / 1e6
    live1 = one["arg_bytes"] + one["workspace_bytes"] + one["result_bytes"]
    live2 = two["arg_bytes"] + two["workspace_bytes"] + two["result_bytes"]
    rss1 = max(one["rss_run_peak_kib"]) * 1024
    rss2 = max(two["rss_run_peak_kib"]) * 1024
    base1 = max(one["rss_after_compile_kib"]) * 1024
    es = ob["einsums"]
    flops = sum(e["count"] * e["flops"] for e in es)
    t_jit = sum(e["count"] * e["jit_cpu_s"] for e in es)
    t_eigen = sum(e["count"] * e["eigen_cpu_s"] for e in es)
    t_blas = sum(e["count"] * e["openblas_cpu_s"] for e in es)
    def best_xla(what, key):
        """Partita's summary beside the XLA partitioner with the least `key` for `what`."""
        name = min(colls, key=lambda p: colls[p][what]["summary"]["xla"][key])
        return name, colls[name][what]["summary"]

    mc_by, mc = best_xla("moe_layer", "wire")
    gw_by, gw = best_xla("glam", "wire")
    gc_by, gc = best_xla("glam", "count")
    need = moe_minimum(cfg, 2, 2)
    with open(os.path.join(args.work, "moe4.stats.json")) as f:
        moe_stats = json.load(f)
    have = {}
    for c in moe_stats["collectives"]:
        k = f"{c['kind']}@{','.join(c['axes'])}"
        have[k] = have.get(k, 0) + c["bytes"]
    need_total, have_total = sum(need.values()), sum(have.values())
    mesh_sizes = {"data": 2, "model": 2}
    need_wire = sum(wire_bytes(k.split("@")[0], b, math.prod(mesh_sizes[a] for a in k.split("@")[1].split(",")))
                    for k, b in need.items())
    losses_agree = all(abs(a - b) <= 1e-4 * (1 + abs(b))
                       for a, b in zip(two["scalar_results"], one["scalar_results"]))

    # The goals of issue 15 (docs/performance.md): at most half of PyTorch's CPU time, at
    # most 0.8x XLA:CPU's wall time, 2 ranks at least 1.8x 1 rank.
    row("Partita 1 rank / PyTorch (1 thread, CPU s)", "<= 0.5x", f"{c1 / c_torch:.2f}x",
        c1 / c_torch <= 0.5, f"CPU {c1:.3f} s vs {c_torch:.3f} s; wall {t1:.3f} s vs {t_torch:.3f} s")
    row("Partita 1 rank / XLA:CPU (1 thread, wall)", "<= 0.8x", f"{t1 / t_jax:.2f}x",
        t1 / t_jax <= 0.8, f"wall {t1:.3f} s vs {t_jax:.3f} s; CPU {c1:.3f} s vs {c_jax:.3f} s "
        f"({c1 / c_jax:.2f}x)")
    if one_all and torch_all:
        ta, tt = one_all["step_best_s"], torch_all["step_best_s"]
        row(f"Partita 1 rank / PyTorch ({cores} threads, wall)", "-", f"{ta / tt:.2f}x", None,
            f"{ta:.3f} s vs {tt:.3f} s")
    row("collective wire bytes / XLA, MoE layer 2x2", "<= 1.0x",
        f"{mc['partita']['wire'] / mc['xla']['wire']:.2f}x",
        mc["partita"]["wire"] <= mc["xla"]["wire"],
        f"{fmt_bytes(mc['partita']['wire'])} vs {fmt_bytes(mc['xla']['wire'])} ({mc_by}, "
        "the fewer of XLA's two partitioners)")
    row("collective wire bytes / XLA, GLaM 2x2", "<= 1.0x",
        f"{gw['partita']['wire'] / gw['xla']['wire']:.2f}x", gw["partita"]["wire"] <= gw["xla"]["wire"],
        f"{fmt_bytes(gw['partita']['wire'])} vs {fmt_bytes(gw['xla']['wire'])} ({gw_by})")
    row("collective operand bytes / XLA, GLaM 2x2", "-",
        f"{gw['partita']['bytes'] / gw['xla']['bytes']:.2f}x", None,
        f"{fmt_bytes(gw['partita']['bytes'])} vs {fmt_bytes(gw['xla']['bytes'])} ({gw_by})")
    row("2 ranks (data=2) speedup over 1 rank (wall)", ">= 1.8x", f"{t1 / t2:.2f}x", t1 / t2 >= 1.8,
        f"{t2:.3f} s vs {t1:.3f} s")
    row("  the same by CPU s (busiest rank)", "-", f"{c1 / c2:.2f}x", None,
        "CPU s per rank " + ", ".join(f"{c / 1e6:.3f}" for c in two["step_cpu_us"]) +
        f" vs {c1:.3f}; MPI waits spin, so waiting counts")
    row("einsum GFLOP/s / Eigen GEMM (same sizes)", ">= 0.80", f"{t_eigen / t_jit:.2f}",
        t_eigen / t_jit >= 0.8, f"{flops / t_jit / 1e9:.1f} vs {flops / t_eigen / 1e9:.1f} GFLOP/s")
    row("einsum GFLOP/s / OpenBLAS SGEMM (1 thread)", "-", f"{t_blas / t_jit:.2f}", None,
        f"{flops / t_jit / 1e9:.1f} vs {flops / t_blas / 1e9:.1f} GFLOP/s")
    # bf16 against f32 on the same einsums (f32 ones, timed again with bf16 operands and
    # result); the goal holds where the CPU has AVX512-BF16 dot products.
    both = [e for e in es if e.get("jit_bf16_cpu_s", -1) > 0]
    t_bf16 = sum(e["count"] * e["jit_bf16_cpu_s"] for e in both)
    t_f32 = sum(e["count"] * e["jit_cpu_s"] for e in both)
    flops_b = sum(e["count"] * e["flops"] for e in both)
    has_bf16 = cpu_has("avx512_bf16")
    if t_bf16 > 0:
        row("bf16 einsum GFLOP/s / f32 (same einsums)", ">= 1.5x" if has_bf16 else "-",
            f"{t_f32 / t_bf16:.2f}x", t_f32 / t_bf16 >= 1.5 if has_bf16 else None,
            f"{flops_b / t_bf16 / 1e9:.1f} vs {flops_b / t_f32 / 1e9:.1f} GFLOP/s; "
            + ("AVX512-BF16 dot products" if has_bf16 else "no AVX512-BF16: f32 GEMM on bf16 data"))
    row("collective count / XLA, GLaM 2x2", "<= 1.0x",
        f"{gc['partita']['count'] / gc['xla']['count']:.2f}x",
        gc["partita"]["count"] <= gc["xla"]["count"],
        f"{gc['partita']['count']} vs {gc['xla']['count']} collectives ({gc_by}, the fewer of "
        "XLA's two partitioners)")
    row("JIT compile, cold (empty cache)", "-", f"{cold['compile_s']:.2f} s", None,
        f"{cold['jit_compiled']} module(s) compiled")
    row("JIT start from the cache", "< 0.2 s", f"{one['compile_s']:.3f} s",
        one["compile_s"] < 0.2 and one["jit_cached"] == 1,
        f"parse {one['parse_s'] * 1e3:.0f} ms; cached={one['jit_cached']}")
    row("peak RSS / live set, 1 rank", "<= 1.5x", f"{rss1 / live1:.2f}x", rss1 / live1 <= 1.5,
        f"{fmt_bytes(rss1)} vs {fmt_bytes(live1)}; {fmt_bytes(base1)} before buffers")
    row("peak RSS / live set, 2 ranks (max)", "<= 1.5x", f"{rss2 / live2:.2f}x", rss2 / live2 <= 1.5,
        f"{fmt_bytes(rss2)} vs {fmt_bytes(live2)}")
    row("MoE layer collective bytes / analytic min", "= 1.00x", f"{have_total / need_total:.3f}x",
        have_total <= need_total * 1.001 + 64,
        f"{fmt_bytes(have_total)} vs {fmt_bytes(need_total)} (wire min {fmt_bytes(need_wire)})")
    row("partition 64B/64E, 1024 devices: CPU time", "< 2 s", f"{scale['glam64b_1024_cpu_s']:.2f} s",
        scale["glam64b_1024_cpu_s"] < 2, f"wall {scale['glam64b_1024_s']:.2f} s")
    row("partition 64B/64E, 1024 devices: peak RSS", "< 1 GiB",
        f"{scale['glam64b_1024_rss_kib'] / 1024:.0f} MiB", scale["glam64b_1024_rss_kib"] < 2**20)
    row("partition 64B/64E training step, 1024 devices: CPU", "<= 10 s",
        f"{scale['train64b_cpu_s']:.2f} s", scale["train64b_cpu_s"] <= 10,
        f"wall {scale['train64b_s']:.2f} s; 2d-full, remat=layer, bf16, batch 1024 x 1024")
    row("partition 64B/64E training step, 1024 devices: RSS", "<= 2 GiB",
        f"{scale['train64b_rss_kib'] / 1024:.0f} MiB", scale["train64b_rss_kib"] <= 2 * 2**20)
    row("64B/64E training step: peak per device (model)", "<= 32 GiB",
        f"{scale['train64b_peak'] / 2**30:.2f} GiB", scale["train64b_peak"] <= 32 * 2**30,
        "liveness of the partitioned step (docs/training.md)")
    # Partitioning time must not grow with the device count. partition-scale's MoE stack is
    # the check; the 64B/64E ratio is printed (the issue asks for it) but the two meshes give
    # different programs: 128 heads over a 256-way axis need padding masks (more ops).
    rps = scale["partition_scale_65536_ms"] / scale["partition_scale_16_ms"]
    row("partition-scale, 65536 / 16 devices", "<= 1.1x", f"{rps:.2f}x", rps <= 1.1,
        f"{scale['partition_scale_65536_ms']:.0f} ms vs {scale['partition_scale_16_ms']:.0f} ms")
    r64 = scale["glam64b_65536_inproc_ms"] / scale["glam64b_16_inproc_ms"]
    row("partition 64B/64E, 65536 / 16 devices", "-", f"{r64:.2f}x", None,
        f"{scale['glam64b_65536_inproc_ms']:.0f} ms vs {scale['glam64b_16_inproc_ms']:.0f} ms; "
        f"{scale['glam64b_65536_ops']} vs {scale['glam64b_16_ops']} per-device ops; process CPU "
        f"{scale['glam64b_65536_cpu_s']:.2f} s vs {scale['glam64b_16_cpu_s']:.2f} s")
    row("loss: PyTorch = Partita", "1e-4 rel", torch_res.get("check", "?"),
        torch_res.get("check") == "PASS",
        f"{torch_res['loss']:.6f} vs {torch_res.get('partita_loss', float('nan')):.6f}")
    row("loss: XLA = Partita", "1e-4 rel", jax_time.get("check", "?"), jax_time.get("check") == "PASS",
        f"{jax_time['loss']:.6f}")
    row("Adafactor = optax, 1 and 10 steps", "1e-5 rel", "PASS" if adafactor_ok else "FAIL",
        adafactor_ok, f"max rel err {adafactor_err:.1e} over params, state and loss")
    row("loss: 2 ranks = 1 rank", "1e-4 rel", "PASS" if losses_agree else "FAIL", losses_agree,
        f"{two['scalar_results'][0]:.6f} vs {one['scalar_results'][0]:.6f}")
    results["train"] = train_bench(r, args, cfgdims, reps, rounds, mpirun, step, row)
    results["decode"] = decode_bench(r, args, cfgdims, reps, rounds, mpirun, step, row)
    results["async"] = async_bench(r, cfgdims, reps, mpirun, step, row)
    results["table"] = rows

    c = cfg
    print()
    print(collectives_text.strip())
    print()
    print("MoE layer on data=2,model=2, operand bytes per device: Partita vs analytic minimum")
    for k in sorted(set(need) | set(have)):
        print(f"  {k:24s} {have.get(k, 0):>12d} {need.get(k, 0):>12d}")
    print()
    print("einsums of the 1-rank program (GFLOP/s by CPU time, 1 thread; count = occurrences)")
    print(f"  {'spec':18s} {'B x M x N x K':22s} {'count':>5s} {'jit':>7s} {'eigen':>7s} {'openblas':>8s}"
          f" {'jit bf16':>8s}")
    for e in es:
        dims = f"{e['b']}x{e['m']}x{e['n']}x{e['k']}"
        tb = e.get("jit_bf16_cpu_s", -1)
        bf = f"{e['flops'] / tb / 1e9:8.1f}" if tb > 0 else f"{'-':>8s}"
        print(f"  {e['spec']:18s} {dims:22s} {e['count']:5d} {e['flops'] / e['jit_cpu_s'] / 1e9:7.1f} "
              f"{e['flops'] / e['eigen_cpu_s'] / 1e9:7.1f} {e['flops'] / e['openblas_cpu_s'] / 1e9:8.1f} {bf}")
    print(f"  einsums alone take {t_jit:.3f} s of CPU; Partita's whole step {c1:.3f} s "
          f"({flops / c1 / 1e9:.1f} GFLOP/s of einsum work over the step)")
    print()
    print(f"GLaM L{c['layers']} M{c['d_model']} H{c['ffn']} {c['heads']}x{c['head_dim']} heads "
          f"E{c['experts']} V{c['vocab']} seq {c['seq']} batch {c['batch']} "
          f"(capacity {c['capacity']}, {c['params'] / 1e6:.1f}M params, "
          f"{c['flops'] / 1e9:.1f} GFLOP per forward pass); best of {reps} after a warm-up; "
          f"1 thread per rank unless stated; load average {results['load_before'][0]:.2f} before, "
          f"{results['load_after'][0]:.2f} after")
    print_table(rows)
    print("\ndecode FLOPs per token of @decode_step (cache of 1024 slots, batch 1; f32)")
    print_flops_table(results["decode"]["flops"])
    with open(os.path.join(args.work, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)
    print(f"\n(total {time.time() - t_start:.0f} s; raw figures in {args.work}/results.json, "
          f"commands and outputs in {args.work}/bench.log)")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        fail("interrupted")
