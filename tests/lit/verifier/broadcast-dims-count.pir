// Verifier: broadcast_in_dim has one entry per operand dim.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}broadcast-dims-count.pir:9:37: error: attribute 'dims' of 'broadcast_in_dim' has 1 entries, expected one per dimension of f32[4,8] (2)
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = broadcast_in_dim(%x) {dims = [0]} : f32[4,8]
  return %r
}
