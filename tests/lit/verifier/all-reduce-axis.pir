// Verifier: collective axes are mesh axes.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}all-reduce-axis.pir:9:31: error: attribute 'axes' of 'all_reduce' names axis "c", which mesh @m does not have
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) attributes {partitioned = @m} {
  %r = all_reduce(%x) {axes = ["c"], reduction = "sum"} : f32[4,8]
  return %r
}
