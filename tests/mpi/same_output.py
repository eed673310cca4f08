#!/usr/bin/env python3
"""Runs two commands and checks that both exit 0 and print the same `result` lines.

Usage: same_output.py COMMAND_A... -- COMMAND_B...
"""
import subprocess, sys


def results(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    lines = [l for l in p.stdout.splitlines() if l.startswith("result")]
    return p.returncode, lines, p.stdout + p.stderr


def main(argv):
    sep = argv.index("--")
    a, b = argv[:sep], argv[sep + 1:]
    ra, la, oa = results(a)
    rb, lb, ob = results(b)
    if ra != 0 or rb != 0 or not la:
        print("FAIL: exits %d and %d\n%s\n%s" % (ra, rb, oa, ob)); return 1
    if la != lb:
        for x, y in zip(la, lb):
            if x != y: print("FAIL:\n  %s\n  %s" % (x, y))
        if len(la) != len(lb): print("FAIL: %d vs %d result lines" % (len(la), len(lb)))
        return 1
    print("PASS: %d identical result lines" % len(la)); return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
