// Verifier: reduction dims are in range.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}reduce-dims-range.pir:9:31: error: attribute 'dims' of 'reduce_max' is 2, out of range for f32[4,8] (expected 0 <= dims < 2)
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4]) {
  %r = reduce_max(%x) {dims = [2]} : f32[4]
  return %r
}
