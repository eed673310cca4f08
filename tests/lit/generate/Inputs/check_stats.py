#!/usr/bin/env python3
"""check_stats.py STATS.json STDOUT N: checks partita-generate --stats-json against what the
same run printed: the token ids are the bytes on stdout (ids above 255 as <id>, then a
newline), there are N of them, the first is the argmax of the first logits (lowest id on
ties), and the logits are one finite number per vocabulary id. Prints OK or the mismatch."""
import json
import math
import sys

stats = json.load(open(sys.argv[1]))
text = open(sys.argv[2], "rb").read()
n = int(sys.argv[3])
toks = stats["tokens"]
want = b"".join(bytes([t]) if t < 256 else b"<%d>" % t for t in toks) + b"\n"
logits = stats["first_logits"]
errors = []
if text != want:
    errors.append(f"stdout {text!r} is not the tokens {toks}")
if len(toks) != n or stats["decode_steps"] != n - 1:
    errors.append(f"{len(toks)} tokens and {stats['decode_steps']} decode steps, expected {n}")
if not all(isinstance(x, float) and math.isfinite(x) for x in logits):
    errors.append("first_logits holds a non-finite or non-number entry")
elif max(range(len(logits)), key=lambda i: (logits[i], -i)) != toks[0]:
    errors.append(f"the first token {toks[0]} is not the argmax of first_logits")
if not stats["decode_tokens_per_s"] > 0 or not stats["time_to_first_token_s"] > 0 or \
        not stats["decode_cpu_s"] >= 0 or not stats["time_to_first_token_cpu_s"] >= 0:
    errors.append("the timings are not positive")
print("\n".join(errors) if errors else f"OK {len(toks)} tokens, {len(logits)} logits")
sys.exit(1 if errors else 0)
