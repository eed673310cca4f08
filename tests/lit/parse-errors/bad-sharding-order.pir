// In a sharding, `replicated=` comes before `unreduced=`, each at most once.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}bad-sharding-order.pir:5:63: error: expected '>' but found 'replicated'
mesh @m = <["a"=2, "b"=2]>
func @main(%x: f32[4] {sharding = <@m, [{}], unreduced={"a"}, replicated={"b"}>}) -> (f32[4]) {
  return %x
}
