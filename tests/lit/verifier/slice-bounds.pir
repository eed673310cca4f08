// Verifier: slice bounds lie inside the operand.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}slice-bounds.pir:9:27: error: 'slice' bounds of dimension 1 are [0, 9), expected 0 <= start <= limit <= 8 for f32[4,8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,9]) {
  %r = slice(%x) {limit = [4, 9], start = [0, 0]} : f32[4,9]
  return %r
}
