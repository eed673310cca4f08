// Verifier: dynamic_slice offsets are i32[].
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}dynamic-slice-offset-type.pir:9:3: error: offset 0 of 'dynamic_slice' must be i32[], found i32[1]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8], %i: i32[1]) -> (f32[2,8]) attributes {partitioned = @m} {
  %r = dynamic_slice(%x, %i, %i) {sizes = [2, 8]} : f32[2,8]
  return %r
}
