#!/usr/bin/env python3
"""Helpers for comparing two programs on the same weights, without numpy.

  npy_tools.py rename SRC DST       copy SRC/<name>.npy to DST/<name with '.' -> '_'>.npy
                                    (partita-glam's parameter names spelled as C++
                                    parameters; result<i>.npy files are skipped)
  npy_tools.py compare A.npy B.npy  compare two arrays elementwise with partita-run's f32
                                    tolerance |a-b| <= 1e-4 + 1e-4*|b|; prints
                                    `compare: max_abs_err=E PASS|FAIL`, exits 1 on FAIL

Only the .npy files partita-run writes are read: little-endian '<f4', '<i4' or '|b1',
C order.
"""
import ast
import os
import shutil
import struct
import sys


def read_npy(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        sys.exit(f"{path}: error: not a .npy file")
    major = data[6]
    if major == 1:
        (hlen,) = struct.unpack_from("<H", data, 8)
        start = 10
    else:
        (hlen,) = struct.unpack_from("<I", data, 8)
        start = 12
    header = ast.literal_eval(data[start : start + hlen].decode("latin1"))
    if header.get("fortran_order"):
        sys.exit(f"{path}: error: Fortran-order arrays are not supported")
    shape = tuple(header["shape"])
    count = 1
    for d in shape:
        count *= d
    fmt = {"<f4": "f", "<i4": "i", "|b1": "?"}.get(header["descr"])
    if fmt is None:
        sys.exit(f"{path}: error: unsupported array type {header['descr']}")
    values = struct.unpack_from(f"<{count}{fmt}", data, start + hlen)
    return shape, [float(v) for v in values]


def rename(src, dst):
    os.makedirs(dst, exist_ok=True)
    copied = 0
    for name in sorted(os.listdir(src)):
        stem, ext = os.path.splitext(name)
        if ext != ".npy" or stem.startswith("result"):
            continue
        shutil.copyfile(os.path.join(src, name), os.path.join(dst, stem.replace(".", "_") + ext))
        copied += 1
    print(f"rename: {copied} arrays")


def compare(a_path, b_path):
    sa, a = read_npy(a_path)
    sb, b = read_npy(b_path)
    if sa != sb:
        print(f"compare: shapes differ: {sa} and {sb} FAIL")
        return 1
    worst, ok = 0.0, True
    for x, y in zip(a, b):
        err = abs(x - y)
        worst = max(worst, err)
        if not err <= 1e-4 + 1e-4 * abs(y):  # also false for nan
            ok = False
    print(f"compare: max_abs_err={worst:.3g} {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def main(argv):
    if len(argv) == 4 and argv[1] == "rename":
        rename(argv[2], argv[3])
        return 0
    if len(argv) == 4 and argv[1] == "compare":
        return compare(argv[2], argv[3])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
