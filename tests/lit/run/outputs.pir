// What partita-run writes: never an input (--emit-llvm/--emit-obj naming the program or
// an input array are refused, leaving it intact), every failed write is exit 1 (stdout
// on a full device included), and --outputs leaves no staging directory behind.
// RUN: rm -rf %t && mkdir -p %t/in
// RUN: cp %s %t/prog.pir
// RUN: not partita-run %t/prog.pir --no-cache --emit-llvm %t/prog.pir 2>&1 | FileCheck %s --check-prefix=LLVM
// RUN: diff %s %t/prog.pir
// LLVM: prog.pir: error: refusing to overwrite an input file with --emit-llvm
// RUN: not partita-run %t/prog.pir --no-cache --emit-obj=%t/prog.pir 2>&1 | FileCheck %s --check-prefix=OBJ
// RUN: diff %s %t/prog.pir
// OBJ: prog.pir: error: refusing to overwrite an input file with --emit-obj
// An input array is an input too.
// RUN: partita-run %S/Inputs/vector.pir.in --outputs %t/in
// RUN: cp %t/in/result0.npy %t/saved.npy
// RUN: not partita-run %S/Inputs/wrong_shape.pir.in --inputs %t/in --no-cache --emit-obj %t/in/result0.npy 2>&1 | FileCheck %s --check-prefix=NPY
// RUN: cmp %t/saved.npy %t/in/result0.npy
// NPY: result0.npy: error: refusing to overwrite an input file with --emit-obj
// RUN: not partita-run %t/prog.pir --no-cache --emit-llvm %t/same --emit-obj %t/same 2>&1 | FileCheck %s --check-prefix=SAME
// SAME: same: error: --emit-llvm and --emit-obj name the same file
// Results that cannot be written are an error (ENOSPC on /dev/full).
// RUN: not partita-run %s > /dev/full 2> %t/full.err
// RUN: FileCheck %s --check-prefix=FULL --input-file=%t/full.err
// FULL: partita-run: error: write to stdout failed
// FULL-NOT: error
// RUN: not partita-run %s --no-cache --emit-llvm /dev/full 2>&1 | FileCheck %s --check-prefix=EMIT-FULL
// EMIT-FULL: error: /dev/full: write failed
// --outputs: the results and nothing else (no staging directory, no temporary file).
// RUN: partita-run %s --outputs %t/out --save-inputs
// RUN: ls -A %t/out | FileCheck %s --check-prefix=OUT
// OUT-NOT: .partita
// OUT-NOT: tmp
// OUT: result0.npy
// OUT-NEXT: x.npy
// OUT-NOT: {{.}}
// RUN: partita-run %t/prog.pir --inputs %t/out | FileCheck %s
// CHECK: result0: f32[4] [{{.*}}] sum=
// An output that cannot be written is exit 1, and the set stays as it was.
// RUN: not partita-run %s --outputs %t/prog.pir 2>&1 | FileCheck %s --check-prefix=NOTDIR
// NOTDIR: prog.pir: error: cannot create the output directory
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) : f32[4]
  return %y
}
