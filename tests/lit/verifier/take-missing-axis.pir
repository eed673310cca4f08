// Verifier: take needs an axis.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}take-missing-axis.pir:9:3: error: 'take' requires attribute 'axis'
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%t: f32[10,8], %i: i32[4]) -> (f32[4,8]) {
  %r = take(%t, %i) : f32[4,8]
  return %r
}
