// Verifier: i32 constants are integers.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}constant-i32-float.pir:9:28: error: attribute 'value' of 'constant' must hold integers for i32[2], found a float
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (i32[2]) {
  %r = constant() {value = 1.5} : i32[2]
  return %r
}
