#!/usr/bin/env bash
# Installs the Debian packages Partita builds and tests with. Idempotent: when every
# package is already present it returns at once without touching apt.
set -euo pipefail

PKGS=(
  cmake ninja-build g++ make python3
  llvm-19-dev llvm-19-tools libclang-19-dev clang-19 libclang-rt-19-dev
  libopenmpi-dev openmpi-bin
  libeigen3-dev libfmt-dev libgtest-dev
  zlib1g-dev libzstd-dev libedit-dev libcurl4-openssl-dev libxml2-dev
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
else
  missing=("${PKGS[@]}")
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: this system has no apt-get; install these packages (or their equivalents) by hand:" >&2
  echo "  ${PKGS[*]}" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: not root and no sudo; install as root: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
