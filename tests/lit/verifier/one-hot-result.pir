// Verifier: one_hot inserts depth at axis.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}one-hot-result.pir:9:3: error: declared result type f32[4,3] of 'one_hot' does not match the inferred type f32[3,4]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%i: i32[4]) -> (f32[4,3]) {
  %r = one_hot(%i) {axis = 0, depth = 3} : f32[4,3]
  return %r
}
