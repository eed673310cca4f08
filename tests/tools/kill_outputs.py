#!/usr/bin/env python3
"""partita-run --outputs killed while it writes its results must never leave a partial or
mixed result set, nor temporary files: SIGTERM removes what was staged, and what a SIGKILL
leaves behind (a hidden staging directory) is swept by the next run into the directory.

Usage: kill_outputs.py PARTITA_RUN PROGRAM
"""
import os, shutil, signal, subprocess, sys, tempfile, time

RESULTS = ["result%d.npy" % i for i in range(4)]


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def interrupted(cmd, out_dir, sig):
    """Starts cmd, sends `sig` once a hidden (temporary) entry appears in out_dir; returns
    the exit status, or None when the run finished before anything could be interrupted."""
    before = set(os.listdir(out_dir))
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while p.poll() is None and time.monotonic() < deadline:
        if any(n.startswith(".") and n not in before for n in os.listdir(out_dir)):
            p.send_signal(sig)
            break
        time.sleep(0.0005)
    p.wait(timeout=300)
    return p.returncode


def contents(d):
    return {n: open(os.path.join(d, n), "rb").read() for n in sorted(os.listdir(d))}


def main(run_bin, program):
    failures = []
    work = tempfile.mkdtemp(prefix="partita-kill-outputs-")
    try:
        base = [run_bin, program, "--engine=interp"]
        # The reference sets, written by runs left alone.
        ref1, ref2 = os.path.join(work, "ref1"), os.path.join(work, "ref2")
        for d, seed in ((ref1, "1"), (ref2, "2")):
            r = run(base + ["--seed", seed, "--outputs", d])
            if r.returncode != 0:
                print(r.stderr)
                return 1
        want1, want2 = contents(ref1), contents(ref2)
        assert sorted(want1) == RESULTS and want1 != want2

        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGKILL):
            name = signal.Signals(sig).name
            # A fresh directory: nothing of the interrupted run may remain but, after
            # SIGKILL, a hidden staging directory.
            d = os.path.join(work, "fresh-" + name)
            os.mkdir(d)
            code = interrupted(base + ["--seed", "2", "--outputs", d], d, sig)
            if code != -sig:
                failures.append("%s: the run ended with %s, not by the signal" % (name, code))
            left = sorted(os.listdir(d))
            visible = [n for n in left if not n.startswith(".")]
            if visible:
                failures.append("%s: a partial result set remained: %s" % (name, visible))
            if sig != signal.SIGKILL and left:
                failures.append("%s: temporary files remained: %s" % (name, left))
            # The next run completes the set and sweeps what a killed run left.
            r = run(base + ["--seed", "2", "--outputs", d])
            if r.returncode != 0 or contents(d) != want2:
                failures.append("%s: the next run did not leave exactly the results: %s %s"
                                % (name, sorted(os.listdir(d)), r.stderr))

            # A directory holding an older set: after the interrupted run it holds that
            # set, unchanged, never a mix of old and new files.
            d = os.path.join(work, "older-" + name)
            shutil.copytree(ref1, d)
            code = interrupted(base + ["--seed", "2", "--outputs", d], d, sig)
            if code != -sig:
                failures.append("%s (older set): the run ended with %s" % (name, code))
            now = {n: b for n, b in contents_visible(d).items()}
            if now != want1:
                failures.append("%s: the older set was changed: %s" % (name, sorted(now)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f)
    print("%d passed, %d failed" % (0 if failures else 1, 1 if failures else 0))
    return 1 if failures else 0


def contents_visible(d):
    return {n: open(os.path.join(d, n), "rb").read() for n in sorted(os.listdir(d))
            if not n.startswith(".")}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
