// Verifier: concatenated operands agree elsewhere.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}concatenate-mismatch.pir:9:3: error: operands of 'concatenate' must agree except in dimension 1: f32[4,8] and f32[5,8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8], %y: f32[5,8]) -> (f32[4,16]) {
  %r = concatenate(%x, %y) {dim = 1} : f32[4,16]
  return %r
}
