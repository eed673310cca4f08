// Verifier: einsum letters match the operand rank.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}einsum-rank.pir:9:3: error: einsum operand 0 has type f32[4,8] (rank 2) but spec "bsm,mh->bsh" gives it 3 letter(s) "bsm"
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8], %w: f32[8,16]) -> (f32[4,16]) {
  %r = einsum(%x, %w) {spec = "bsm,mh->bsh"} : f32[4,16]
  return %r
}
