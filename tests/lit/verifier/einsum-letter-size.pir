// Verifier: an einsum letter has one size.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}einsum-letter-size.pir:9:3: error: einsum letter 'm' has size 8 in operand 0 (f32[4,8]) but 9 in operand 1 (f32[9,16])
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8], %w: f32[9,16]) -> (f32[4,16]) {
  %r = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[4,16]
  return %r
}
