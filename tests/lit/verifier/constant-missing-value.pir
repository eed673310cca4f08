// Verifier: constant needs a value.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}constant-missing-value.pir:9:3: error: 'constant' requires attribute 'value'
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = constant() : f32[4,8]
  return %r
}
