// partita-run's errors: IR problems are located at the offending line, command-line
// problems name the tool; both exit 1.
// RUN: not partita-run %s 2>&1 | FileCheck %s
// CHECK: errors.pir:17:3: error: {{.*}}f32[5]
// RUN: not partita-run %s --bogus 2>&1 | FileCheck %s --check-prefix=OPT
// OPT: partita-run: error: unknown option '--bogus'
// RUN: not partita-run %s --seed -3 2>&1 | FileCheck %s --check-prefix=SEED
// SEED: partita-run: error: --seed needs a non-negative integer, got '-3'
// RUN: not partita-run %s --save-inputs 2>&1 | FileCheck %s --check-prefix=SAVE
// SAVE: partita-run: error: --save-inputs needs --outputs DIR
// RUN: not partita-run 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: partita-run: error: no input file
// RUN: partita-run --help | FileCheck %s --check-prefix=HELP
// HELP: usage: partita-run FILE
// HELP: examples:
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) : f32[5]
  return %y
}
