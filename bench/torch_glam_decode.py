#!/usr/bin/env python3
"""torch_glam_decode.py: the PyTorch peer of partita-generate (docs/inference.md): greedy
decoding of the same GLaM serving model with the same weights, prefill and then one decode
step per token against a KV cache, timed the way partita-generate times itself.

It is the baseline of bench.py's decode rows and an independent check of them: it reads the
weights partita-generate reads (DIR/<parameter>.npy), the configuration from partita-glam's
--stats-json for the serving module, and with --partita-stats the JSON partita-generate
--stats-json wrote for the same prompt; its greedy tokens must equal Partita's and its first
logits must agree within f32 tolerance, else it exits 1.

What the model computes is bench/torch_glam.py's GLaM (the same RMSNorm, attention with the
T5 relative position bias, GLU feed-forwards, GShard top-2 routing), used the way a PyTorch
server would:
  * prefill runs the prompt's P tokens only (no padding to the cache length); its MoE layers
    route each sequence as one group with the capacity of a group of `seq` tokens, which is
    what Partita's @prefill does with its padding masked out of routing, and run each expert
    on the tokens it kept (gathered), not on one-hot dispatched buffers;
  * a decode step writes the new key and value into the preallocated [B, seq, heads,
    head_dim] caches at `pos` and attends the slots 0..pos only (Partita's @decode_step
    attends all `seq` slots and masks those after pos);
  * its MoE layers run each token's two experts on views of their weights (no copy, no
    capacity), with the same router (f32 softmax, top-2, both gates renormalized).
Tokens are bytes after a BOS 0; greedy is argmax with the lowest id on ties; generation stops
at the end-of-document id 256 unless --ignore-eos.

usage: torch_glam_decode.py --weights DIR --config-json FILE (--prompt TEXT | --prompt-file F)
                            --max-new-tokens N [--threads N] [--reps N] [--ignore-eos]
                            [--partita-stats FILE] [--json FILE]
"""
import argparse
import json
import math
import os
import time

import benchlib
from benchlib import relative_position_bucket


def fail(msg):
    benchlib.fail("torch_glam_decode.py", msg)


np, torch = benchlib.import_torch("torch_glam_decode.py")

from torch_glam import Glam  # noqa: E402  (after the friendly import check above)


def capacity_for(cfg, group):
    """GlamConfig::capacity for groups of `group` tokens (frontends/glam/Glam.cpp)."""
    c = math.ceil(cfg["capacity_factor"] * 2.0 * group / cfg["experts"])
    return max(1, min(c, group))


