// Verifier: select's predicate is i1.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}select-pred.pir:9:3: error: 'select' expects a predicate of type i1, found f32[4,8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = select(%x, %x, %x) : f32[4,8]
  return %r
}
