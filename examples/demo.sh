#!/usr/bin/env bash
# The `make run` demo: builds a small GLaM (4 layers, 8 experts) for a 2x2 data x model
# mesh, partitions it, prints a short report of what the partitioner did (parameter bytes,
# collectives, the expert all_to_alls), runs it on 4 MPI ranks against the reference
# interpreter, and ends with a short greedy generation from the same model's serving module
# (random weights) on 4 MPI ranks, checked to give the tokens of a one-device run. Exits
# nonzero, with a message, as soon as any step fails.
#
# Usage: bash examples/demo.sh [BIN_DIR]     (default: build/bin)
#   PARTITA_DEMO_KEEP=DIR keeps the generated files in DIR instead of a temporary folder.
set -euo pipefail

bin=${1:-build/bin}
die() {
  echo "demo: error: $*" >&2
  exit 1
}
for tool in partita-glam partita-opt partita-run partita-generate; do
  [[ -x $bin/$tool ]] || die "$bin/$tool not found (build first: make build)"
done
command -v python3 >/dev/null || die "python3 is needed for the report"
command -v mpirun >/dev/null || die "mpirun not found (scripts/setup.sh installs Open MPI)"

if [[ -n ${PARTITA_DEMO_KEEP:-} ]]; then
  work=$PARTITA_DEMO_KEEP
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/partita-demo.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

# Small enough for two cores, big enough to have every kind of layer: dense and MoE
# layers alternate, 8 experts over the 2 "data" ranks, heads/hidden/vocabulary over "model".
model=(--config 1.7B/64E --layers 4 --d-model 64 --ffn 256 --heads 4 --head-dim 16
  --experts 8 --vocab 512 --seq 64 --batch 4)
mesh=data=2,model=2
ranks=4

echo "== 1. GLaM ${model[*]} on --mesh $mesh"
"$bin/partita-glam" "${model[@]}" --mesh "$mesh" -o "$work/glam.pir" \
  --stats-json="$work/model.json" || die "partita-glam failed"

echo "== 2. partita-opt --partition"
"$bin/partita-opt" "$work/glam.pir" --stats-json="$work/whole.json" -o /dev/null ||
  die "partita-opt could not read the model"
"$bin/partita-opt" "$work/glam.pir" --partition --stats-json="$work/stats.json" \
  -o "$work/part.pir" || die "partita-opt --partition failed"

python3 - "$work" <<'EOF' || die "the report failed"
import json, os, re, sys
from collections import OrderedDict

work = sys.argv[1]
model = json.load(open(os.path.join(work, "model.json")))
whole = json.load(open(os.path.join(work, "whole.json")))
stats = json.load(open(os.path.join(work, "stats.json")))


