// Verifier: select's predicate has the operands' shape.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}select-pred-shape.pir:9:3: error: the predicate of 'select' has shape [4] but the selected operands have shape [4,8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%p: i1[4], %x: f32[4,8]) -> (f32[4,8]) {
  %r = select(%p, %x, %x) : f32[4,8]
  return %r
}
