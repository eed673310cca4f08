// Verifier: mesh axis names are distinct.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}mesh-duplicate-axis.pir:6:1: error: mesh @m declares axis "a" twice
// CHECK-NOT: error:

mesh @m = <["a"=2, "a"=2]>

func @main(%x: f32[4]) -> (f32[4]) {
  return %x
}
