// Verifier: einsum specs name two operands.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}einsum-operand-count.pir:9:31: error: einsum spec "bm->b" has 1 operand(s) but 'einsum' has 2
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8], %w: f32[8,16]) -> (f32[4]) {
  %r = einsum(%x, %w) {spec = "bm->b"} : f32[4]
  return %r
}
