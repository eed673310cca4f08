// Verifier: reshape keeps the element type.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}reshape-dtype.pir:9:3: error: 'reshape' result must have element type f32 like its operand, found bf16[32]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (bf16[32]) {
  %r = reshape(%x) : bf16[32]
  return %r
}
