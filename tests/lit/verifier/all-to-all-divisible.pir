// Verifier: all_to_all's split_dim divides by the group size.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}all-to-all-divisible.pir:9:3: error: 'all_to_all' split dimension 1 of f32[4,7] is not divisible by the group size 2
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,7]) -> (f32[8,4]) attributes {partitioned = @m} {
  %r = all_to_all(%x) {axes = ["a"], concat_dim = 0, split_dim = 1} : f32[8,4]
  return %r
}
