// Verifier: one_hot's axis is in [0, rank].
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}one-hot-axis.pir:9:28: error: attribute 'axis' of 'one_hot' is 2, expected 0 <= axis <= 1 for ids i32[4]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%i: i32[4]) -> (f32[4,3]) {
  %r = one_hot(%i) {axis = 2, depth = 3} : f32[4,3]
  return %r
}
