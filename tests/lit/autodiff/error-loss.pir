// autodiff: the first result must be a float scalar (the loss).
// RUN: not partita-opt %s --pipeline=autodiff 2>&1 | FileCheck %s
// CHECK: error-loss.pir:6:47: error: autodiff: the first result of @main must be the loss, a float scalar; got f32[4]
// CHECK-NOT: error:

func @main(%x: f32[4] {trainable = true}) -> (f32[4]) {
  %y = exp(%x) : f32[4]
  return %y
}
