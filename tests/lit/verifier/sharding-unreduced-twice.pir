// Verifier: an axis is either split or unreduced.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}sharding-unreduced-twice.pir:9:28: error: axis "a" is used more than once in the sharding: <@m, [{"a"}, {}], unreduced={"a"}>
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = exp(%x) {sharding = <@m, [{"a"}, {}], unreduced={"a"}>} : f32[4,8]
  return %r
}
