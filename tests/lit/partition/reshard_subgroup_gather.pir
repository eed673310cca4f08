// Leaving only the minor axis of a two-axis split: all_gather within the model subgroup.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["data"=2, "model"=2]>

// CHECK-LABEL: func @main
func @main(%x: f32[8,3] {sharding = <@mesh, [{"data", "model"}, {}]>}) -> (f32[8,3] {sharding = <@mesh, [{"data"}, {}]>}) {
  // CHECK: %y = neg(%x) : f32[2,3]
  // CHECK-NEXT: all_gather(%y) {axes = ["model"], dim = 0} : f32[4,3]
  // CHECK-NOT: all_gather
  %y = neg(%x) : f32[8,3]
  return %y
}
// SIM: check: {{.*}} PASS
