// Verifier: einsum's result type is inferred.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}einsum-result.pir:9:3: error: declared result type f32[4,17] of 'einsum' does not match the inferred type f32[4,16]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8], %w: f32[8,16]) -> (f32[4,17]) {
  %r = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[4,17]
  return %r
}
