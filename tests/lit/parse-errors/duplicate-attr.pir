// The same attribute name twice in one dictionary (`sharding` included).
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}duplicate-attr.pir:6:59: error: duplicate attribute 'sharding'
mesh @m = <["a"=2]>
func @main(%x: f32[4]) -> (f32[4]) {
  %y = sharding_constraint(%x) {sharding = <@m, [{"a"}]>, sharding = <@m, [{}]>} : f32[4]
  return %y
}
