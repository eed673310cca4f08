// Verifier: dynamic_update_slice's update fits.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}dynamic-update-slice.pir:9:3: error: the update of 'dynamic_update_slice' must have the operand's element type and rank and fit inside it: operand f32[4,8], update f32[5,8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8], %u: f32[5,8], %i: i32[]) -> (f32[4,8]) attributes {partitioned = @m} {
  %r = dynamic_update_slice(%x, %u, %i, %i) : f32[4,8]
  return %r
}
