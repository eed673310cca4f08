// Verifier: einsum output letters come from the operands.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}einsum-output-letter.pir:9:31: error: einsum output letter 'z' appears in no operand
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8], %w: f32[8,16]) -> (f32[4,16]) {
  %r = einsum(%x, %w) {spec = "bm,mh->bz"} : f32[4,16]
  return %r
}
