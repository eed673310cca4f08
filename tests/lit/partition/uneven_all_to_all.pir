// Moving an uneven split between dimensions: pad to a multiple of the group, all_to_all,
// and slice the padding off the dimension that becomes whole.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["data"=2]>

// CHECK-LABEL: func @main
func @main(%x: f32[7,5] {sharding = <@mesh, [{"data"}, {}]>}) -> (f32[7,5] {sharding = <@mesh, [{}, {"data"}]>}) {
  // CHECK: %y = exp(%x) : f32[4,5]
  // CHECK-NEXT: pad(%y) {high = [0, 1], low = [0, 0], value = 0.0} : f32[4,6]
  // CHECK-NEXT: all_to_all({{.*}}) {axes = ["data"], concat_dim = 0, split_dim = 1} : f32[8,3]
  // CHECK-NEXT: slice({{.*}}) {limit = [7, 3], start = [0, 0]} : f32[7,3]
  %y = exp(%x) : f32[7,5]
  return %y
}
// SIM: check: {{.*}} PASS
