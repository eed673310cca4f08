#!/usr/bin/env python3
"""Chains training steps in lit tests, without numpy.

  feed.py step DIR N           write DIR/step.npy: the i32 scalar N
  feed.py next STEP.pir OUT DIR
      copy every argument OUT holds (partita-run --save-inputs) into DIR, then each result
      with `train.next = "<arg>"` over DIR/<arg>.npy, and bump DIR/step.npy by one; prints
      `fed R results into A arguments`

A step's inputs then come from the previous step's outputs, so the optimizer state is a
real second-moment estimate (non-negative) instead of random numbers.
"""
import os
import re
import shutil
import struct
import sys


def write_i32_scalar(path, n):
    header = "{'descr': '<i4', 'fortran_order': False, 'shape': (), }"
    header += " " * (63 - len(header) - 10 % 64) + "\n"
    pad = (64 - (10 + len(header)) % 64) % 64
    header = header[:-1] + " " * pad + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<i", n))


def read_i32_scalar(path):
    with open(path, "rb") as f:
        data = f.read()
    (hlen,) = struct.unpack_from("<H", data, 8)
    return struct.unpack_from("<i", data, 10 + hlen)[0]


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "step":
        os.makedirs(sys.argv[2], exist_ok=True)
        write_i32_scalar(os.path.join(sys.argv[2], "step.npy"), int(sys.argv[3]))
        return 0
    if len(sys.argv) != 5 or sys.argv[1] != "next":
        sys.exit(__doc__)
    step_pir, out, dst = sys.argv[2:]
    text = open(step_pir).read()
    sig = text[text.index("func @main("):]
    results = sig[sig.index(") -> (") + 6:sig.index("\n")]
    # One match per result type; its attributes may hold shardings with braces inside <>.
    nexts = re.findall(r"(?:f32|bf16|i32|i1)\[[\d,]*\](?: \{((?:<[^>]*>|[^{}<])*)\})?", results)
    copied = 0
    for name in os.listdir(out):
        if name.endswith(".npy") and not name.startswith("result"):
            shutil.copy(os.path.join(out, name), os.path.join(dst, name))
            copied += 1
    fed = 0
    for i, attrs in enumerate(nexts):
        m = re.search(r'train\.next = "([^"]+)"', attrs or "")
        if m:
            shutil.copy(os.path.join(out, f"result{i}.npy"), os.path.join(dst, m.group(1) + ".npy"))
            fed += 1
    step = os.path.join(dst, "step.npy")
    write_i32_scalar(step, read_i32_scalar(step) + 1)
    print(f"fed {fed} results into {copied} arguments")
    return 0


if __name__ == "__main__":
    sys.exit(main())
