// Verifier: a module with functions has @main.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}missing-main.pir:8:1: error: the module has no @main function (found @f)
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @f(%x: f32[4]) -> (f32[4]) {
  return %x
}
