"""Minimal .npy reading and writing for the partita-train tests (no NumPy on the test
machines): 1-D or N-D little-endian '<f4' and '<i4' arrays as flat Python lists."""
import ast, struct


def read(path):
    """Returns (descr, shape, values) of an .npy file."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:6] == b"\x93NUMPY", path
    if data[6] == 1:
        n = struct.unpack("<H", data[8:10])[0]
        start = 10
    else:
        n = struct.unpack("<I", data[8:12])[0]
        start = 12
    header = ast.literal_eval(data[start:start + n].decode("latin1"))
    shape = tuple(header["shape"])
    count = 1
    for d in shape:
        count *= d
    body = data[start + n:]
    code = {"<f4": "f", "<i4": "i"}[header["descr"]]
    assert len(body) == 4 * count, "%s: %d data bytes for %d elements" % (path, len(body), count)
    return header["descr"], shape, list(struct.unpack("<%d%s" % (count, code), body))


def write(path, descr, shape, values):
    code = {"<f4": "f", "<i4": "i"}[descr]
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    d = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, dims)
    total = (10 + len(d) + 1 + 63) // 64 * 64
    d = d + " " * (total - 10 - len(d) - 1) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(d)) + d.encode("latin1"))
        f.write(struct.pack("<%d%s" % (len(values), code), *values))


def f32(x):
    """Rounds a Python float to float32."""
    return struct.unpack("<f", struct.pack("<f", x))[0]
