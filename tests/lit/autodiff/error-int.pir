// autodiff: an integer argument cannot be trainable.
// RUN: not partita-opt %s --pipeline=autodiff 2>&1 | FileCheck %s
// CHECK: error-int.pir:6:12: error: autodiff: trainable argument %x has type i32[4]; only float arguments can be differentiated
// CHECK-NOT: error:

func @main(%x: i32[4] {trainable = true}) -> (i32[4]) {
  return %x
}
