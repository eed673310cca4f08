// Verifier: dynamic_slice takes one offset per dim.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}dynamic-slice-offsets.pir:9:3: error: 'dynamic_slice' takes 1 operand and one i32[] offset per dimension of f32[4,8] (2), found 1 offset(s)
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8], %i: i32[]) -> (f32[2,8]) attributes {partitioned = @m} {
  %r = dynamic_slice(%x, %i) {sizes = [2, 8]} : f32[2,8]
  return %r
}
