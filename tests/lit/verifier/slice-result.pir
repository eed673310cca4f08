// Verifier: slice's result is ceil((limit-start)/stride).
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}slice-result.pir:9:3: error: declared result type f32[1,3] of 'slice' does not match the inferred type f32[2,3]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[1,3]) {
  %r = slice(%x) {limit = [4, 8], start = [1, 0], stride = [2, 3]} : f32[1,3]
  return %r
}
