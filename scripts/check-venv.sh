#!/usr/bin/env bash
# Creates (once) the virtualenv of the reference implementations that checks and benchmarks
# compare against: jax[cpu] and optax from PyPI, never a Partita dependency. bench/run
# needs it; `make test` makes it so that ctest `adafactor-optax` runs instead of skipping.
#
#   scripts/check-venv.sh [--soft]
#     --soft   on failure (no network, no python3-venv) warn and exit 0: the tests that need
#              the virtualenv then report themselves skipped in ctest's summary
# Environment: PARTITA_BENCH_VENV (default ~/.cache/partita-bench-venv).
set -euo pipefail

VENV="${PARTITA_BENCH_VENV:-$HOME/.cache/partita-bench-venv}"
PY=/usr/bin/python3
soft=0
[ "${1:-}" = "--soft" ] && soft=1

fail() {
  if [ $soft -eq 1 ]; then
    echo "check-venv: warning: $* - the checks against JAX/optax will be skipped" >&2
    exit 0
  fi
  echo "check-venv: error: $*" >&2
  exit 1
}

"$VENV/bin/python" -c "import jax, optax, numpy" 2>/dev/null && exit 0

if ! "$PY" -c "import ensurepip, venv" 2>/dev/null; then
  command -v apt-get >/dev/null || fail "$PY has no venv module (install python3-venv)"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "check-venv: installing python3-venv (apt-get)"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
      python3-venv >/dev/null; } || fail "apt-get install python3-venv failed"
fi
if [ ! -x "$VENV/bin/pip" ]; then
  echo "check-venv: creating $VENV with jax[cpu] and optax (pip, first run only)"
  "$PY" -m venv "$VENV" || fail "cannot create the virtualenv $VENV"
fi
"$VENV/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
"$VENV/bin/pip" install -q "jax[cpu]" optax numpy || fail "pip install jax[cpu] optax numpy failed"
"$VENV/bin/python" -c "import jax, optax, numpy" || fail "$VENV cannot import jax, optax and numpy"
