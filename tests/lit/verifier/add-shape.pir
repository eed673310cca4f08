// Verifier: elementwise operands of different shapes.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}add-shape.pir:9:3: error: operands of 'add' have different shapes: f32[4,8] and f32[4,9]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8], %y: f32[4,9]) -> (f32[4,8]) {
  %r = add(%x, %y) : f32[4,8]
  return %r
}
