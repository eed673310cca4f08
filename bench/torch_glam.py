#!/usr/bin/env python3
"""torch_glam.py: the GLaM forward pass and training step of partita-glam (docs/glam.md) in PyTorch.

Three jobs for bench/run:
  * an independent numerical check: it loads the inputs and parameters that
    `partita-run --outputs DIR --save-inputs` wrote (DIR/<argument>.npy, the same names as
    the IR arguments) and Partita's results (DIR/result0.npy = loss, result1.npy = aux loss),
    recomputes both here and asserts they agree;
  * the PyTorch baseline of the speed comparison: the forward pass timed with a fixed number
    of intra-op threads (torch.set_num_threads);
  * with --train, the baseline of the training step (docs/training.md): forward, autograd
    backward and Adafactor written here by hand after optax.adafactor (the same
    hyperparameters as partita-glam --train); --save-step DIR writes the parameters after one
    step from the inputs and the losses of every step, which `jax_glam.py train --torch-step
    DIR` checks against optax.
    The batch is unpacked (one document per row): the step program's packed masks are not
    modelled here, see docs/performance.md.

The math follows frontends/glam/Glam.cpp op for op: RMSNorm in f32, attention with the T5
unidirectional relative position bias (32 buckets, max distance 128) and a causal mask,
dense GLU-GELU (tanh GELU) feed-forwards, GShard top-2 MoE layers with capacity (exclusive
cumsum slots, drops, dispatch/combine einsums, load-balancing loss), tied embedding with
d_model^-0.5 scaling and softmax cross-entropy.

usage: torch_glam.py --inputs DIR --config-json FILE [--threads N] [--reps N]
                     [--dtype float32|float64] [--no-check] [--json FILE]
                     [--train [--lr X] [--warmup-steps N] [--save-step DIR]]
FILE is partita-glam's --stats-json output for the same configuration.
"""
import argparse
import json
import math
import os
import time

import benchlib
from benchlib import relative_position_bucket


def fail(msg):
    benchlib.fail("torch_glam.py", msg)


np, torch = benchlib.import_torch("torch_glam.py")


