#!/usr/bin/env python3
"""Checks Partita's Adafactor training step against optax.adafactor.

tests/train/mlp.pir is differentiated and turned into a step program
(partita-opt --pipeline=autodiff,adafactor). Ten steps run with partita-run, each step's
new parameters and state fed back as the next step's inputs. JAX computes the same loss,
its gradient with jax.grad and the update with optax.adafactor configured like the step
program (min_dim_size_to_factor=1, decay 0.8, clipping 1.0, eps 1e-30, parameter scale
with min 1e-3, the constant-then-inverse-square-root learning rate). Parameters, the
factored/full second moments and the loss must agree after step 1 and after step 10 to
1e-5 relative (max |partita - optax| / max |optax| per tensor).

JAX and optax live in the bench virtualenv (bench/run creates it); without it the test
prints a "skipped" line and exits 77, ctest's SKIP_RETURN_CODE.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.environ.get("PARTITA_BENCH_VENV", os.path.expanduser("~/.cache/partita-bench-venv"))


def ensure_jax():
    try:
        import jax  # noqa: F401
        import optax  # noqa: F401
        return
    except ImportError:
        pass
    venv_python = os.path.join(VENV, "bin", "python")
    if os.environ.get("PARTITA_OPTAX_REEXEC") != "1" and os.access(venv_python, os.X_OK):
        os.environ["PARTITA_OPTAX_REEXEC"] = "1"
        os.execv(venv_python, [venv_python] + sys.argv)
    print(f"adafactor_optax: skipped: jax and optax are not importable (no bench virtualenv at "
          f"{VENV}; bench/run creates it)")
    sys.exit(SKIP)


ensure_jax()

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

TOL = 1e-5
STEPS = 10


def step_arguments(step_pir):
    """Argument names of @main in order, and each one's attribute text."""
    text = open(step_pir).read()
    sig = text[text.index("func @main(") + len("func @main("):text.index(") -> (")]
    return re.findall(r"%([\w.]+): (\w+)\[[\d,]*\](?: \{([^}]*)\})?", sig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="directory of partita-opt and partita-run")
    ap.add_argument("--work", help="scratch directory (default: a temporary one)")
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="adafactor-optax-")
    os.makedirs(work, exist_ok=True)
    tool = lambda name: os.path.join(args.bin, name)  # noqa: E731

    step_pir = os.path.join(work, "step.pir")
    subprocess.run([tool("partita-opt"), os.path.join(HERE, "mlp.pir"),
                    "--pipeline=autodiff,adafactor", "-o", step_pir], check=True)
    arguments = step_arguments(step_pir)
    names = [a[0] for a in arguments]
    params = [a[0] for a in arguments if "trainable = true" in a[2]]
    state = [a[0] for a in arguments if "train.state" in a[2]]
    assert names[:len(params) + len(state) + 1] == params + state + ["step"], names

    rng = np.random.default_rng(7)
    shapes = {"w1": (16, 24), "b1": (24,), "w2": (24, 4), "e": (3, 4, 5)}
    p0 = {k: (rng.uniform(-1, 1, s) / np.sqrt(s[0] if len(s) > 1 else 4)).astype(np.float32)
          for k, s in shapes.items()}
    x = rng.uniform(-1, 1, (8, 16)).astype(np.float32)
    y = rng.uniform(-1, 1, (8, 3, 5)).astype(np.float32)

    # ---- Partita: STEPS steps, results fed back ----
    values = {k: v.copy() for k, v in p0.items()}
    for s in state:
        p = s.rsplit(".", 1)[0]
        shape = list(p0[p].shape)
        # v_row drops the largest dim, v_col the second largest (stable order, as optax).
        order = sorted(range(len(shape)), key=lambda d: (shape[d], d))
        if s.endswith(".v_row"):
            del shape[order[-1]]
        elif s.endswith(".v_col"):
            del shape[order[-2]]
        values[s] = np.zeros(shape, np.float32)
    values["x"], values["y"] = x, y
    partita = []
    for k in range(STEPS):
        values["step"] = np.array(k, np.int32)
        din, dout = os.path.join(work, f"in{k}"), os.path.join(work, f"out{k}")
        os.makedirs(din, exist_ok=True)
        for n in names:
            np.save(os.path.join(din, n + ".npy"), values[n])
        subprocess.run([tool("partita-run"), step_pir, "--inputs", din, "--outputs", dout],
                       check=True, stdout=subprocess.DEVNULL)
        res = [np.load(os.path.join(dout, f"result{i}.npy"))
               for i in range(2 + len(params) + len(state))]
        for i, n in enumerate(params + state):
            values[n] = res[2 + i]
        partita.append({"loss": res[0], **{n: values[n] for n in params + state}})

    # ---- JAX + optax ----
    def loss_fn(p, x, y):
        a = jnp.tanh(x @ p["w1"] + p["b1"])
        o = jnp.einsum("bk,gkj->bgj", a @ p["w2"], p["e"])
        return jnp.sum((o - y) ** 2) / 120.0

    lr, warmup = 0.05, 3.0
    schedule = lambda count: lr * jnp.sqrt(warmup / jnp.maximum(count.astype(jnp.float32), warmup))  # noqa: E731
    opt = optax.adafactor(learning_rate=schedule, min_dim_size_to_factor=1, decay_rate=0.8,
                          clipping_threshold=1.0, eps=1e-30, multiply_by_parameter_scale=True,
                          factored=True)
    params_j = {k: jnp.asarray(v) for k, v in p0.items()}
    opt_state = opt.init(params_j)
    factored = opt_state[0]  # chain: scale_by_factored_rms's state first
    assert isinstance(factored, optax.FactoredState)
    failures = 0
    for k in range(STEPS):
        loss, grads = jax.value_and_grad(loss_fn)(params_j, x, y)
        updates, opt_state = opt.update(grads, opt_state, params_j)
        params_j = optax.apply_updates(params_j, updates)
        if k not in (0, STEPS - 1):
            continue
        fs = opt_state[0]
        want = {"loss": np.asarray(loss)}
        for n in params:
            want[n] = np.asarray(params_j[n])
        for s in state:
            p, kind = s.rsplit(".", 1)
            want[s] = np.asarray({"v_row": fs.v_row, "v_col": fs.v_col, "v": fs.v}[kind][p])
        for n, w in want.items():
            got = partita[k][n]
            if got.shape != w.shape:
                print(f"FAIL step {k + 1} {n}: shape {got.shape} != optax {w.shape}")
                failures += 1
                continue
            err = float(np.max(np.abs(got - w))) / max(float(np.max(np.abs(w))), 1e-30)
            ok = err <= TOL
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} step {k + 1:2d} {n:8s} rel_err={err:.2e}")
    # The parameters must have moved, or the comparison proves nothing.
    moved = min(float(np.max(np.abs(partita[-1][n] - p0[n]))) for n in params)
    if moved <= 1e-4:
        print(f"FAIL the parameters barely moved in {STEPS} steps (min max-change {moved:.2e})")
        failures += 1
    print(f"adafactor_optax: {'PASS' if failures == 0 else 'FAIL'} ({STEPS} steps, tolerance {TOL})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
