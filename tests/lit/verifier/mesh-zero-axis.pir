// Verifier: mesh axes have positive sizes.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}mesh-zero-axis.pir:6:1: error: axis "a" of mesh @m has size 0, expected a positive size
// CHECK-NOT: error:

mesh @m = <["a"=0]>

func @main(%x: f32[4]) -> (f32[4]) {
  return %x
}
