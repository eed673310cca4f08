#!/usr/bin/env python3
"""partita-run --inputs under MPI: ranks holding copies of a replicated argument must have
read the same values (each node may have its own DIR), else the job fails naming the file
instead of returning a wrong result; and errors of several ranks arrive one per line.

Usage: replicated_inputs.py PARTITA_RUN MPIRUN [MPIRUN_ARGS...]
"""
import os, re, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAM = os.path.join(HERE, "replicated_inputs.pir")


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def write_arrays(run_bin, d, arrays):
    """Writes DIR/<name>.npy for each (name, f32 values) with partita-run itself."""
    os.makedirs(d, exist_ok=True)
    body, rets, types = [], [], []
    for i, (name, vals) in enumerate(arrays):
        t = "f32[%d]" % len(vals)
        body.append("  %%c%d = constant() {value = [%s]} : %s" % (i, ", ".join("%.1f" % v for v in vals), t))
        rets.append("%%c%d" % i)
        types.append(t)
    src = os.path.join(d, "make.pir")
    with open(src, "w") as f:
        f.write("func @main() -> (%s) {\n%s\n  return %s\n}\n" % (", ".join(types), "\n".join(body), ", ".join(rets)))
    code, _, err = run([run_bin, src, "--outputs", d])
    assert code == 0, err
    for i, (name, _) in enumerate(arrays):
        os.rename(os.path.join(d, "result%d.npy" % i), os.path.join(d, name + ".npy"))
    os.remove(src)


def result_line(vals):
    shown = ", ".join("%g" % x for x in vals[:6])
    return "result0: f32[%d] [%s, ...] sum=%g" % (len(vals), shown, sum(vals))


def main(run_bin, mpirun):
    work = tempfile.mkdtemp(prefix="partita-replicated-")
    failures = []
    try:
        w_a, w_b, v = [1, 2, 3, 4], [1, 2, 3, 5], [10, 20, 30, 40, 50, 60, 70, 80]
        a, b = os.path.join(work, "a"), os.path.join(work, "b")
        write_arrays(run_bin, a, [("w", w_a), ("v", v)])
        write_arrays(run_bin, b, [("w", w_b), ("v", v)])
        one = lambda d, *extra: ["-np", "1", run_bin, PROGRAM, "--inputs", d] + list(extra)

        # The same files on every rank: the sum, checked against this script's own.
        code, out, err = run(mpirun + ["-np", "2", run_bin, PROGRAM, "--inputs", a])
        want = result_line([w_a[i % 4] + v[i] for i in range(8)])
        if code != 0 or want not in out:
            failures.append("same inputs: exit %d, wanted %r in %r %r" % (code, want, out, err))

        # Rank 1 reads another w: an error naming the file, once, and exit 1.
        code, out, err = run(mpirun + one(a) + [":"] + one(b))
        rx = r"w\.npy: error: ranks 0 and 1 read different values for their copies of the replicated argument %w"
        if code == 0 or len(re.findall(rx, out + err)) != 1 or "result0" in out:
            failures.append("different inputs: exit %d, output %r %r" % (code, out, err))

        # --no-input-check skips the comparison (each rank then uses its own copy).
        code, out, err = run(mpirun + one(a, "--no-input-check") + [":"] + one(b, "--no-input-check"))
        if code != 0 or "result0: f32[8]" not in out:
            failures.append("--no-input-check: exit %d, output %r %r" % (code, out, err))

        # Every rank fails reading its shard of a wrong-shaped v: one whole line each.
        bad = os.path.join(work, "bad")
        write_arrays(run_bin, bad, [("w", w_a), ("v", v[:6])])
        code, out, err = run(mpirun + ["-np", "2", run_bin, PROGRAM, "--inputs", bad])
        lines = [l for l in err.splitlines() if "error" in l]
        line_rx = r"^\S*v\.npy: error: holds a '<f4' array of shape \(6,\) \(f32\[6\]\), expected f32\[8\] for argument %v$"
        whole = [l for l in lines if re.match(line_rx, l)]
        if code == 0 or len(whole) != 2 or any(l.count("error:") != 1 for l in lines):
            failures.append("rank errors: exit %d, stderr %r" % (code, err))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f)
    print("%d passed, %d failed" % (4 - min(4, len(failures)), min(4, len(failures))))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
