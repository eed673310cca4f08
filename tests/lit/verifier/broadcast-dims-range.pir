// Verifier: broadcast_in_dim dims are result dims.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}broadcast-dims-range.pir:9:37: error: attribute 'dims' of 'broadcast_in_dim' is 2, out of range for f32[4,8] (expected 0 <= dims < 2)
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = broadcast_in_dim(%x) {dims = [0, 2]} : f32[4,8]
  return %r
}
