// Verifier: reduce_scatter's dim divides by the group size.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}reduce-scatter-divisible.pir:9:3: error: 'reduce_scatter' dimension 0 of f32[6,8] is not divisible by the group size 4
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[6,8]) -> (f32[1,8]) attributes {partitioned = @m} {
  %r = reduce_scatter(%x) {axes = ["a", "b"], dim = 0, reduction = "sum"} : f32[1,8]
  return %r
}