def size(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return ("%d %s" % (n, unit)) if unit == "B" else ("%.1f %s" % (n, unit))
        n /= 1024.0


mesh = " x ".join("%s=%d" % kv for kv in stats["mesh"].items())
print("   %d parameters (%d activated per token), %d MoE of %d layers, %d devices (%s)"
      % (model["params"], model["activated_params"], model["moe_layers"], model["layers"],
         stats["devices"], mesh))
# param_bytes_per_device sums @main's arguments: the parameters plus the ids and labels.
print("   arguments: %s in the whole model, %s per device"
      % (size(whole["param_bytes_per_device"]), size(stats["param_bytes_per_device"])))
print("   peak live bytes per device: %s; FLOPs per device: %.3g"
      % (size(stats["peak_bytes_per_device"]), stats["flops_per_device"]))

kinds = OrderedDict()
for c in stats["collectives"]:
    key = (c["kind"], ",".join(c["axes"]))
    n, b = kinds.get(key, (0, 0))
    kinds[key] = (n + 1, b + c["bytes"])
print("   collectives per device (operand bytes):")
for (kind, axes), (n, b) in sorted(kinds.items()):
    print("     %-16s over %-11s %3d x, %s" % (kind, axes, n, size(b)))

a2a = []
for line in open(os.path.join(work, "part.pir")):
    m = re.match(r'\s*%(\S+) = all_to_all\(%(\S+)\) \{axes = \[([^\]]*)\]', line)
    if m:
        a2a.append((m.group(1), m.group(3).replace('"', "")))
if not a2a:
    sys.exit("demo: error: the partitioned program has no all_to_all")
print("   expert all_to_alls (dispatch to experts, then back to token groups):")
for name, axes in a2a:
    print("     %%%s over %s" % (name, axes))
EOF

echo "== 3. mpirun -np $ranks partita-run --check"
mpi=(mpirun -np "$ranks")
if [[ $(mpirun --version 2>&1 || true) == *"Open MPI"* ]]; then
  # Open MPI refuses root without this, and starts no more ranks than cores without
  # --oversubscribe.
  mpi+=(--oversubscribe)
  [[ $(id -u) == 0 ]] && mpi+=(--allow-run-as-root)
fi
status=0
"${mpi[@]}" "$bin/partita-run" "$work/glam.pir" --check --seed 1 --timeout 300 \
  >"$work/run.txt" 2>&1 || status=$?
python3 - "$work/run.txt" "$status" <<'EOF' || die "the MPI run failed (output above)"
import re, sys

text = open(sys.argv[1]).read()
status = int(sys.argv[2])
value = {}
for i in (0, 1):
    m = re.search(r"^result%d: \S+ \[([^\]]*)\]" % i, text, re.M)
    if m:
        value[i] = m.group(1)
checks = [l for l in text.splitlines() if l.startswith("check:")]
if status != 0 or len(checks) != 1 or not checks[0].endswith(" PASS") or len(value) != 2:
    sys.stdout.write(text)
    sys.exit(1)
print("   loss     %s" % value[0])
print("   aux loss %s (sum over MoE layers of the load-balancing loss)" % value[1])
print("   " + checks[0])
EOF

# The serving module of the same model (docs/inference.md): the weights are the generated
# inputs of a one-device run, which the seeded generator makes identical on every mesh.
echo "== 4. partita-glam --decode, then mpirun -np $ranks partita-generate"
serve=("${model[@]}" --batch 2 --decode)
"$bin/partita-glam" "${serve[@]}" --mesh "$mesh" -o "$work/serve.pir" ||
  die "partita-glam --decode failed"
"$bin/partita-glam" "${serve[@]}" -o "$work/serve1.pir" || die "partita-glam --decode failed"
"$bin/partita-run" "$work/serve1.pir" --seed 1 --outputs "$work/weights" --save-inputs ||
  die "writing the demo weights failed"
prompt="Partita"
"${mpi[@]}" "$bin/partita-generate" "$work/serve.pir" --weights "$work/weights" \
  --prompt "$prompt" --max-new-tokens 24 >"$work/gen.txt" 2>"$work/gen.err" ||
  { cat "$work/gen.err" >&2; die "partita-generate on $ranks MPI ranks failed"; }
"$bin/partita-generate" "$work/serve1.pir" --weights "$work/weights" --prompt "$prompt" \
  --max-new-tokens 24 >"$work/gen1.txt" 2>"$work/gen1.err" ||
  { cat "$work/gen1.err" >&2; die "partita-generate on one device failed"; }
python3 - "$work" "$prompt" <<'EOF' || die "the generation report failed"
import os, sys
work, prompt = sys.argv[1], sys.argv[2]
mpi = open(os.path.join(work, "gen.txt"), "rb").read()
one = open(os.path.join(work, "gen1.txt"), "rb").read()
# Random weights give random bytes: show them escaped.
print("   %s -> %s" % (prompt, repr(mpi.rstrip(b"\n"))[1:]))
print("   " + open(os.path.join(work, "gen.err")).read().strip())
if mpi != one:
    sys.exit("demo: error: 4 MPI ranks and one device generated different tokens")
print("   greedy tokens identical on one device and on 4 MPI ranks")
EOF
echo "== done: the partitioned GLaM matches the reference and generates on $ranks MPI ranks"
