// --dot command-line errors: one line, exit 1, and no output file left behind; --help
// documents the three options.
// RUN: partita-opt --help | FileCheck %s --check-prefix=HELP
// RUN: rm -f %t.dot
// RUN: not partita-opt %s --dot 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: not partita-opt %s --dot= 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: not partita-opt %s --dot-filter=x 2>&1 | FileCheck %s --check-prefix=ALONE
// RUN: not partita-opt %s --dot-compact 2>&1 | FileCheck %s --check-prefix=ALONE
// RUN: not partita-opt %s --dot %t.dot --dot-filter= 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: not partita-opt %s --dot %t.dot --dot-filter=a,,b 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: not partita-opt %s --dot %s 2>&1 | FileCheck %s --check-prefix=INPUT
// RUN: not partita-opt %s --dot %t.dot -o %t.dot 2>&1 | FileCheck %s --check-prefix=SAME
// RUN: not partita-opt %s --dot %t.missing/x.dot 2>&1 | FileCheck %s --check-prefix=WRITE
// RUN: echo "func @main(" | not partita-opt - --dot %t.dot 2>&1 | FileCheck %s --check-prefix=PARSE
// RUN: not test -e %t.dot

// HELP: [--dot FILE|- [--dot-filter=PREFIX,...] [--dot-compact]]
// HELP: --dot FILE
// HELP: --dot-filter=P,Q
// HELP: --dot-compact
// HELP: examples:
// HELP: --partition --dot part.dot && dot -Tsvg part.dot -o part.svg

// NOFILE: partita-opt: error: --dot needs a file name (or '-')
// ALONE: partita-opt: error: --dot-filter and --dot-compact need --dot FILE
// EMPTY: partita-opt: error: --dot-filter needs comma-separated value name prefixes (e.g. layer1.moe.), got '{{.*}}'
// INPUT: partita-opt: error: refusing to overwrite the input file '{{.*}}' with --dot
// SAME: partita-opt: error: --dot names the same file as -o: '{{.*}}'
// WRITE: x.dot: error: cannot write
// PARSE: <stdin>:1:{{[0-9]+}}: error:

func @main(%x: f32[4]) -> (f32[4]) {
  return %x
}
