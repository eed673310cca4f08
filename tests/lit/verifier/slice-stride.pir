// Verifier: slice strides are positive.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}slice-stride.pir:9:60: error: attribute 'stride' of 'slice' must be positive, found 0
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = slice(%x) {limit = [4, 8], start = [0, 0], stride = [1, 0]} : f32[4,8]
  return %r
}
