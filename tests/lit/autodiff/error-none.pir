// autodiff: nothing to differentiate.
// RUN: not partita-opt %s --pipeline=autodiff 2>&1 | FileCheck %s
// CHECK: error-none.pir:6:1: error: autodiff: no argument of @main is marked `trainable = true`
// CHECK-NOT: error:

func @main(%x: f32[4]) -> (f32[]) {
  %l = reduce_sum(%x) {dims = [0]} : f32[]
  return %l
}
