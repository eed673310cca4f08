#!/usr/bin/env python3
"""Writes one packed batch for `partita-glam --packed` programs, without numpy.

  packed_batch.py OUTDIR BATCH SEQ VOCAB SEED

OUTDIR/{ids,labels,segments,positions}.npy, each '<i4' [BATCH, SEQ]: rows of documents of
random lengths numbered 1, 2, ... with positions restarting at 0 in each, padding
(segment 0) after the last document that fits, and the last row all padding; labels are
random tokens and ids the labels shifted right by one with 0 at each document start, as
the data loader (frontends/data/Packing.h) makes them.
"""
import os
import random
import struct
import sys


def write_npy(path, rows, seq, values):
    header = "{'descr': '<i4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, seq)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        f.write(struct.pack("<%di" % len(values), *values))


def main():
    out, batch, seq, vocab, seed = sys.argv[1], *map(int, sys.argv[2:6])
    rng = random.Random(seed)
    ids, labels, segments, positions = [], [], [], []
    for b in range(batch):
        t, doc = 0, 0
        row_seg, row_pos = [0] * seq, [0] * seq
        while b < batch - 1 and t < seq:
            n = rng.randint(1, max(1, seq // 2))
            if n > seq - t:
                break
            doc += 1
            for j in range(n):
                row_seg[t + j], row_pos[t + j] = doc, j
            t += n
        row_lab = [rng.randrange(vocab) if s else 0 for s in row_seg]
        row_ids = [0 if (s == 0 or p == 0) else row_lab[i - 1]
                   for i, (s, p) in enumerate(zip(row_seg, row_pos))]
        ids += row_ids
        labels += row_lab
        segments += row_seg
        positions += row_pos
    os.makedirs(out, exist_ok=True)
    for name, vals in (("ids", ids), ("labels", labels), ("segments", segments),
                       ("positions", positions)):
        write_npy(os.path.join(out, name + ".npy"), batch, seq, vals)


if __name__ == "__main__":
    main()
