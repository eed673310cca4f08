// Verifier: transcendental ops need floats.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}exp-int.pir:9:3: error: 'exp' expects an operand of float type (f32 or bf16), found i32[4]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: i32[4]) -> (i32[4]) {
  %r = exp(%x) : i32[4]
  return %r
}
