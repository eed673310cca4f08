#!/usr/bin/env python3
"""Teacher forcing under mpirun (docs/inference.md): a tiny GLaM serving module on a mesh
runs its full forward (@main with logits), then @prefill of the first T0 tokens and one
@decode_step per following token, each a separate `mpirun partita-run --function` with the
KV caches passed from step to step as .npy files. At every position the decode logits must
equal the full forward's within 1e-4 + 1e-4*|x|.

Usage: decode_consistency.py BIN_DIR MESH MPIRUN_ARGS...
  MESH is "data=D,model=M" (or "data=2", "model=2"); MPIRUN_ARGS end before the program.
"""
import os, shutil, struct, subprocess, sys, tempfile, ast

T0 = 3  # prompt length; positions T0 .. SEQ-1 are decoded
SEQ = 7
MODEL = ["--config", "1.7B/64E", "--layers", "2", "--d-model", "16", "--ffn", "32",
         "--heads", "4", "--head-dim", "4", "--experts", "4", "--vocab", "40",
         "--seq", str(SEQ), "--batch", "4", "--decode"]


def read_npy(path):
    """(shape, values) of a little-endian f4 or i4 .npy file, C order."""
    data = open(path, "rb").read()
    assert data[:6] == b"\x93NUMPY", path
    hlen = struct.unpack("<H", data[8:10])[0]
    header = ast.literal_eval(data[10:10 + hlen].decode("latin1"))
    assert not header["fortran_order"], path
    code = {"<f4": "f", "<i4": "i"}[header["descr"]]
    shape = tuple(header["shape"])
    n = 1
    for d in shape:
        n *= d
    return shape, list(struct.unpack("<%d%s" % (n, code), data[10 + hlen:10 + hlen + 4 * n]))


def write_npy(path, shape, values, code):
    descr = {"f": "<f4", "i": "<i4"}[code]
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join("%d, " % d for d in shape) if len(shape) != 1 else "%d," % shape[0])
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        f.write(struct.pack("<%d%s" % (len(values), code), *values))


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        sys.exit("FAIL %s: exit %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p.stdout


def main():
    bindir, mesh, mpirun = sys.argv[1], sys.argv[2], sys.argv[3:]
    ranks = 1
    for axis in mesh.split(","):
        ranks *= int(axis.split("=")[1])
    work = tempfile.mkdtemp(prefix="partita-decode-")
    try:
        model = os.path.join(work, "serve.pir")
        run([os.path.join(bindir, "partita-glam")] + MODEL + ["--mesh", mesh, "-o", model])
        prun = mpirun + ["-np", str(ranks), os.path.join(bindir, "partita-run"), model,
                         "--timeout", "300"]
        # The full forward; its generated inputs (ids and every parameter) are the weights.
        full = os.path.join(work, "full")
        run(prun + ["--seed", "5", "--outputs", full, "--save-inputs"])
        lshape, logits = read_npy(os.path.join(full, "result2.npy"))
        ishape, ids = read_npy(os.path.join(full, "ids.npy"))
        B, S, V = lshape
        assert (B, S) == ishape and S == SEQ

        worst = [0.0, ""]

        def compare(path, t, what):
            shape, got = read_npy(path)
            assert shape == (B, V), (path, shape)
            for b in range(B):
                for v in range(V):
                    ref = logits[(b * S + t) * V + v]
                    e = abs(got[b * V + v] - ref) / (1e-4 + 1e-4 * abs(ref))
                    if e > worst[0]:
                        worst[:] = [e, "%s b=%d t=%d" % (what, b, t)]

        # Prefill: the first T0 tokens, other tokens in the padding.
        inp = os.path.join(work, "in")
        shutil.copytree(full, inp)
        padded = [ids[b * S + t] if t < T0 else (ids[b * S + t] + 11) % V
                  for b in range(B) for t in range(S)]
        write_npy(os.path.join(inp, "ids.npy"), (B, S), padded, "i")
        write_npy(os.path.join(inp, "length.npy"), (), [T0], "i")
        out = os.path.join(work, "step%d" % (T0 - 1))
        run(prun + ["--function", "prefill", "--inputs", inp, "--outputs", out])
        compare(os.path.join(out, "result0.npy"), T0 - 1, "prefill")
        names = ["layer%d.attn.%s_cache" % (l, kv) for l in range(2) for kv in "kv"]
        for t in range(T0, S):
            for i, name in enumerate(names):
                shutil.copy(os.path.join(out, "result%d.npy" % (1 + i)),
                            os.path.join(inp, name + ".npy"))
            write_npy(os.path.join(inp, "ids.npy"), (B, 1), [ids[b * S + t] for b in range(B)], "i")
            write_npy(os.path.join(inp, "pos.npy"), (), [t], "i")
            out = os.path.join(work, "step%d" % t)
            run(prun + ["--function", "decode_step", "--inputs", inp, "--outputs", out])
            compare(os.path.join(out, "result0.npy"), t, "decode")
        status = "PASS" if worst[0] <= 1.0 else "FAIL"
        print("decode consistency on %s: worst error %.3g of tolerance (%s) %s"
              % (mesh, worst[0], worst[1], status))
        return 0 if status == "PASS" else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
