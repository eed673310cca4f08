#!/usr/bin/env bash
# Trains a small GLaM with MoE layers on a 2x2 data x model mesh (4 MPI ranks) on a text the
# machine already has, and shows the loss falling: partita-glam --train writes the step
# program (docs/training.md), partita-train runs it with checkpoints. Exits nonzero, with a
# message, when a step fails or the loss does not fall.
#
# Usage: bash examples/train.sh [BIN_DIR]     (default: build/bin)
#   PARTITA_TRAIN_STEPS=N   steps (default 60)
#   PARTITA_TRAIN_DATA=FILE the text (default /usr/share/common-licenses/GPL-3)
#   PARTITA_TRAIN_KEEP=DIR  keep the step program, log, checkpoints and loss.svg in DIR
set -euo pipefail

bin=${1:-build/bin}
steps=${PARTITA_TRAIN_STEPS:-60}
data=${PARTITA_TRAIN_DATA:-/usr/share/common-licenses/GPL-3}
die() {
  echo "train: error: $*" >&2
  exit 1
}
for tool in partita-glam partita-train; do
  [[ -x $bin/$tool ]] || die "$bin/$tool not found (build first: make build)"
done
command -v mpirun >/dev/null || die "mpirun not found (scripts/setup.sh installs Open MPI)"
[[ -r $data ]] || die "$data: no such text (set PARTITA_TRAIN_DATA)"

if [[ -n ${PARTITA_TRAIN_KEEP:-} ]]; then
  work=$PARTITA_TRAIN_KEEP
  mkdir -p "$work"
  rm -rf "$work/ckpt" "$work/log.jsonl"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/partita-train.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

# Byte-level tokens (256 ends a document) need vocab >= 257; 264 splits evenly on the mesh.
"$bin/partita-glam" --config 0.1B/64E --train --layers 2 --d-model 64 --ffn 256 --heads 4 \
  --head-dim 16 --experts 8 --vocab 264 --seq 64 --batch 8 --mesh data=2,model=2 \
  -o "$work/step.pir"
echo "step program: GLaM, 2 layers (one MoE layer of 8 experts), d_model 64, vocab 264"

mpirun=(mpirun)
if mpirun --version 2>/dev/null | grep -q "Open MPI\|OpenRTE"; then
  mpirun+=(--oversubscribe)
  [[ $(id -u) == 0 ]] && mpirun+=(--allow-run-as-root)
fi
"${mpirun[@]}" -np 4 "$bin/partita-train" "$work/step.pir" --data "$data" --steps "$steps" \
  --checkpoint-dir "$work/ckpt" --save-every 20 --log "$work/log.jsonl"

# The curve: mean loss of the first and the last quarter of the steps, and DIR/loss.svg (the
# plot in docs/training.md).
python3 - "$work/log.jsonl" "$work/loss.svg" <<'PY'
import json, sys
loss = [json.loads(l)["loss"] for l in open(sys.argv[1])]
q = max(1, len(loss) // 4)
first, last = sum(loss[:q]) / q, sum(loss[-q:]) / q
print("mean loss: first %d steps %.3f, last %d steps %.3f" % (q, first, q, last))
W, H, P = 640, 320, 48
top, n = max(loss), len(loss)
x = lambda i: P + (W - 2 * P) * i / max(1, n - 1)
y = lambda v: H - P - (H - 2 * P) * v / top
pts = " ".join("%.1f,%.1f" % (x(i), y(v)) for i, v in enumerate(loss))
ticks = "".join('<text x="%d" y="%.1f" font-size="11" text-anchor="end">%.1f</text>'
                % (P - 6, y(v) + 4, v) for v in (0, top / 2, top))
with open(sys.argv[2], "w") as f:
    f.write('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif">'
            '<rect width="100%%" height="100%%" fill="white"/>'
            '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'
            '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>%s'
            '<text x="%d" y="%d" font-size="12" text-anchor="middle">step (1 to %d)</text>'
            '<text x="%d" y="%d" font-size="12">training loss</text>'
            '<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="%s"/></svg>\n'
            % (W, H, P, H - P, W - P, H - P, P, P, P, H - P, ticks, W // 2, H - 12, n, P, P - 12, pts))
if not last < first:
    sys.exit("train: error: the loss did not fall")
PY
