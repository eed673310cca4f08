#!/usr/bin/env python3
"""Checks a `partita-run --trace` file: valid JSON in Chrome's trace event format, one
process per rank (pid 0..RANKS-1, each named "rank N"), complete ("X") events with
non-negative microsecond times that do not overlap within a rank, and every op phase named
with --phases (e.g. compute,start,wait) present on every rank.

Usage: check_trace.py FILE RANKS [--phases a,b,...] [--ops N]
  --ops N: every rank has exactly N op events.
"""
import json, sys


def main(argv):
    path, ranks = argv[0], int(argv[1])
    phases, ops = [], None
    i = 2
    while i < len(argv):
        if argv[i] == "--phases":
            phases = argv[i + 1].split(","); i += 2
        elif argv[i] == "--ops":
            ops = int(argv[i + 1]); i += 2
        else:
            print("FAIL: unknown argument %s" % argv[i]); return 1
    with open(path) as f:
        doc = json.load(f)
    events = doc["traceEvents"]
    names = {e["pid"]: e["args"]["name"] for e in events if e.get("ph") == "M"}
    if names != {r: "rank %d" % r for r in range(ranks)}:
        print("FAIL: process names %s" % names); return 1
    for r in range(ranks):
        mine = sorted((e for e in events if e.get("ph") == "X" and e["pid"] == r),
                      key=lambda e: e["ts"])
        if not mine:
            print("FAIL: rank %d has no events" % r); return 1
        if ops is not None and len(mine) != ops:
            print("FAIL: rank %d has %d events, expected %d" % (r, len(mine), ops)); return 1
        for a, b in zip(mine, mine[1:]):
            if a["ts"] + a["dur"] > b["ts"] + 1e-3:
                print("FAIL: rank %d: %s overlaps %s" % (r, a["name"], b["name"])); return 1
        for e in mine:
            if e["ts"] < 0 or e["dur"] < 0 or e["tid"] != 0 or not e["name"]:
                print("FAIL: bad event %s" % e); return 1
            if e["cat"] not in ("compute", "collective", "start", "wait"):
                print("FAIL: unknown phase %s" % e["cat"]); return 1
        seen = {e["cat"] for e in mine}
        for p in phases:
            if p not in seen:
                print("FAIL: rank %d has no %s event (has %s)" % (r, p, sorted(seen))); return 1
    print("PASS: %d rank(s), %d events" % (ranks, sum(1 for e in events if e.get("ph") == "X")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
