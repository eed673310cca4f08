// Command-line errors: one line, exit 1.
// RUN: not partita-opt %s --pipeline=cse,nope 2>&1 | FileCheck %s --check-prefix=PASS
// RUN: not partita-opt %s --bogus 2>&1 | FileCheck %s --check-prefix=FLAG
// RUN: not partita-opt %s --partition --pipeline=dce 2>&1 | FileCheck %s --check-prefix=BOTH
// RUN: not partita-opt %s.missing 2>&1 | FileCheck %s --check-prefix=MISSING -DFILE=%s.missing
// RUN: not partita-opt %s %s 2>&1 | FileCheck %s --check-prefix=TWO
// RUN: not partita-opt /dev/zero 2>&1 | FileCheck %s --check-prefix=DEVICE
// RUN: not partita-run /dev/zero 2>&1 | FileCheck %s --check-prefix=DEVICE
// RUN: not partita-train /dev/zero --data %s --steps 1 2>&1 | FileCheck %s --check-prefix=DEVICE
// RUN: not partita-generate /dev/zero --weights %t --prompt a --max-new-tokens 1 2>&1 | FileCheck %s --check-prefix=DEVICE
// RUN: not partita-opt %s -o 2>&1 | FileCheck %s --check-prefix=NOOUT
// RUN: not partita-opt %s --stats-json 2>&1 | FileCheck %s --check-prefix=STATS

// PASS: partita-opt: error: unknown pass 'nope' (known passes: {{.*}}cse{{.*}}dce
// FLAG: partita-opt: error: unknown option '--bogus'
// BOTH: partita-opt: error: --propagate-sharding, --partition and --pipeline= exclude each other
// MISSING: [[FILE]]: error: cannot open the input file
// DEVICE: /dev/zero: error: not a regular file or pipe (a device or socket): cannot read a program from it
// TWO: partita-opt: error: more than one input file
// NOOUT: partita-opt: error: -o needs a file name
// STATS: partita-opt: error: --stats-json needs a value

func @main(%x: f32[4]) -> (f32[4]) {
  return %x
}
