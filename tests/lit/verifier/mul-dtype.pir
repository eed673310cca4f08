// Verifier: elementwise operands of different element types.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}mul-dtype.pir:9:3: error: operands of 'mul' have different element types: f32[4,8] and bf16[4,8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8], %y: bf16[4,8]) -> (f32[4,8]) {
  %r = mul(%x, %y) : f32[4,8]
  return %r
}
