// Verifier: sharding_constraint needs a sharding.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}sharding-constraint-missing.pir:9:3: error: 'sharding_constraint' requires attribute 'sharding'
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = sharding_constraint(%x) : f32[4,8]
  return %r
}
