// Verifier: reduction dims are distinct.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}reduce-dims-twice.pir:9:31: error: attribute 'dims' of 'reduce_sum' lists dimension 1 twice
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4]) {
  %r = reduce_sum(%x) {dims = [1, 1]} : f32[4]
  return %r
}
