// autodiff: an op without a derivative on the path from a trainable argument to the loss.
// RUN: not partita-opt %s --pipeline=autodiff 2>&1 | FileCheck %s
// CHECK: error-op.pir:9:3: error: autodiff: op 'all_reduce' has no derivative rule (its result %r depends on a trainable argument)
// CHECK-NOT: error:

mesh @m = <["a"=2]>

func @main(%x: f32[4] {trainable = true}) -> (f32[]) {
  %r = all_reduce(%x) {axes = ["a"], reduction = "sum"} : f32[4]
  %l = reduce_sum(%r) {dims = [0]} : f32[]
  return %l
}
