// Verifier: concatenate's dim is in range.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}concatenate-dim.pir:9:35: error: attribute 'dim' of 'concatenate' is 2, out of range for f32[4,8] (expected 0 <= dim < 2)
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,16]) {
  %r = concatenate(%x, %x) {dim = 2} : f32[4,16]
  return %r
}
