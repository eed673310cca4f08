// Verifier: one_hot's depth is positive.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}one-hot-depth.pir:9:29: error: attribute 'depth' of 'one_hot' must be positive, found 0
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%i: i32[4]) -> (f32[4,0]) {
  %r = one_hot(%i) {depth = 0} : f32[4,0]
  return %r
}
