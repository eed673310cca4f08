// Verifier: convert keeps the shape.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}convert-shape.pir:9:3: error: 'convert' changes only the element type: result bf16[8,4] must have the operand's shape [4,8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (bf16[8,4]) {
  %r = convert(%x) : bf16[8,4]
  return %r
}
