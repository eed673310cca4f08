// Verifier: all_reduce reductions.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}all-reduce-reduction.pir:9:50: error: attribute 'reduction' of 'all_reduce' must be one of "sum", "max", "min", found "mean"
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) attributes {partitioned = @m} {
  %r = all_reduce(%x) {axes = ["a"], reduction = "mean"} : f32[4,8]
  return %r
}
