// --emit-llvm writes the optimized module: one entry point, the fused gelu(x + b) loop
// vectorized for this CPU; --emit-obj writes a non-empty object file.
// RUN: partita-run %s --no-cache --emit-llvm %t.ll --emit-obj %t.o | FileCheck %s
// RUN: FileCheck %s --check-prefix=IR < %t.ll
// RUN: test -s %t.o
// CHECK: result0: f32[4,64]
// IR: define void @partita_entry(ptr
// IR: fmul {{(contract )?}}<{{[0-9]+}} x float>
// RUN: not partita-run %s --engine=llvm 2>&1 | FileCheck %s --check-prefix=ENGINE
// ENGINE: partita-run: error: --engine must be jit or interp, got 'llvm'
// RUN: not partita-run %s --timeout 0 2>&1 | FileCheck %s --check-prefix=TIMEOUT
// TIMEOUT: partita-run: error: --timeout needs a number of seconds in (0, 1e9], got '0'
// Unwritable outputs are located one-line errors, and no partial file is left behind.
// RUN: not partita-run %s --no-cache --emit-llvm %t.missing/x.ll 2>&1 | FileCheck %s --check-prefix=NODIR
// NODIR: emit.pir:[[@LINE+4]]:1: error: {{.*}}missing/x.ll: cannot create a temporary file beside it
// RUN: rm -rf %t.dir && mkdir %t.dir && not partita-run %s --no-cache --emit-obj %t.dir 2>&1 | FileCheck %s --check-prefix=ISDIR
// ISDIR: emit.pir:[[@LINE+2]]:1: error: {{.*}}.dir: is a directory
// RUN: rmdir %t.dir
func @main(%x: f32[4,64], %b: f32[64]) -> (f32[4,64]) {
  %bb = broadcast_in_dim(%b) {dims = [1]} : f32[4,64]
  %s = add(%x, %bb) : f32[4,64]
  %g = gelu(%s) : f32[4,64]
  return %g
}
