// Verifier: reshape keeps the element count.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}reshape-count.pir:9:3: error: 'reshape' must keep the element count: f32[4,8] has 32, f32[4,9] has 36
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,9]) {
  %r = reshape(%x) : f32[4,9]
  return %r
}
