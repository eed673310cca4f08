// Verifier: reductions remove their dims.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}reduce-result.pir:9:3: error: declared result type f32[4] of 'reduce_min' does not match the inferred type f32[8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4]) {
  %r = reduce_min(%x) {dims = [0]} : f32[4]
  return %r
}
