// Verifier: an axis splits one dimension at most.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}sharding-axis-twice.pir:9:44: error: axis "a" is used more than once in the sharding: <@m, [{"a"}, {"a"}]>
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = sharding_constraint(%x) {sharding = <@m, [{"a"}, {"a"}]>} : f32[4,8]
  return %r
}
