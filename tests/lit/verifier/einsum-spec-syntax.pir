// Verifier: einsum specs are lowercase letters.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}einsum-spec-syntax.pir:9:31: error: einsum spec "bM,Mh->bh" has a character that is not a lowercase letter
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8], %w: f32[8,16]) -> (f32[4,16]) {
  %r = einsum(%x, %w) {spec = "bM,Mh->bh"} : f32[4,16]
  return %r
}
