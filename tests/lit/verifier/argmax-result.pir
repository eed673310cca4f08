// Verifier: argmax returns i32.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}argmax-result.pir:9:3: error: declared result type f32[4] of 'argmax' does not match the inferred type i32[4]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4]) {
  %r = argmax(%x) {dim = 1} : f32[4]
  return %r
}
