// Verifier: broadcast_in_dim sizes are equal or 1.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}broadcast-size.pir:9:3: error: 'broadcast_in_dim' cannot broadcast operand dimension 1 of size 8 to result dimension 2 of size 9 (f32[4,8] to f32[4,3,9])
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,3,9]) {
  %r = broadcast_in_dim(%x) {dims = [0, 2]} : f32[4,3,9]
  return %r
}