class Glam:
    def __init__(self, cfg, params, dtype):
        self.cfg = cfg
        self.p = params
        self.dt = dtype
        s = cfg["seq"]
        table = torch.tensor([relative_position_bucket(n) for n in range(s)], dtype=torch.long)
        pos = torch.arange(s)
        dist = (pos[:, None] - pos[None, :]).clamp(min=0)
        self.buckets = table[dist]  # [S,S]
        self.causal = pos[:, None] >= pos[None, :]  # [S,S], key t <= query s

    def c(self, v):
        """A constant rounded to the compute dtype, like the IR's `constant`s."""
        return torch.tensor(v, dtype=self.dt)

    def rms_norm(self, x, scale):
        sq = (x * x).sum(-1, keepdim=True)
        ms = sq * self.c(1.0 / self.cfg["d_model"])
        r = torch.rsqrt(ms + self.c(1e-6))
        return x * r * scale

    def attention(self, l, xn):
        p = self.p
        pre = f"layer{l}.attn"
        k = self.cfg["head_dim"]
        q = torch.einsum("bsm,mnk->bsnk", xn, p[pre + ".wq"]) * self.c(1.0 / math.sqrt(k))
        kk = torch.einsum("bsm,mnk->bsnk", xn, p[pre + ".wk"])
        v = torch.einsum("bsm,mnk->bsnk", xn, p[pre + ".wv"])
        logits = torch.einsum("bsnk,btnk->bnst", q, kk)
        bias = p[pre + ".rel_bias"][:, self.buckets]  # [N,S,S]
        bias = torch.where(self.causal, bias, self.c(-1e9))
        logits = logits + bias
        probs = torch.softmax(logits, dim=3)  # max-subtracted, like the IR's softmax
        o = torch.einsum("bnst,btnk->bsnk", probs, v)
        return torch.einsum("bsnk,nkm->bsm", o, p[pre + ".wo"])

    @staticmethod
    def gelu(x):
        return torch.nn.functional.gelu(x, approximate="tanh")

    def dense_ffn(self, l, xn):
        p = self.p
        pre = f"layer{l}.mlp"
        h0 = self.gelu(torch.einsum("bsm,mh->bsh", xn, p[pre + ".wi_0"]))
        h1 = torch.einsum("bsm,mh->bsh", xn, p[pre + ".wi_1"])
        return torch.einsum("bsh,hm->bsm", h0 * h1, p[pre + ".wo"])

    def moe(self, pre, x):
        """GShard top-2 on tokens [G,S,M]; returns (y, aux, combine)."""
        p = self.p
        g, s, _ = x.shape
        e = self.cfg["experts"]
        cap = self.cfg["capacity"]
        logits = torch.einsum("gsm,me->gse", x, p[pre + ".gate"])
        probs = torch.softmax(logits, dim=2)
        idx1 = probs.argmax(dim=2)  # first maximum on ties
        mask1 = torch.nn.functional.one_hot(idx1, e).to(self.dt)
        rest = torch.where(mask1 > 0, self.c(-1.0), probs)
        idx2 = rest.argmax(dim=2)
        mask2 = torch.nn.functional.one_hot(idx2, e).to(self.dt)
        gate1 = (probs * mask1).sum(2)
        gate2 = (probs * mask2).sum(2)
        denom = gate1 + gate2
        gate1 = gate1 / denom
        gate2 = gate2 / denom
        # Load balancing, before capacity: E^2 mean_{g,e}(mean_s probs * mean_s mask1).
        aux = (probs.sum(1) * mask1.sum(1)).sum() * self.c(e / (g * s * s))
        # Slots: exclusive cumsum over the group; second choices after the kept first ones.
        pos1 = torch.cumsum(mask1, dim=1) - mask1
        mask1 = mask1 * (pos1 < cap).to(self.dt)
        count1 = mask1.sum(1)  # [G,E]
        pos2 = torch.cumsum(mask2, dim=1) - mask2 + count1[:, None, :]
        mask2 = mask2 * (pos2 < cap).to(self.dt)

        def route(mask, pos, gate):
            slot = (pos * mask).sum(2).to(torch.long)  # [G,S]
            slot_oh = torch.nn.functional.one_hot(slot, cap).to(self.dt)  # [G,S,C]
            d = mask[:, :, :, None] * slot_oh[:, :, None, :]  # [G,S,E,C]
            return d, d * gate[:, :, None, None]

        d1, c1 = route(mask1, pos1, gate1)
        d2, c2 = route(mask2, pos2, gate2)
        dispatch = d1 + d2
        combine = c1 + c2
        xin = torch.einsum("gsec,gsm->egcm", dispatch, x)
        hid = self.gelu(torch.einsum("egcm,emh->egch", xin, p[pre + ".wi"]))
        eo = torch.einsum("egch,ehm->egcm", hid, p[pre + ".wo"])
        y = torch.einsum("gsec,egcm->gsm", combine, eo)
        return y, aux, combine

    def forward(self, ids, labels):
        cfg, p = self.cfg, self.p
        b, s, m = cfg["batch"], cfg["seq"], cfg["d_model"]
        x = p["embed"][ids]  # take(embed, ids): [B,S,M]
        aux_total = self.c(0.0)
        for l in range(cfg["layers"]):
            xn = self.rms_norm(x, p[f"layer{l}.attn_norm.scale"])
            x = x + self.attention(l, xn)
            xn = self.rms_norm(x, p[f"layer{l}.ffn_norm.scale"])
            if f"layer{l}.moe.gate" in p:
                gr = cfg["groups"]
                y, aux, _ = self.moe(f"layer{l}.moe", xn.reshape(gr, b * s // gr, m))
                y = y.reshape(b, s, m)
                aux_total = aux_total + aux
            else:
                y = self.dense_ffn(l, xn)
            x = x + y
        hf = self.rms_norm(x, p["final_norm.scale"]) * self.c(1.0 / math.sqrt(m))
        logits = torch.einsum("bsm,vm->bsv", hf, p["embed"])
        mx = logits.amax(2, keepdim=True)
        lse = torch.log(torch.exp(logits - mx).sum(2)) + mx[:, :, 0]
        picked = torch.gather(logits, 2, labels[:, :, None].long())[:, :, 0]
        ce = (lse - picked).sum() * self.c(1.0 / (b * s))
        loss = ce + aux_total * self.c(0.01)
        return loss, aux_total


def load_inputs(cfg, inputs_dir, dtype):
    """Every DIR/*.npy written by partita-run --save-inputs, as torch tensors."""
    if not os.path.isdir(inputs_dir):
        fail(f"{inputs_dir} is not a directory (write it with "
             "`partita-run model.pir --outputs DIR --save-inputs`)")
    params = {}
    for f in sorted(os.listdir(inputs_dir)):
        if f.endswith(".npy") and not f.startswith("result"):
            a = np.load(os.path.join(inputs_dir, f))
            t = torch.from_numpy(a)
            params[f[:-4]] = t.to(dtype) if t.is_floating_point() else t
    need = ["ids", "labels", "embed", "final_norm.scale"]
    for l in range(cfg["layers"]):
        need += [f"layer{l}.attn_norm.scale", f"layer{l}.ffn_norm.scale"]
        need += [f"layer{l}.attn.{w}" for w in ("wq", "wk", "wv", "wo", "rel_bias")]
        if f"layer{l}.moe.gate" in params:
            need += [f"layer{l}.moe.{w}" for w in ("wi", "wo")]
        else:
            need += [f"layer{l}.mlp.{w}" for w in ("wi_0", "wi_1", "wo")]
    missing = [n for n in need if n not in params]
    if missing:
        fail(f"{inputs_dir} lacks {', '.join(n + '.npy' for n in missing[:5])}"
             f"{' ...' if len(missing) > 5 else ''}: it must hold the inputs of the same "
             "configuration, written by `partita-run --outputs DIR --save-inputs`")
    moe_layers = sum(1 for l in range(cfg["layers"]) if f"layer{l}.moe.gate" in params)
    if moe_layers != cfg.get("moe_layers", moe_layers):
        fail(f"{inputs_dir} has {moe_layers} MoE layers but the configuration says "
             f"{cfg['moe_layers']}")
    if tuple(params["ids"].shape) != (cfg["batch"], cfg["seq"]):
        fail(f"{inputs_dir}/ids.npy has shape {tuple(params['ids'].shape)}, the configuration "
             f"[{cfg['batch']}, {cfg['seq']}]")
    return params


class Adafactor:
    """optax.adafactor(min_dim_size_to_factor=1, decay_rate=0.8, clipping_threshold=1,
    eps=1e-30, multiply_by_parameter_scale=True, momentum=None) with the learning rate
    lr * sqrt(w / max(count, w)), operation for operation (docs/training.md#adafactor)."""

    def __init__(self, params, lr, warmup, decay_rate=0.8, clip=1.0, eps1=1e-30, eps2=1e-3):
        self.lr, self.w = lr, max(warmup, 1)
        self.decay_rate, self.clip, self.eps1, self.eps2 = decay_rate, clip, eps1, eps2
        self.count = 0
        self.state = {}
        for n, p in params.items():
            dims = self.factored_dims(p.shape)
            if dims is None:
                self.state[n] = (torch.zeros_like(p),)
            else:
                d1, d0 = dims
                row = [s for i, s in enumerate(p.shape) if i != d0]
                col = [s for i, s in enumerate(p.shape) if i != d1]
                self.state[n] = (p.new_zeros(row), p.new_zeros(col))

    @staticmethod
    def factored_dims(shape):
        if len(shape) < 2:
            return None
        order = np.argsort(np.array(shape), kind="stable")  # ties: the later dim is larger
        return int(order[-2]), int(order[-1])

    @torch.no_grad()
    def step(self, params):
        t = self.count + 1
        decay = 1.0 - t ** (-self.decay_rate)
        lr_t = self.lr * math.sqrt(self.w / max(self.count, self.w))
        for n, p in params.items():
            g = p.grad
            g2 = g * g + self.eps1
            dims = self.factored_dims(p.shape)
            if dims is None:
                (v,) = self.state[n]
                v.mul_(decay).add_(g2, alpha=1.0 - decay)
                u = g * torch.rsqrt(v)
            else:
                d1, d0 = dims
                v_row, v_col = self.state[n]
                v_row.mul_(decay).add_(g2.mean(d0), alpha=1.0 - decay)
                v_col.mul_(decay).add_(g2.mean(d1), alpha=1.0 - decay)
                reduced_d1 = d1 - 1 if d1 > d0 else d1
                row_factor = torch.rsqrt(v_row / v_row.mean(reduced_d1, keepdim=True))
                u = g * row_factor.unsqueeze(d0) * torch.rsqrt(v_col).unsqueeze(d1)
            u = u / torch.clamp(torch.sqrt((u * u).mean()) / self.clip, min=1.0)
            u = u * (lr_t * torch.clamp(torch.sqrt((p * p).mean()), min=self.eps2))
            p.sub_(u)
        self.count += 1


def train(a, cfg, params, dtype):
    """Times training steps (forward, backward, Adafactor) after one untimed step."""
    names = [n for n in params if n not in ("ids", "labels")]
    weights = {n: params[n].clone().requires_grad_(True) for n in names}
    batch = {"ids": params["ids"].long(), "labels": params["labels"].long()}
    model = Glam(cfg, {**weights, **batch}, dtype)
    opt = Adafactor(weights, a.lr, a.warmup_steps)
    times, cpu, losses = [], [], []
    for r in range(a.reps + 1):
        c0, t0 = time.process_time(), time.perf_counter()
        for w in weights.values():
            w.grad = None
        loss, aux = model.forward(batch["ids"], batch["labels"])
        loss.backward()
        opt.step(weights)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        losses.append(float(loss))
        if r == 0 and a.save_step:
            os.makedirs(a.save_step, exist_ok=True)
            for n, w in weights.items():
                np.save(os.path.join(a.save_step, n + ".npy"), w.detach().numpy())
            np.save(os.path.join(a.save_step, "loss.npy"), np.float32(losses[0]))
        if r > 0:
            times.append(dt)
            cpu.append(dc)
    if a.save_step:
        np.save(os.path.join(a.save_step, "losses.npy"), np.array(losses, np.float64))
    out = {"threads": torch.get_num_threads(), "torch": torch.__version__, "dtype": a.dtype,
           "step_s": times, "step_best_s": min(times),
           "step_median_s": sorted(times)[len(times) // 2], "cpu_s": cpu, "cpu_best_s": min(cpu),
           "losses": losses}
    print(f"torch {torch.__version__} training step ({out['threads']} thread(s)): losses "
          f"{' '.join(f'{x:.5f}' for x in losses)}; step best {min(times):.3f} s median "
          f"{out['step_median_s']:.3f} s over {len(times)}, CPU best {min(cpu):.3f} s")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs", required=True, help="directory of partita-run --save-inputs")
    ap.add_argument("--config-json", required=True, help="partita-glam --stats-json output")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    ap.add_argument("--reps", type=int, default=3, help="timed forward passes after a warm-up")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--no-check", action="store_true",
                    help="do not compare with DIR/result0.npy and result1.npy")
    ap.add_argument("--rtol", type=float, default=1e-4,
                    help="|torch - partita| <= rtol * (1 + |partita|) (default 1e-4)")
    ap.add_argument("--json", help="write the figures as JSON to this file")
    ap.add_argument("--train", action="store_true",
                    help="time training steps (forward, backward, Adafactor), not forward passes")
    ap.add_argument("--lr", type=float, default=0.01, help="--train: peak learning rate")
    ap.add_argument("--warmup-steps", type=int, default=10000, help="--train: warm-up steps")
    ap.add_argument("--save-step", help="--train: write the parameters after the first step here")
    a = ap.parse_args()

    try:
        with open(a.config_json) as f:
            cfg = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"cannot read {a.config_json}: {e}")
    for k in ("layers", "experts", "d_model", "ffn", "heads", "head_dim", "vocab", "batch",
              "seq", "groups", "capacity"):
        if k not in cfg:
            fail(f"{a.config_json} has no '{k}': pass partita-glam's --stats-json output")
    if cfg.get("activations", "f32") != "f32":
        fail("only f32 activations are implemented here")
    if a.save_step and not a.train:
        fail("--save-step needs --train (it writes the parameters after a training step)")

    torch.set_num_threads(a.threads)
    dtype = torch.float64 if a.dtype == "float64" else torch.float32
    params = load_inputs(cfg, a.inputs, dtype)
    if a.train:
        train(a, cfg, params, dtype)
        return
    model = Glam(cfg, params, dtype)
    ids, labels = params["ids"].long(), params["labels"].long()

    times, cpu = [], []
    with torch.inference_mode():
        for r in range(a.reps + 1):
            c0, t0 = time.process_time(), time.perf_counter()
            loss, aux = model.forward(ids, labels)
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            if r > 0:
                times.append(dt)
                cpu.append(dc)
    loss, aux = float(loss), float(aux)
    # CPU time (all threads of the process) is the running time on a machine shared with
    # other work, as long as one thread is used.
    out = {"threads": torch.get_num_threads(), "torch": torch.__version__, "dtype": a.dtype,
           "step_s": times, "step_best_s": min(times), "step_median_s": sorted(times)[len(times) // 2],
           "cpu_s": cpu, "cpu_best_s": min(cpu), "loss": loss, "aux_loss": aux}
    print(f"torch {torch.__version__} ({a.dtype}, {out['threads']} thread(s)): "
          f"loss {loss:.7g} aux {aux:.7g}, forward best {min(times):.3f} s "
          f"median {out['step_median_s']:.3f} s over {len(times)}, CPU best {min(cpu):.3f} s")

    ok = True
    if not a.no_check:
        got = []
        for i in (0, 1):
            path = os.path.join(a.inputs, f"result{i}.npy")
            if not os.path.exists(path):
                fail(f"{path} is missing: write Partita's results with "
                     "`partita-run model.pir --outputs DIR --save-inputs` (or pass --no-check)")
            got.append(float(np.load(path)))
        for name, mine, theirs in (("loss", loss, got[0]), ("aux_loss", aux, got[1])):
            err = abs(mine - theirs)
            good = err <= a.rtol * (1 + abs(theirs))
            ok &= good
            print(f"check {name}: torch {mine:.7g} partita {theirs:.7g} |diff| {err:.3g} "
                  f"{'PASS' if good else 'FAIL'}")
            out[f"partita_{name}"] = theirs
        out["check"] = "PASS" if ok else "FAIL"
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
    if not ok:
        fail(f"PyTorch and Partita disagree beyond rtol {a.rtol}")


if __name__ == "__main__":
    main()
