// Verifier: pad amounts are non-negative.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}pad-negative.pir:9:38: error: attribute 'low' of 'pad' must be non-negative, found [0,-1]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,7]) {
  %r = pad(%x) {high = [0, 0], low = [0, -1], value = 0.0} : f32[4,7]
  return %r
}
