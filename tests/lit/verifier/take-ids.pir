// Verifier: take's ids are i32.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}take-ids.pir:9:3: error: 'take' expects ids (operand 1) of type i32, found f32[4,8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%t: f32[10,8], %x: f32[4,8]) -> (f32[4,8,8]) {
  %r = take(%t, %x) {axis = 0} : f32[4,8,8]
  return %r
}
