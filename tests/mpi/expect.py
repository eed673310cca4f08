#!/usr/bin/env python3
"""Runs a command and checks how it ends: the exit status, a regex on its combined output,
and a bound on the wall time. Used by the MPI ctest entries (tests/CMakeLists.txt).

Usage: expect.py [--exit N|nonzero] [--match REGEX]... [--count REGEX=N] [--within SECONDS]
                 -- COMMAND...
"""
import re, subprocess, sys, time


def main(argv):
    want_exit, matches, counts, within = "0", [], [], 600.0
    i = 0
    while i < len(argv) and argv[i] != "--":
        a = argv[i]
        if a == "--exit":
            want_exit = argv[i + 1]; i += 2
        elif a == "--match":
            matches.append(argv[i + 1]); i += 2
        elif a == "--count":
            rx, n = argv[i + 1].rsplit("=", 1); counts.append((rx, int(n))); i += 2
        elif a == "--within":
            within = float(argv[i + 1]); i += 2
        else:
            print("expect.py: unknown option " + a); return 1
    cmd = argv[i + 1:]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=within)
    except subprocess.TimeoutExpired:
        print("FAIL: %s did not end within %g s" % (" ".join(cmd), within)); return 1
    secs = time.monotonic() - t0
    out = p.stdout + p.stderr
    print(out)
    ok = True
    if want_exit == "nonzero":
        if p.returncode == 0: print("FAIL: expected a nonzero exit, got 0"); ok = False
    elif p.returncode != int(want_exit):
        print("FAIL: expected exit %s, got %d" % (want_exit, p.returncode)); ok = False
    for rx in matches:
        if not re.search(rx, out): print("FAIL: no match for /%s/" % rx); ok = False
    for rx, n in counts:
        k = len(re.findall(rx, out))
        if k != n: print("FAIL: /%s/ matched %d times, expected %d" % (rx, k, n)); ok = False
    print("%s after %.1f s" % ("PASS" if ok else "FAIL", secs))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
