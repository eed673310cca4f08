// Verifier: declared type of an elementwise op.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}unary-result.pir:9:3: error: declared result type f32[4,9] of 'tanh' does not match the inferred type f32[4,8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,9]) {
  %r = tanh(%x) : f32[4,9]
  return %r
}
