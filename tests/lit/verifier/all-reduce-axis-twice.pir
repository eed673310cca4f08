// Verifier: collective axes are distinct.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}all-reduce-axis-twice.pir:9:31: error: attribute 'axes' of 'all_reduce' names axis "a" twice
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) attributes {partitioned = @m} {
  %r = all_reduce(%x) {axes = ["a", "a"], reduction = "sum"} : f32[4,8]
  return %r
}
