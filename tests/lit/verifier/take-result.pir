// Verifier: take replaces the axis by the ids' shape.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}take-result.pir:9:3: error: declared result type f32[4,8] of 'take' does not match the inferred type f32[10,4]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%t: f32[10,8], %i: i32[4]) -> (f32[4,8]) {
  %r = take(%t, %i) {axis = 1} : f32[4,8]
  return %r
}