class Decoder(Glam):
    def __init__(self, cfg, params):
        # The forward's MoE code with the capacity of Partita's @prefill: one group per
        # sequence of `seq` tokens, whatever --groups said.
        cfg = dict(cfg)
        if cfg["experts"] > 0:
            cfg["capacity"] = capacity_for(cfg, cfg["seq"])
        super().__init__(cfg, params, torch.float32)
        s = cfg["seq"]
        # bucket_of_distance[d] for d = 0 .. seq-1; a decode step at pos reads it backwards.
        self.bucket_of = torch.tensor([relative_position_bucket(n) for n in range(s)],
                                      dtype=torch.long)

    def new_caches(self):
        c = self.cfg
        shape = (c["batch"], c["seq"], c["heads"], c["head_dim"])
        return [(torch.zeros(shape), torch.zeros(shape)) for _ in range(c["layers"])]

    def qkv(self, l, xn):
        p, pre = self.p, f"layer{l}.attn"
        q = torch.einsum("bsm,mnk->bsnk", xn, p[pre + ".wq"]) * self.c(
            1.0 / math.sqrt(self.cfg["head_dim"]))
        k = torch.einsum("bsm,mnk->bsnk", xn, p[pre + ".wk"])
        v = torch.einsum("bsm,mnk->bsnk", xn, p[pre + ".wv"])
        return q, k, v

    def attend(self, l, q, k, v, bias):
        logits = torch.einsum("bsnk,btnk->bnst", q, k) + bias
        probs = torch.softmax(logits, dim=3)
        o = torch.einsum("bnst,btnk->bsnk", probs, v)
        return torch.einsum("bsnk,nkm->bsm", o, self.p[f"layer{l}.attn.wo"])

    def logits_of(self, x):
        """f32 logits [B, V] of x [B, 1, M]: final norm, d_model^-0.5, tied projection."""
        hf = self.rms_norm(x, self.p["final_norm.scale"]) * self.c(
            1.0 / math.sqrt(self.cfg["d_model"]))
        return torch.einsum("bsm,vm->bsv", hf, self.p["embed"])[:, 0, :]

    def prefill(self, ids, caches):
        """ids [B, P]: fills cache slots 0..P-1 and returns the logits of position P-1."""
        p = self.p
        n = ids.shape[1]
        x = p["embed"][ids]
        for l in range(self.cfg["layers"]):
            xn = self.rms_norm(x, p[f"layer{l}.attn_norm.scale"])
            q, k, v = self.qkv(l, xn)
            kc, vc = caches[l]
            kc[:, :n] = k
            vc[:, :n] = v
            rel = p[f"layer{l}.attn.rel_bias"]
            bias = torch.where(self.causal[:n, :n], rel[:, self.buckets[:n, :n]], self.c(-1e9))
            x = x + self.attend(l, q, k, v, bias)
            xn = self.rms_norm(x, p[f"layer{l}.ffn_norm.scale"])
            if f"layer{l}.moe.gate" in p:
                y = self.prefill_moe(f"layer{l}.moe", xn)  # [B, P, M]: a group per sequence
            else:
                y = self.dense_ffn(l, xn)
            x = x + y
        return self.logits_of(x[:, n - 1:n, :])

    def prefill_moe(self, pre, x):
        """GShard top-2 with capacity on x [G, S, M] (torch_glam.py's routing: the same slots
        and drops), but each expert runs on the tokens it kept, gathered, instead of on
        one-hot dispatched capacity buffers of all E experts."""
        p = self.p
        e, cap = self.cfg["experts"], self.cfg["capacity"]
        probs = torch.softmax(torch.einsum("gsm,me->gse", x, p[pre + ".gate"]), dim=2)
        mask1 = torch.nn.functional.one_hot(probs.argmax(dim=2), e).to(self.dt)
        rest = torch.where(mask1 > 0, self.c(-1.0), probs)
        mask2 = torch.nn.functional.one_hot(rest.argmax(dim=2), e).to(self.dt)
        gate1 = (probs * mask1).sum(2)
        gate2 = (probs * mask2).sum(2)
        denom = gate1 + gate2
        pos1 = torch.cumsum(mask1, dim=1) - mask1
        mask1 = mask1 * (pos1 < cap).to(self.dt)
        pos2 = torch.cumsum(mask2, dim=1) - mask2 + mask1.sum(1)[:, None, :]
        mask2 = mask2 * (pos2 < cap).to(self.dt)
        weight = mask1 * (gate1 / denom)[:, :, None] + mask2 * (gate2 / denom)[:, :, None]
        kept = (mask1 + mask2) > 0  # [G, S, E]
        y = torch.zeros_like(x)
        wi, wo = p[pre + ".wi"], p[pre + ".wo"]
        for k in range(e):
            sel = kept[:, :, k]
            if not bool(sel.any()):
                continue
            h = self.gelu(x[sel] @ wi[k])
            y[sel] += (h @ wo[k]) * weight[:, :, k][sel][:, None]
        return y

    def decode_moe(self, pre, x):
        """Top-2 of one token per row, x [B, 1, M]; each chosen expert runs on a view."""
        p = self.p
        probs = torch.softmax(torch.einsum("bsm,me->bse", x, p[pre + ".gate"]), dim=2)[:, 0]
        idx1 = probs.argmax(dim=1)
        rest = probs.scatter(1, idx1[:, None], -1.0)
        idx2 = rest.argmax(dim=1)
        g1 = probs.gather(1, idx1[:, None])[:, 0]
        g2 = probs.gather(1, idx2[:, None])[:, 0]
        denom = g1 + g2
        wi, wo = p[pre + ".wi"], p[pre + ".wo"]
        rows = []
        for b in range(x.shape[0]):
            xb = x[b]  # [1, M]
            y = None
            for e, g in ((int(idx1[b]), g1[b] / denom[b]), (int(idx2[b]), g2[b] / denom[b])):
                h = self.gelu(xb @ wi[e])
                t = (h @ wo[e]) * g
                y = t if y is None else y + t
            rows.append(y)
        return torch.stack(rows)  # [B, 1, M]

    def decode_step(self, token, pos, caches):
        """One new token per row (all rows the same) at position pos; returns logits [B, V]."""
        p = self.p
        b = self.cfg["batch"]
        x = p["embed"][torch.full((b, 1), token, dtype=torch.long)]
        # Distance pos - t of every visible slot t = 0..pos.
        buckets = self.bucket_of[torch.arange(pos, -1, -1)]
        for l in range(self.cfg["layers"]):
            xn = self.rms_norm(x, p[f"layer{l}.attn_norm.scale"])
            q, k, v = self.qkv(l, xn)
            kc, vc = caches[l]
            kc[:, pos] = k[:, 0]
            vc[:, pos] = v[:, 0]
            bias = p[f"layer{l}.attn.rel_bias"][:, buckets][:, None, :]  # [N, 1, pos+1]
            x = x + self.attend(l, q, kc[:, :pos + 1], vc[:, :pos + 1], bias)
            xn = self.rms_norm(x, p[f"layer{l}.ffn_norm.scale"])
            if f"layer{l}.moe.gate" in p:
                y = self.decode_moe(f"layer{l}.moe", xn)
            else:
                y = self.dense_ffn(l, xn)
            x = x + y
        return self.logits_of(x)

    def generate(self, prompt, max_new, ignore_eos):
        """Greedy generation; returns the tokens, row 0 of the first logits and the wall and
        process CPU seconds to the first token and of the decode steps."""
        b = self.cfg["batch"]
        ids = torch.tensor([prompt] * b, dtype=torch.long)
        caches = self.new_caches()  # allocated before the clock starts, as Partita's buffers
        t0, c0 = time.perf_counter(), time.process_time()
        logits = self.prefill(ids, caches)
        token = int(torch.argmax(logits[0]))  # the first maximum: lowest id on ties
        t_first, c_first = time.perf_counter() - t0, time.process_time() - c0
        tokens = [token]
        first = logits[0].clone()
        t1, c1 = time.perf_counter(), time.process_time()
        n = 1
        while n < max_new and (token != 256 or ignore_eos):
            logits = self.decode_step(token, len(prompt) + n - 1, caches)
            token = int(torch.argmax(logits[0]))
            tokens.append(token)
            n += 1
        return tokens, first, dict(ttft_s=t_first, ttft_cpu_s=c_first,
                                   decode_s=time.perf_counter() - t1,
                                   decode_cpu_s=time.process_time() - c1)


