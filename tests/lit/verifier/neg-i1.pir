// Verifier: arithmetic needs a numeric type.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}neg-i1.pir:9:3: error: 'neg' expects an operand of numeric type (f32, bf16 or i32), found i1[4]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: i1[4]) -> (i1[4]) {
  %r = neg(%x) : i1[4]
  return %r
}
