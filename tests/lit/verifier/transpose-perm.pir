// Verifier: transpose needs a permutation.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}transpose-perm.pir:9:30: error: attribute 'perm' of 'transpose' is not a permutation: [0,0]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,4]) {
  %r = transpose(%x) {perm = [0, 0]} : f32[4,4]
  return %r
}