def load_weights(cfg, wdir):
    if not os.path.isdir(wdir):
        fail(f"{wdir} is not a directory (write the weights with "
             "`partita-run serve.pir --outputs DIR --save-inputs`)")
    need = ["embed", "final_norm.scale"]
    for l in range(cfg["layers"]):
        need += [f"layer{l}.attn_norm.scale", f"layer{l}.ffn_norm.scale"]
        need += [f"layer{l}.attn.{w}" for w in ("wq", "wk", "wv", "wo", "rel_bias")]
        # Which layers are MoE: the weights say (partita-glam's --moe-every); the count is
        # checked against the configuration below.
        moe = os.path.exists(os.path.join(wdir, f"layer{l}.moe.gate.npy"))
        need += [f"layer{l}.moe.{w}" for w in ("gate", "wi", "wo")] if moe else \
            [f"layer{l}.mlp.{w}" for w in ("wi_0", "wi_1", "wo")]
    params = {}
    for n in need:
        path = os.path.join(wdir, n + ".npy")
        if not os.path.exists(path):
            fail(f"{path} is missing: the weights must be those of the configuration in the "
                 "--config-json file")
        params[n] = torch.from_numpy(np.load(path)).to(torch.float32)
    moe_layers = sum(1 for n in params if n.endswith(".moe.gate"))
    if moe_layers != cfg.get("moe_layers", moe_layers):
        fail(f"{wdir} has {moe_layers} MoE layers but the configuration says {cfg['moe_layers']}")
    if tuple(params["embed"].shape) != (cfg["vocab"], cfg["d_model"]):
        fail(f"{wdir}/embed.npy has shape {tuple(params['embed'].shape)}, the configuration "
             f"[{cfg['vocab']}, {cfg['d_model']}]")
    return params


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weights", required=True, help="DIR/<parameter>.npy, as partita-generate")
    ap.add_argument("--config-json", required=True,
                    help="partita-glam --decode --stats-json output for the same model")
    ap.add_argument("--prompt", help="the prompt, as bytes")
    ap.add_argument("--prompt-file", help="the prompt: the bytes of this file")
    ap.add_argument("--max-new-tokens", type=int, required=True)
    ap.add_argument("--ignore-eos", action="store_true", help="go on after the id 256")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    ap.add_argument("--reps", type=int, default=1,
                    help="generations in this process; the first is the cold one (default 1)")
    ap.add_argument("--partita-stats", help="partita-generate --stats-json output to check")
    ap.add_argument("--tol", type=float, default=1e-4,
                    help="first logits: |torch - partita| <= tol * (1 + |partita|)")
    ap.add_argument("--json", help="write the figures as JSON to this file")
    a = ap.parse_args()
    if (a.prompt is None) == (a.prompt_file is None):
        fail("give exactly one of --prompt and --prompt-file")
    if a.max_new_tokens < 1:
        fail(f"--max-new-tokens must be positive, got {a.max_new_tokens}")
    if a.reps < 1:
        fail(f"--reps must be positive, got {a.reps}")
    try:
        with open(a.config_json) as f:
            cfg = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"cannot read {a.config_json}: {e}")
    for k in ("layers", "experts", "d_model", "ffn", "heads", "head_dim", "vocab", "batch",
              "seq", "capacity_factor"):
        if k not in cfg:
            fail(f"{a.config_json} has no '{k}': pass partita-glam's --stats-json output")
    if cfg.get("activations", "f32") != "f32":
        fail("only f32 activations are implemented here")
    if cfg["vocab"] < 257:
        fail(f"the vocabulary of {cfg['vocab']} is too small for byte tokens")
    try:
        data = a.prompt.encode() if a.prompt is not None else open(a.prompt_file, "rb").read()
    except OSError as e:
        fail(f"cannot read the prompt file: {e}")
    prompt = [0] + list(data)
    if len(prompt) + a.max_new_tokens - 1 > cfg["seq"]:
        fail(f"{a.max_new_tokens} new tokens after a prompt of {len(prompt)} tokens do not fit "
             f"the KV cache of {cfg['seq']} positions")

    torch.set_num_threads(a.threads)
    model = Decoder(cfg, load_weights(cfg, a.weights))
    runs = []
    with torch.inference_mode():
        for _ in range(a.reps):
            tokens, first, times = model.generate(prompt, a.max_new_tokens, a.ignore_eos)
            runs.append(times)
    steps = len(tokens) - 1
    for r in runs:
        r["decode_tokens_per_s"] = steps / r["decode_s"] if steps else None
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(),
           "prompt_tokens": len(prompt), "tokens": tokens, "decode_steps": steps, "runs": runs,
           "first_logits": [float(x) for x in first]}
    warm = runs[1:] or runs
    out["cold"] = runs[0]
    out["warm_best"] = {k: min(r[k] for r in warm)
                        for k in ("ttft_s", "ttft_cpu_s", "decode_s", "decode_cpu_s")}
    if steps:
        out["warm_best"]["decode_tokens_per_s"] = steps / out["warm_best"]["decode_s"]
        out["warm_best"]["decode_tokens_per_cpu_s"] = steps / out["warm_best"]["decode_cpu_s"]
    print(f"torch {torch.__version__} decode ({out['threads']} thread(s)): {len(tokens)} tokens "
          f"after {len(prompt)}; first generation: time to first token "
          f"{runs[0]['ttft_s'] * 1e3:.2f} ms, "
          + (f"{runs[0]['decode_tokens_per_s']:.1f} tokens/s" if steps else "no decode step")
          + (f"; best of {len(warm)} warm: {out['warm_best']['ttft_s'] * 1e3:.2f} ms, "
             f"{out['warm_best'].get('decode_tokens_per_s', 0):.1f} tokens/s" if a.reps > 1 else ""))

    ok = True
    if a.partita_stats:
        try:
            with open(a.partita_stats) as f:
                ps = json.load(f)
        except (OSError, ValueError) as e:
            fail(f"cannot read {a.partita_stats}: {e}")
        theirs = np.array([np.nan if x is None else x for x in ps["first_logits"]], np.float64)
        mine = first.double().numpy()
        if theirs.shape != mine.shape:
            fail(f"{a.partita_stats} has {theirs.shape[0]} first logits, the model {mine.shape[0]}")
        err = np.abs(mine - theirs)
        bound = a.tol * (1 + np.abs(theirs))
        logits_ok = bool(np.all(err <= bound))
        worst = int(np.argmax(err / bound))
        print(f"check first logits: max |diff| {err.max():.3g} (id {worst}: torch "
              f"{mine[worst]:.7g} partita {theirs[worst]:.7g}) {'PASS' if logits_ok else 'FAIL'}")
        tokens_ok = ps["tokens"] == tokens and ps["prompt_tokens"] == len(prompt)
        if not tokens_ok:
            k = next((i for i, (x, y) in enumerate(zip(tokens, ps["tokens"])) if x != y),
                     min(len(tokens), len(ps["tokens"])))
            print(f"check tokens: FAIL: they differ from new token {k} on: torch "
                  f"{tokens[k:k + 8]} partita {ps['tokens'][k:k + 8]} (lengths {len(tokens)}, "
                  f"{len(ps['tokens'])})")
        else:
            print(f"check tokens: the {len(tokens)} greedy tokens are Partita's: PASS")
        ok = logits_ok and tokens_ok
        out["check"] = "PASS" if ok else "FAIL"
        out["first_logits_max_abs_diff"] = float(err.max())
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
    if not ok:
        fail("PyTorch and Partita disagree (tokens or first logits): the decode benchmark is void")


if __name__ == "__main__":
    main()
