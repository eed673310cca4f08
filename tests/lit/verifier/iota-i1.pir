// Verifier: iota is numeric.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}iota-i1.pir:9:3: error: 'iota' result must be i32, f32 or bf16, found i1[4]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (i1[4]) {
  %r = iota() {dim = 0} : i1[4]
  return %r
}
