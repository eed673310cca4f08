// Verifier: broadcast_in_dim maps operand dims to distinct result dims.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}broadcast-dims-twice.pir:9:37: error: attribute 'dims' of 'broadcast_in_dim' maps two operand dimensions to result dimension 1
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[8,8]) -> (f32[4,8]) {
  %r = broadcast_in_dim(%x) {dims = [1, 1]} : f32[4,8]
  return %r
}
