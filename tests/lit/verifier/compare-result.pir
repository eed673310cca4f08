// Verifier: compare returns i1.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}compare-result.pir:9:3: error: declared result type f32[4,8] of 'compare' does not match the inferred type i1[4,8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = compare(%x, %x) {direction = "eq"} : f32[4,8]
  return %r
}
