// Verifier: dynamic_slice sizes fit the operand.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}dynamic-slice-sizes.pir:9:43: error: attribute 'sizes' of 'dynamic_slice' is [5,8], expected 0 <= sizes[i] <= the operand's extent [4,8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8], %i: i32[]) -> (f32[5,8]) attributes {partitioned = @m} {
  %r = dynamic_slice(%x, %i, %i) {sizes = [5, 8]} : f32[5,8]
  return %r
}
