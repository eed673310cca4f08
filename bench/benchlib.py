"""benchlib.py: the few pure-Python pieces bench/run's scripts share (no third-party
imports, so both Debian's python and the JAX virtualenv can load it): T5's relative
position bucket of partita-glam's attention, the bytes a collective puts on the wire, and the
live set of a training-step program."""
import importlib
import math
import re
import sys


def fail(prog, msg):
    """A one-line error for the user and exit 1."""
    print(f"{prog}: error: {msg}", file=sys.stderr)
    sys.exit(1)


def import_torch(prog):
    """numpy and torch, or a plain error saying how to install them."""
    try:
        return importlib.import_module("numpy"), importlib.import_module("torch")
    except ImportError as e:  # the bench script installs python3-torch; say so plainly
        fail(prog, f"{e.name} is not installed for {sys.executable}: run bench/run (it "
             "installs Debian's python3-torch) or `apt-get install python3-torch`")


def relative_position_bucket(n, buckets=32, max_distance=128):
    """T5's unidirectional bucket of a query n >= 0 tokens after its key (Glam.cpp)."""
    n = max(n, 0)
    max_exact = buckets // 2
    if n < max_exact:
        return n
    large = math.log(n / max_exact) / math.log(max_distance / max_exact) * (buckets - max_exact)
    return min(max_exact + int(large), buckets - 1)


def wire_bytes(kind, operand, n):
    """Bytes one device sends for a collective of `operand` bytes over a group of n, with
    ring or pairwise algorithms (the partitioner's cost model, passes/Reshard.h)."""
    if n <= 1:
        return 0
    return {"all_reduce": 2 * (n - 1) / n * operand, "all_gather": (n - 1) * operand,
            "reduce_scatter": (n - 1) / n * operand, "all_to_all": (n - 1) / n * operand,
            "collective_permute": operand}[kind]


DTYPE_BYTES = {"f64": 8, "f32": 4, "i32": 4, "bf16": 2, "f16": 2, "i64": 8, "i8": 1, "i1": 1}


def type_bytes(t):
    """Bytes of an IR tensor type such as f32[8,16] (f32[] is a scalar)."""
    m = re.match(r"(\w+)\[([0-9, ]*)\]", t)
    n = math.prod(int(d) for d in m.group(2).split(",") if d.strip()) if m.group(2).strip() else 1
    return DTYPE_BYTES[m.group(1)] * n


def main_args(text):
    """(name, type, attributes) of @main's arguments in an unpartitioned program (whose
    argument attributes hold no nested braces)."""
    lines = text.splitlines()
    head = next(i for i, l in enumerate(lines) if l.lstrip().startswith("func @main("))
    sig = []
    for l in lines[head:]:
        sig.append(l)
        if l.rstrip().endswith("{") and "->" in " ".join(sig):
            break
    sig = " ".join(sig).split("->")[0]
    return [(n, t, a or "") for n, t, a in
            re.findall(r"%([\w.]+): (\w+\[[0-9, ]*\])( \{[^}]*\})?", sig)]


def step_live_set(text):
    """The live set of a training-step program (partita-glam --train, unpartitioned): bytes of
    the parameters, the optimizer state, the batch and step, and the saved activations, i.e.
    the values defined by the forward ops (before %grad.seed, where autodiff starts the
    backward sweep) that some op at or after it uses. Returns a dict of byte counts."""
    lines = text.splitlines()
    head = next(i for i, l in enumerate(lines) if l.lstrip().startswith("func @main("))
    out = {"params": 0, "state": 0, "inputs": 0, "saved": 0, "saved_values": 0}
    for _, t, attrs in main_args(text):
        key = "params" if "trainable = true" in attrs else "state" if "train.state" in attrs \
            else "inputs"
        out[key] += type_bytes(t)
    defs, first_use_after = {}, set()
    seed = None
    op_re = re.compile(r"^\s*%([\w.]+) = (.*) : (\w+\[[0-9, ]*\])")
    for i, l in enumerate(lines[head + 1:]):
        m = op_re.match(l)
        uses = re.findall(r"%([\w.]+)", l.split("=", 1)[1]) if m else \
            re.findall(r"%([\w.]+)", l) if l.lstrip().startswith("return") else []
        if m and m.group(1) == "grad.seed":
            seed = i
        if seed is not None:
            first_use_after.update(uses)
        elif m:
            defs[m.group(1)] = type_bytes(m.group(3))
    if seed is None:
        raise ValueError("no %grad.seed: not a differentiated program")
    for v in first_use_after:
        if v in defs:
            out["saved"] += defs[v]
            out["saved_values"] += 1
    out["total"] = out["params"] + out["state"] + out["inputs"] + out["saved"]
    return out
