// Verifier: i1 constants are booleans or 0/1.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}constant-i1.pir:9:28: error: attribute 'value' of 'constant' must hold true, false, 0 or 1 for i1[2]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (i1[2]) {
  %r = constant() {value = 2} : i1[2]
  return %r
}
