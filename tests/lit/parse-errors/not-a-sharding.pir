// The `sharding` attribute of an op, argument or result must be a sharding.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}not-a-sharding.pir:4:35: error: attribute 'sharding' must be a sharding such as <@mesh, [{"a"}, {}]>
func @main(%x: f32[4] {sharding = "a"}) -> (f32[4]) {
  return %x
}
