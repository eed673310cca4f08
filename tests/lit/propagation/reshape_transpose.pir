// Reshape splits and merges factors; transpose permutes them; broadcast_in_dim maps the
// operand's dims to the result's and leaves broadcast dims open.
// RUN: partita-opt %s --propagate-sharding | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["data"=2, "model"=2]>

// CHECK-LABEL: func @main
func @main(%x: f32[8,6] {sharding = <@mesh, [{"data"}, {"model"}]>}) -> (f32[3,4,2,2,5]) {
  // The model split of 6 = 2 x 3 lands on the major factor 2.
  // CHECK: %a = reshape(%x) {sharding = <@mesh, [{"data"}, {"model"}, {}]>} : f32[8,2,3]
  %a = reshape(%x) : f32[8,2,3]
  // CHECK: %t = transpose(%a) {perm = [2, 0, 1], sharding = <@mesh, [{}, {"data"}, {"model"}]>}
  %t = transpose(%a) {perm = [2, 0, 1]} : f32[3,8,2]
  // CHECK: %m = reshape(%t) {sharding = <@mesh, [{}, {"data"}, {}, {"model"}]>} : f32[3,4,2,2]
  %m = reshape(%t) : f32[3,4,2,2]
  // CHECK: %b = broadcast_in_dim(%m) {dims = [0, 1, 2, 3], sharding = <@mesh, [{}, {"data"}, {}, {"model"}, {}]>} : f32[3,4,2,2,5]
  %b = broadcast_in_dim(%m) {dims = [0, 1, 2, 3]} : f32[3,4,2,2,5]
  return %b
}
// SIM: check: {{.*}} PASS
