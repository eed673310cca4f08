#!/usr/bin/env python3
"""Flags calls that pass two or more arguments each creating IR ops.

C++ leaves the evaluation order of function arguments unspecified: in
`bin(Sub, cst(...), mul(...))` GCC builds the mul first and Clang the constant,
so the printed program, its golden tests and its memory report differ between
compilers. Every op-creating argument but one must be a named local first.

usage: builder_order.py SOURCE_ROOT   (exit 1 and one line per finding)
"""
import re
import sys
from pathlib import Path

# Functions and lambdas that append ops to the function being built.
CREATORS = set("""
addArg argmax attend attention attentionBias bcast bcastReduced bin broadcast
broadcastScalar build cmp compare constI32 constrain convert create cst cstLike
cumsumExclusive decodeAttention decodeMoe decoderLayers denseFfn einsum embedTokens
emit groupIndex groupedMoe iota localIds logitsAt lower maskPadding mul mulc newValue
oneHot outputLogits pad reduce reshape rmsNorm sel shardOffset slice softmax splat
sumOver take transpose un windowMask zeros expert route ema rms mean eval
""".split())
DIRS = ["ir", "passes", "frontends"]
CALL = re.compile(r"([A-Za-z_]\w*)\s*\(")


def strip(src):
    src = re.sub(r"//[^\n]*", lambda m: " " * len(m.group(0)), src)
    return re.sub(r'"(\\.|[^"\\])*"', lambda m: '"' + " " * (len(m.group(0)) - 2) + '"', src)


def args_of(src, open_paren):
    depth, cur, out = 0, [], []
    for j in range(open_paren, len(src)):
        ch = src[j]
        if ch in "([{":
            depth += 1
            if depth == 1:
                continue
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                out.append("".join(cur))
                return out
        elif ch == "," and depth == 1:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    return []


def creates(arg):
    # A lambda passed as an argument runs later, not while the arguments are evaluated.
    if re.match(r"\s*\[[^\]]*\]\s*\(", arg):
        return False
    return any(m.group(1) in CREATORS for m in CALL.finditer(arg))


def main():
    root = Path(sys.argv[1])
    findings = []
    for d in DIRS:
        for path in sorted((root / d).rglob("*.cpp")):
            src = strip(path.read_text())
            for m in CALL.finditer(src):
                if m.group(1) in ("if", "for", "while", "switch", "return", "sizeof"):
                    continue
                # Braced initialiser lists are evaluated left to right: only calls count.
                n = sum(creates(a) for a in args_of(src, m.end() - 1))
                if n >= 2:
                    line = src.count("\n", 0, m.start()) + 1
                    findings.append(f"{path.relative_to(root)}:{line}: error: {m.group(1)}(...) "
                                    f"has {n} op-creating arguments; their order is unspecified")
    for f in findings:
        print(f)
    print(f"builder_order: {len(findings)} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
